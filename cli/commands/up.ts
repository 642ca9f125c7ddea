import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type Command, UsageError } from '../command.js';
import { DOCKER_INSTALL_METHODS, type DockerInstallMethod } from '../deploy/ansible.js';
import { type DeployDeps, defaultDeps } from '../deploy/context.js';
import { reportFailures } from '../deploy/errors.js';
import { DEFAULT_CONFIG, resolveTarget } from '../deploy/target.js';
import { up } from '../deploy/up.js';

const help = `Usage: ckb-pool-deploy up [--cloud aws|alicloud|local | --host user@ip[:port]] [options]

Deploys the pool described by the config and proves it works:
  aws, alicloud  check tools and credentials (as \`doctor\`; nothing is created if one is
                 missing) → render the bundle → synthesize the Terraform stack → terraform init +
                 plan, printed and checked (a plan that replaces or deletes the VM or its disk is
                 refused) → apply that plan → read the host's address → wait for SSH → ansible-playbook (role ckb_pool,
                 shipped with this package) → SV2 Noise handshake from this machine
  --host         the same on a server you already have (no Terraform; checks ansible, ssh, keys)
  local          render → docker compose up on this machine → wait for the pool API → handshake
Images: every image the stack starts must be on the host or pullable, else \`up\` stops before
starting anything and names the image, its registry and the remedies. The pool image is the
exception: when its registry does not have it for the host's architecture (a fork, an unreleased
version), \`up\` builds it from the installed ckb-pool — on this machine when Docker runs here,
shipped to the host as an archive, else on the host — and says which it did.
It ends with the miner URLs (stratum2+tcp://IP:PORT/AUTHORITY_KEY and stratum+tcp://IP:PORT)
and how to open Grafana. Tools' output goes to a log file under
.ckb-pool-deploy/<project>/<target>/logs/ beside the config; a failing step names itself and
that file. Re-running \`up\` after a failure is safe: every step converges.

Options:
  --config FILE            deployment config written by \`init\` (default: ${DEFAULT_CONFIG})
  --cloud TARGET           aws | alicloud | local (default: the config's \`cloud\`)
  --host USER@IP[:PORT]    deploy to this existing server over SSH (port default 22); without
                           it, cloud \`ssh\` uses the config's ssh.user and ssh.host
  --docker-install METHOD  how the role installs Docker on the host: repo (Docker's apt
                           repository, default), distro (the distribution's docker.io and
                           docker-compose, for restricted networks) or none (already installed)
  --image-archive FILE     \`docker save\` archive to load before starting (repeatable; for hosts
                           that cannot pull images). Default: images are pulled by tag
  --node-image IMAGE       base image with Node.js for building the pool image when it cannot be
                           pulled (default: the Dockerfile's node:22-bookworm-slim; for a mirror)
  --no-firewall            do not manage the host's nftables firewall (default: managed, public
                           ports from publicCidrs and SSH from adminCidrs only)
  --allow-replace          apply even a plan that replaces or deletes the VM or its disk (losing
                           the synced chain and the share ledger; default: refuse, change nothing)
  --allow-unpinned         deploy a mainnet pool whose images are pinned by tag alone (default:
                           refuse; \`ckb-pool-deploy image pin\` writes the digests into the config)
  --ssh-timeout SECONDS    how long to wait for SSH on the host (default: 300)
  --verify-timeout SECONDS how long to retry the SV2 handshake (default: 120)
  --verbose                also print every tool's output (masked) while it runs (default: only
                           the step lines; the full output is always in the log file)
  -h, --help               show this help

Credentials: AWS from AWS_* variables or ~/.aws; Alibaba Cloud from ALICLOUD_ACCESS_KEY and
ALICLOUD_SECRET_KEY. Run \`ckb-pool-deploy doctor\` first to check tools and credentials.
`;

function seconds(name: string, v: string | undefined, def: number): number {
  if (v === undefined) return def * 1000;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0)
    throw new UsageError(`--${name} must be a positive number of seconds, not '${v}'`);
  return n * 1000;
}

/** `up` with injectable dependencies (tests replace the runner, streams and timeouts). */
export async function runUp(argv: string[], deps: DeployDeps): Promise<number> {
  let values: {
    config?: string;
    cloud?: string;
    host?: string;
    'docker-install'?: string;
    'image-archive'?: string[];
    'node-image'?: string;
    'no-firewall'?: boolean;
    'allow-replace'?: boolean;
    'allow-unpinned'?: boolean;
    'ssh-timeout'?: string;
    'verify-timeout'?: string;
    verbose?: boolean;
  };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        config: { type: 'string' },
        cloud: { type: 'string' },
        host: { type: 'string' },
        'docker-install': { type: 'string' },
        'image-archive': { type: 'string', multiple: true },
        'node-image': { type: 'string' },
        'no-firewall': { type: 'boolean' },
        'allow-replace': { type: 'boolean' },
        'allow-unpinned': { type: 'boolean' },
        'ssh-timeout': { type: 'string' },
        'verify-timeout': { type: 'string' },
        verbose: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const dockerInstall = (values['docker-install'] ?? 'repo') as DockerInstallMethod;
  if (!DOCKER_INSTALL_METHODS.includes(dockerInstall)) {
    throw new UsageError(`--docker-install must be repo, distro or none, not '${values['docker-install']}'`);
  }
  const timeouts = {
    ...deps.timeouts,
    sshMs: seconds('ssh-timeout', values['ssh-timeout'], deps.timeouts.sshMs / 1000),
    verifyMs: seconds('verify-timeout', values['verify-timeout'], deps.timeouts.verifyMs / 1000),
  };
  const configPath = values.config ?? DEFAULT_CONFIG;
  const rerun = `ckb-pool-deploy up ${argv.join(' ')}`.trim();
  return reportFailures(deps, rerun, async () => {
    const target = resolveTarget(values.cloud, values.host, configPath);
    return up(
      {
        configPath,
        target,
        hostSpec: values.host,
        dockerInstall,
        imageArchives: (values['image-archive'] ?? []).map((p) => resolve(p)),
        firewall: !values['no-firewall'],
        allowReplace: values['allow-replace'] === true,
        allowUnpinned: values['allow-unpinned'] === true,
        nodeImage: values['node-image'],
      },
      { ...deps, timeouts, verbose: values.verbose === true || deps.verbose === true },
    );
  });
}

const command: Command = {
  help,
  run: (argv) => runUp(argv, defaultDeps()),
};
export default command;
