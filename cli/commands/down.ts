import { parseArgs } from 'node:util';
import { type Command, UsageError } from '../command.js';
import { type DeployDeps, defaultDeps } from '../deploy/context.js';
import { down } from '../deploy/down.js';
import { reportFailures } from '../deploy/errors.js';
import { DEFAULT_CONFIG, resolveTarget } from '../deploy/target.js';

const help = `Usage: ckb-pool-deploy down [--cloud aws|alicloud|local | --host user@ip[:port]] [options]

Takes a deployment down:
  aws, alicloud  terraform destroy of the stack \`up\` created: the VM, its disk (chain data and
                 the pool's ledger), its public IP, network and firewall. Asks first. Without
                 the local Terraform state it fails (exit 1), naming where the state was
                 expected and how to find the tagged resources, instead of doing nothing.
  local          docker compose down on this machine; data volumes are kept unless --purge.
  --host         stops the pool's systemd unit on your server (data stays there).
The secrets folder (authority key, Grafana password) is never touched, so a later \`up\`
brings the pool back with the same miner URL key.

Options:
  --config FILE          deployment config (default: ${DEFAULT_CONFIG})
  --cloud TARGET         aws | alicloud | local (default: the config's \`cloud\`)
  --host USER@IP[:PORT]  the server to stop (default: the one \`up\` recorded, or ssh.user/ssh.host)
  --purge                local only: also delete the volumes (chain data, ledger, metrics)
  --yes                  do not ask for confirmation (required without a terminal)
  --verbose              also print every tool's output (masked) while it runs
  -h, --help             show this help
`;

export async function runDown(argv: string[], deps: DeployDeps): Promise<number> {
  let values: {
    config?: string;
    cloud?: string;
    host?: string;
    purge?: boolean;
    yes?: boolean;
    verbose?: boolean;
  };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        config: { type: 'string' },
        cloud: { type: 'string' },
        host: { type: 'string' },
        purge: { type: 'boolean' },
        yes: { type: 'boolean' },
        verbose: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const configPath = values.config ?? DEFAULT_CONFIG;
  return reportFailures(deps, `ckb-pool-deploy down ${argv.join(' ')}`.trim(), async () => {
    const target = resolveTarget(values.cloud, values.host, configPath);
    if (values.purge && target !== 'local') {
      throw new UsageError(
        target === 'ssh'
          ? '--purge is for --cloud local; on your server remove the volumes with docker compose down -v in /opt/ckb-pool'
          : `--purge is for --cloud local; down on ${target} destroys the whole VM and its disk anyway`,
      );
    }
    return down(
      { configPath, target, hostSpec: values.host, yes: values.yes === true, purge: values.purge === true },
      { ...deps, verbose: values.verbose === true || deps.verbose === true },
    );
  });
}

const command: Command = {
  help,
  run: (argv) => runDown(argv, defaultDeps()),
};
export default command;
