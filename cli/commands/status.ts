import { parseArgs } from 'node:util';
import { type Command, UsageError } from '../command.js';
import { type DeployDeps, defaultDeps } from '../deploy/context.js';
import { reportFailures } from '../deploy/errors.js';
import { status } from '../deploy/status.js';
import { DEFAULT_CONFIG, resolveTarget } from '../deploy/target.js';

const help = `Usage: ckb-pool-deploy status [--cloud aws|alicloud|local | --host user@ip[:port]] [--config FILE] [--json]

Shows the deployment as the pool sees it: host, whether it is ready for miners (and why not),
the pool's job height against the node's tip, hashrate (10 min and 1 h), workers online and
the last block found. The pool API listens on the host's 127.0.0.1 only, so for a remote host
this opens a short-lived SSH tunnel (ssh -N -L LOCALPORT:127.0.0.1:API_PORT) with the
config's ssh.privateKeyPath; for local it asks http://127.0.0.1:API_PORT directly.

For several pool hosts (pool.hosts >= 2) it asks every host \`up\` recorded, at the same time:
the containers on each host (over SSH, as root), each pool's API (readiness, height, workers,
connections, hashrate), the load balancer (an SV2 handshake proving the authority key) and the
shared PostgreSQL ledger (reachable, schema version, counts; read from the node host, or for
RDS from a pool host). A host that does not answer is shown as such.

Options:
  --config FILE          deployment config (default: ${DEFAULT_CONFIG})
  --cloud TARGET         aws | alicloud | local (default: the config's \`cloud\`)
  --host USER@IP[:PORT]  ask this server (default: the host \`up\` recorded, or ssh.user/ssh.host)
  --json                 print one JSON document instead of the table
  -h, --help             show this help

Exit code: 0 when the pool answered (a cluster: when every host, the LB and the ledger are
healthy), 1 otherwise.
`;

export async function runStatus(argv: string[], deps: DeployDeps): Promise<number> {
  let values: { config?: string; cloud?: string; host?: string; json?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        config: { type: 'string' },
        cloud: { type: 'string' },
        host: { type: 'string' },
        json: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const configPath = values.config ?? DEFAULT_CONFIG;
  return reportFailures(deps, '', async () =>
    status(
      {
        configPath,
        target: resolveTarget(values.cloud, values.host, configPath),
        hostSpec: values.host,
        json: values.json === true,
      },
      deps,
    ),
  );
}

const command: Command = {
  help,
  run: (argv) => runStatus(argv, defaultDeps()),
};
export default command;
