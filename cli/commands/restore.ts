import { parseArgs } from 'node:util';
import { type Command, UsageError } from '../command.js';
import { restore } from '../deploy/backup-restore.js';
import { type DeployDeps, defaultDeps } from '../deploy/context.js';
import { reportFailures } from '../deploy/errors.js';
import { DEFAULT_CONFIG } from '../deploy/target.js';

const help = `Usage: ckb-pool-deploy restore --from FILE [--cloud aws|alicloud|local | --host user@ip[:port]] [options]

Brings back what \`ckb-pool-deploy backup\` wrote, typically onto a fresh host:
  1. the config (to --config) and the secrets folder it names: the same authority key, so the
     miners' pool URLs stay valid. A file that exists with other content is a conflict: nothing
     is changed unless --force.
  2. if the stack is deployed (\`up\` has run): the ledger. The pool service is stopped, the
     ledger file in its data volume replaced (checked first: integrity, share counts), and the
     pool started again. A ledger that already holds shares, workers or blocks is not
     overwritten unless --force.
     If the stack is not deployed yet, step 2 is skipped: run \`up\`, then restore again, and
     only then point miners (DNS) at the new host.
     Several pool hosts (pool.hosts >= 2): the ledger is the shared PostgreSQL; the dump goes
     to the host that reaches it and pg_restore replaces it in one transaction. While any pool
     host runs its pool this is refused, unless --stop-pools: then the pool is stopped on every
     pool host first and started again afterwards (miners reconnect).
The archive holds secrets; restore reads it into a private temporary folder and removes that.

Options:
  --from FILE            the backup archive (required)
  --config FILE          where the config goes / is (default: ${DEFAULT_CONFIG})
  --cloud TARGET         aws | alicloud | local (default: the restored config's \`cloud\`)
  --host USER@IP[:PORT]  restore onto this server (default: the host \`up\` recorded, or ssh.user/ssh.host)
  --force                replace differing config/secret files and a non-empty ledger
  --stop-pools           several pool hosts: stop the pools for the restore, start them after
  --verbose              also print every tool's output (masked) while it runs
  -h, --help             show this help
`;

export async function runRestore(argv: string[], deps: DeployDeps): Promise<number> {
  let values: {
    from?: string;
    config?: string;
    cloud?: string;
    host?: string;
    force?: boolean;
    'stop-pools'?: boolean;
    verbose?: boolean;
  };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        from: { type: 'string' },
        config: { type: 'string' },
        cloud: { type: 'string' },
        host: { type: 'string' },
        force: { type: 'boolean' },
        'stop-pools': { type: 'boolean' },
        verbose: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (!values.from)
    throw new UsageError('--from FILE is required: the archive `ckb-pool-deploy backup` wrote');
  const from = values.from;
  return reportFailures(deps, `ckb-pool-deploy restore ${argv.join(' ')}`.trim(), async () =>
    restore(
      {
        configPath: values.config ?? DEFAULT_CONFIG,
        cloud: values.cloud,
        hostSpec: values.host,
        from,
        force: values.force === true,
        stopPools: values['stop-pools'] === true,
      },
      { ...deps, verbose: values.verbose === true || deps.verbose === true },
    ),
  );
}

const command: Command = {
  help,
  run: (argv) => runRestore(argv, defaultDeps()),
};
export default command;
