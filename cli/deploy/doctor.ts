/**
 * `doctor`: checks this machine can run `up` for the chosen target before anything is created.
 * Every failed check says how to fix it (iac-facts F1, F4: the role ships with the package,
 * ansible-core is held to the tested range).
 */
import { existsSync } from 'node:fs';
import { cloudProfile } from '../../stacks/clouds.js';
import { loadConfig, type PoolDeployConfig } from '../config/schema.js';
import { readSecrets } from '../config/secrets.js';
import { ANSIBLE_CORE_BELOW, ANSIBLE_CORE_MIN, parseAnsibleCoreVersion } from './ansible.js';
import { detectCompose, dockerEngineVersion } from './compose.js';
import type { DeployDeps } from './context.js';
import { localImageChecks } from './image-checks.js';
import { missingAnsibleFiles } from './paths.js';
import { compareVersions, MIN_TERRAFORM, MIN_TERRAFORM_S3, parseTerraformVersion } from './terraform.js';
import { type Target, workDir } from './workdir.js';

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
  /** How to fix it (failed checks only). */
  fix?: string;
}

const pass = (name: string, detail: string): Check => ({ name, ok: true, detail });
const fail = (name: string, detail: string, fix: string): Check => ({ name, ok: false, detail, fix });

const v = (n: readonly number[]) => n.join('.');

async function terraformCheck(deps: DeployDeps, config: PoolDeployConfig | null): Promise<Check> {
  const install =
    'install Terraform ≥ 1.5 from https://developer.hashicorp.com/terraform/install (or your package manager)';
  const r = await deps.runner.run({ cmd: 'terraform', args: ['version', '-json'], timeoutMs: 30_000 });
  if (r.notFound) return fail('terraform', 'not found on PATH', install);
  const version = parseTerraformVersion(r.stdout);
  if (!version) return fail('terraform', `could not read its version (exit ${r.exitCode})`, install);
  const min = config?.state.backend === 's3' ? MIN_TERRAFORM_S3 : MIN_TERRAFORM;
  if (compareVersions(version, min) < 0) {
    return fail(
      'terraform',
      `${v(version)} is older than ${v(min)}${config?.state.backend === 's3' ? ' (needed for S3 state locking)' : ''}`,
      `upgrade Terraform to ${v(min)} or newer`,
    );
  }
  return pass('terraform', v(version));
}

async function ansibleCheck(deps: DeployDeps): Promise<Check> {
  const range = `≥ ${v(ANSIBLE_CORE_MIN)}, < ${v(ANSIBLE_CORE_BELOW)}`;
  const install = `install ansible-core ${range}: \`apt-get install ansible-core\` (Debian 12 / Ubuntu 24.04) or \`pipx install "ansible-core>=${v(ANSIBLE_CORE_MIN)},<${v(ANSIBLE_CORE_BELOW)}"\``;
  const r = await deps.runner.run({ cmd: 'ansible-playbook', args: ['--version'], timeoutMs: 30_000 });
  if (r.notFound) return fail('ansible-core', 'ansible-playbook not found on PATH', install);
  const version = parseAnsibleCoreVersion(r.stdout);
  if (!version) return fail('ansible-core', `could not read the version (exit ${r.exitCode})`, install);
  if (compareVersions(version, ANSIBLE_CORE_MIN) < 0 || compareVersions(version, ANSIBLE_CORE_BELOW) >= 0) {
    return fail('ansible-core', `${v(version)} is outside the supported range (${range})`, install);
  }
  return pass('ansible-core', v(version));
}

function toolCheck(deps: DeployDeps, cmd: string, name: string, fix: string): Check {
  const path = deps.runner.which(cmd);
  return path ? pass(name, path) : fail(name, `${cmd} not found on PATH`, fix);
}

function roleCheck(): Check {
  const missing = missingAnsibleFiles();
  return missing.length === 0
    ? pass('ansible role', 'ckb_pool ships with this package')
    : fail(
        'ansible role',
        `missing ${missing.join(', ')}`,
        'reinstall ckb-pool-deploy (npm i -g ckb-pool-deploy); the role is not fetched from Galaxy',
      );
}

function keyChecks(config: PoolDeployConfig, target: Target): Check[] {
  const out: Check[] = [];
  const keygen =
    'create a key pair with `ssh-keygen -t ed25519 -f ~/.ssh/id_ed25519` or fix the path in the config';
  const files: Array<[string, string]> = [['ssh.privateKeyPath', config.ssh.privateKeyPath]];
  if (target === 'aws' || target === 'alicloud') files.push(['ssh.publicKeyPath', config.ssh.publicKeyPath]);
  for (const [field, p] of files) {
    out.push(
      existsSync(p)
        ? pass(`ssh key (${field})`, p)
        : fail(`ssh key (${field})`, `${p} does not exist`, keygen),
    );
  }
  return out;
}

