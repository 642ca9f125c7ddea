import { parseArgs } from 'node:util';
import { type Command, UsageError } from '../command.js';
import { backup } from '../deploy/backup.js';
import { type DeployDeps, defaultDeps } from '../deploy/context.js';
import { reportFailures } from '../deploy/errors.js';
import { DEFAULT_CONFIG, resolveTarget } from '../deploy/target.js';

const help = `Usage: ckb-pool-deploy backup [--cloud aws|alicloud|local | --host user@ip[:port]] [options]

Writes one archive (.tar.gz) with everything needed to bring the pool back elsewhere:
  - a consistent copy of the pool's share ledger (SQLite VACUUM INTO, taken while the pool
    keeps running and writing: miners are not disturbed), made in a one-off container of the
    pool image on the host (local: docker compose; remote: over SSH with the deployment's key
    and pinned host key, as root through sudo -n)
    (several pool hosts: pg_dump of the shared PostgreSQL ledger, run on the host that reaches
    it, the node host or for RDS a pool host, in a one-off postgres:16 container)
  - the deployment config (ckb-pool.yaml)
  - the secrets folder: the SV2 authority secret key and the Grafana admin password.
THE ARCHIVE CONTAINS SECRETS. It is written with mode 0600; keep it private and encrypted at
rest (e.g. age or gpg) wherever you store it. Anyone with it can impersonate the pool to miners.
Restore it with \`ckb-pool-deploy restore --from FILE\`.

Options:
  --config FILE          deployment config (default: ${DEFAULT_CONFIG})
  --cloud TARGET         aws | alicloud | local (default: the config's \`cloud\`)
  --host USER@IP[:PORT]  back up this server (default: the host \`up\` recorded, or ssh.user/ssh.host)
  --out FILE             archive to write (default: <project>-backup-<UTC time>.tar.gz beside the
                         config); an existing file is never overwritten
  --verbose              also print every tool's output (masked) while it runs
  -h, --help             show this help
`;

export async function runBackup(argv: string[], deps: DeployDeps): Promise<number> {
  let values: { config?: string; cloud?: string; host?: string; out?: string; verbose?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        config: { type: 'string' },
        cloud: { type: 'string' },
        host: { type: 'string' },
        out: { type: 'string' },
        verbose: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const configPath = values.config ?? DEFAULT_CONFIG;
  return reportFailures(deps, `ckb-pool-deploy backup ${argv.join(' ')}`.trim(), async () =>
    backup(
      {
        configPath,
        target: resolveTarget(values.cloud, values.host, configPath),
        hostSpec: values.host,
        out: values.out,
      },
      { ...deps, verbose: values.verbose === true || deps.verbose === true },
    ),
  );
}

const command: Command = {
  help,
  run: (argv) => runBackup(argv, defaultDeps()),
};
export default command;
