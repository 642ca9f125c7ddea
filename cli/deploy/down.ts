/**
 * `down`: the reverse of `up`.
 *   aws|alicloud: synth (the same stack) → terraform init → terraform destroy; forgets the host
 *   local:        compose down (with --purge also the volumes: chain data, ledger, metrics)
 *   ssh:          stops the stack on the server (systemd unit installed by the role)
 * Destroying is confirmed on a terminal, or with --yes; without either it refuses.
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { resourceName } from '../../stacks/spec.js';
import { synthDeployment } from '../../stacks/synth.js';
import { COMPOSE_MISSING, composeDown, detectCompose } from './compose.js';
import { type DeployDeps, StepFailure } from './context.js';
import { type Opened, openSession } from './session.js';
import { parseHostSpec, sshDestination, sshOptions } from './ssh.js';
import { terraformDestroy, terraformInit } from './terraform.js';
import type { HostRecord, Target } from './workdir.js';

export interface DownOptions {
  configPath: string;
  target: Target;
  hostSpec?: string | undefined;
  yes: boolean;
  purge: boolean;
}

/** Asks, or refuses without a terminal. Resolves true when the operator agreed. */
async function confirmed(deps: DeployDeps, o: DownOptions, what: string): Promise<boolean> {
  if (o.yes) return true;
  if (!deps.interactive) {
    throw new StepFailure(`${what}. There is no terminal to confirm on: re-run with --yes to go ahead.`);
  }
  return deps.confirm(`${what}. Continue?`);
}

export async function down(o: DownOptions, deps: DeployDeps): Promise<number> {
  // Secrets are not needed to tear down (a lost secrets folder must not block `down`).
  const opened = openSession('down', o.configPath, o.target, deps, { secrets: false });
  const { config } = opened;
  const question =
    o.target === 'local'
      ? o.purge
        ? `This stops '${config.project}' on this machine and DELETES its volumes (chain data, ledger, metrics)`
        : ''
      : o.target === 'ssh'
        ? `This stops the pool '${config.project}' on ${hostOf(opened, o).address}`
        : `This DESTROYS the ${o.target} VM of '${config.project}' in ${config.region}, its disk (chain data, ledger) and its public IP`;
  if (question && !(await confirmed(deps, o, question))) {
    deps.out.write('Nothing changed.\n');
    return 1;
  }
  deps.out.write(`Log: ${opened.session.log.path}\n`);
  if (o.target === 'local') return downLocal(opened, o);
  if (o.target === 'ssh') return downSsh(opened, o);
  return downCloud(opened, o.target);
}

function hostOf(opened: Opened, o: DownOptions): HostRecord {
  if (o.hostSpec) return parseHostSpec(o.hostSpec);
  if (opened.session.state.host) return opened.session.state.host;
  const { user, host } = opened.config.ssh;
  if (!user || !host) throw new StepFailure('no server given: pass --host user@ip[:port]');
  return parseHostSpec(`${user}@${host}`);
}

async function downCloud(opened: Opened, cloud: 'aws' | 'alicloud'): Promise<number> {
  const { session, config, work } = opened;
  const stackDir = join(work.terraform, 'stacks', `${resourceName(config.project)}-${cloud}`);
  const statePath = join(stackDir, 'terraform.tfstate');
  if (config.state.backend === 'local' && !existsSync(statePath)) {
    // Not "nothing to destroy": without the state we cannot know, and a pool deployed from
    // another folder or machine stays billed. Say where the state was expected and how to look.
    throw new StepFailure(noStateMessage(config, cloud, statePath));
  }
  const result = await session.step('synthesize stack', () => synthDeployment(config, cloud, work.terraform));
  await session.step('terraform init', () => session.tool(terraformInit(result.dir)));
  await session.step('terraform destroy', () => session.tool(terraformDestroy(result.dir)));
  // A new VM may get the same address: its host key must be learned afresh.
  rmSync(work.knownHosts, { force: true });
  delete session.state.host;
  session.saveState();
  session.deps.out.write(
    `Destroyed '${config.project}' on ${cloud}. Secrets in ${config.secretsDir} are kept.\n`,
  );
  return 0;
}

function noStateMessage(config: Opened['config'], cloud: 'aws' | 'alicloud', statePath: string): string {
  const p = config.project;
  const find =
    cloud === 'aws'
      ? `aws resourcegroupstaggingapi get-resources --region ${config.region} --tag-filters Key=Project,Values=${p} Key=ManagedBy,Values=ckb-pool-deploy`
      : `aliyun ecs DescribeInstances --RegionId ${config.region} --Tag.1.Key Project --Tag.1.Value ${p}`;
  return (
    `no Terraform state at ${statePath}, so down cannot tell what exists. If \`up\` ran from another ` +
    'folder or machine, run `down` there, or copy its .ckb-pool-deploy/<project>/<cloud>/terraform folder ' +
    `here. Resources may still exist and be billed; every one is tagged Project=${p}, ManagedBy=ckb-pool-deploy: ${find}`
  );
}

async function downLocal(opened: Opened, o: DownOptions): Promise<number> {
  const { session, config, work } = opened;
  if (!existsSync(join(work.bundle, 'compose.yaml'))) {
    session.progress.info(
      `Nothing to stop: no bundle in ${work.bundle} (was \`up --cloud local\` run from here?).`,
    );
    return 0;
  }
  const compose = await session.step('find Docker Compose', async () => {
    const c = await detectCompose(session.deps.runner);
    if (!c) throw new StepFailure(COMPOSE_MISSING);
    return c;
  });
  await session.step(o.purge ? 'compose down (with volumes)' : 'compose down', () =>
    session.tool(composeDown(compose, work.bundle, config.project, o.purge)),
  );
  session.deps.out.write(
    o.purge
      ? `Stopped '${config.project}' and removed its volumes.\n`
      : `Stopped '${config.project}'. Data volumes are kept; \`down --cloud local --purge\` removes them.\n`,
  );
  return 0;
}

async function downSsh(opened: Opened, o: DownOptions): Promise<number> {
  const { session, config, work } = opened;
  const host = hostOf(opened, o);
  const t = { host, privateKeyPath: config.ssh.privateKeyPath, knownHostsPath: work.knownHosts };
  await session.step('stop the stack', () =>
    session.tool({
      cmd: 'ssh',
      args: [
        ...sshOptions(t, true),
        sshDestination(host),
        'sudo',
        'systemctl',
        'disable',
        '--now',
        'ckb-pool.service',
      ],
    }),
  );
  session.deps.out.write(
    `Stopped '${config.project}' on ${host.address}; its data stays in Docker volumes and /opt/ckb-pool on the server.\n`,
  );
  return 0;
}