/** Which credential source the cloud's Terraform provider will use (its profile says how to find it). */
async function credentialsCheck(target: 'aws' | 'alicloud', deps: DeployDeps): Promise<Check> {
  const name = `${target} credentials`;
  const finding = await cloudProfile(target).findCredentials(deps);
  return finding.ok ? pass(name, finding.detail) : fail(name, finding.detail, finding.fix ?? '');
}

async function dockerChecks(deps: DeployDeps): Promise<Check[]> {
  const engine = await dockerEngineVersion(deps.runner);
  const checks = [
    engine.ok
      ? pass('docker engine', engine.detail)
      : fail(
          'docker engine',
          engine.detail,
          'install Docker (https://docs.docker.com/engine/install/ or `apt-get install docker.io`), start it (`systemctl start docker`) and make sure your user may use it (group docker)',
        ),
  ];
  const compose = await detectCompose(deps.runner);
  checks.push(
    compose
      ? pass('docker compose', compose.version === 'v2' ? 'docker compose (v2)' : 'docker-compose (v1)')
      : fail(
          'docker compose',
          'neither `docker compose` nor `docker-compose` works',
          'install the Compose plugin (`apt-get install docker-compose-plugin` from Docker’s repository) or `apt-get install docker-compose`',
        ),
  );
  return checks;
}

export interface DoctorOptions {
  configPath: string;
  /** From --cloud/--host; else the config's cloud. */
  target?: Target | undefined;
}

export async function doctor(o: DoctorOptions, deps: DeployDeps): Promise<Check[]> {
  const checks: Check[] = [];
  let config: PoolDeployConfig | null = null;
  try {
    config = loadConfig(o.configPath);
    checks.push(pass('config', `${o.configPath} (cloud ${config.cloud})`));
  } catch (e) {
    checks.push(
      fail('config', (e as Error).message, 'create it with `ckb-pool-deploy init` or pass --config FILE'),
    );
  }
  if (config) {
    try {
      readSecrets(config.secretsDir);
      checks.push(pass('secrets', config.secretsDir));
    } catch (e) {
      checks.push(
        fail('secrets', (e as Error).message, 'run `ckb-pool-deploy init` (it keeps existing secrets)'),
      );
    }
  }
  const target = o.target ?? config?.cloud;
  if (target === undefined) return checks;
  checks.push(...(await targetChecks(target, config, deps)));
  if (target === 'local') {
    const docker = await dockerChecks(deps);
    checks.push(...docker);
    if (config && docker.every((c) => c.ok)) {
      const bundle = workDir(o.configPath, config.project, 'local').bundle;
      checks.push(...(await localImageChecks(deps, config, bundle)));
    }
  }
  return checks;
}

/**
 * Tools, keys and credentials a remote `up` needs. `up` runs these before it creates anything,
 * so a missing ansible or key never leaves a paid VM behind a failed deployment.
 */
export async function targetChecks(
  target: Target,
  config: PoolDeployConfig | null,
  deps: DeployDeps,
): Promise<Check[]> {
  const checks: Check[] = [];
  if (target === 'aws' || target === 'alicloud') checks.push(await terraformCheck(deps, config));
  if (target !== 'local') {
    checks.push(await ansibleCheck(deps));
    checks.push(roleCheck());
    checks.push(toolCheck(deps, 'ssh', 'ssh client', 'install OpenSSH (`apt-get install openssh-client`)'));
    if (config) checks.push(...keyChecks(config, target));
  }
  if (target === 'aws' || target === 'alicloud') checks.push(await credentialsCheck(target, deps));
  if (target === 'aws' && config && config.pool.hosts > 1) {
    // up reads the RDS-managed ledger password from Secrets Manager with it (ledger-password.ts).
    checks.push(
      toolCheck(
        deps,
        'aws',
        'aws cli',
        'install AWS CLI v2 (https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html): several pool hosts read the ledger password with it',
      ),
    );
  }
  return checks;
}

export function formatChecks(checks: Check[]): string {
  const lines: string[] = [];
  for (const c of checks) {
    lines.push(`${c.ok ? '✔' : '✖'} ${c.name}: ${c.detail}`);
    if (!c.ok && c.fix) lines.push(`    fix: ${c.fix}`);
  }
  const failed = checks.filter((c) => !c.ok).length;
  lines.push(
    '',
    failed === 0 ? 'All checks passed.' : `${failed} check${failed === 1 ? '' : 's'} failed.`,
    '',
  );
  return lines.join('\n');
}
