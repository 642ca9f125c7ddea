import { parseArgs } from 'node:util';
import { type Command, UsageError } from '../command.js';
import { type DeployDeps, defaultDeps } from '../deploy/context.js';
import { reportFailures } from '../deploy/errors.js';
import { status } from '../deploy/status.js';
import { DEFAULT_CONFIG, resolveTarget } from '../deploy/target.js';

const help = `Usage: ckb-pool-deploy status [--cloud aws|alicloud|local | --host user@ip[:port]] [--config FILE]

Shows the deployment as the pool sees it: host, whether it is ready for miners (and why not),
the pool's job height against the node's tip, hashrate (10 min and 1 h), workers online and
the last block found. The pool API listens on the host's 127.0.0.1 only, so for a remote host
this opens a short-lived SSH tunnel (ssh -N -L LOCALPORT:127.0.0.1:API_PORT) with the
config's ssh.privateKeyPath; for local it asks http://127.0.0.1:API_PORT directly.

Options:
  --config FILE          deployment config (default: ${DEFAULT_CONFIG})
  --cloud TARGET         aws | alicloud | local (default: the config's \`cloud\`)
  --host USER@IP[:PORT]  ask this server (default: the host \`up\` recorded, or ssh.user/ssh.host)
  -h, --help             show this help

Exit code: 0 when the pool answered, 1 when it could not be reached.
`;

export async function runStatus(argv: string[], deps: DeployDeps): Promise<number> {
  let values: { config?: string; cloud?: string; host?: string };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { config: { type: 'string' }, cloud: { type: 'string' }, host: { type: 'string' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const configPath = values.config ?? DEFAULT_CONFIG;
  return reportFailures(deps, '', async () =>
    status(
      { configPath, target: resolveTarget(values.cloud, values.host, configPath), hostSpec: values.host },
      deps,
    ),
  );
}

const command: Command = {
  help,
  run: (argv) => runStatus(argv, defaultDeps()),
};
export default command;
