/**
 * `up`: from the config to a verified pool.
 *   aws|alicloud: render → synth → terraform init/apply → outputs → wait for SSH → ansible → verify
 *   ssh (--host): render → wait for SSH → ansible → verify
 *   local:        render → compose up → wait for the pool API → verify on 127.0.0.1
 * Each step is named in the progress display and the log; every tool it runs is idempotent,
 * so re-running after a failure continues safely.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { resourceName } from '../../stacks/spec.js';
import { synthDeployment } from '../../stacks/synth.js';
import { COMPOSE_MISSING, composeUp, detectCompose, walletOwnerRequest } from './compose.js';
import { type DeployDeps, StepFailure } from './context.js';
import { targetChecks } from './doctor.js';
import { composeImages, describeReport, ensureLocalImages } from './local-images.js';
import { blockedMessage, planSummary, reviewPlan, type TerraformPlan } from './plan-guard.js';
import { health } from './pool-api.js';
import { type Opened, openSession, renderStep } from './session.js';
import { parseHostSpec } from './ssh.js';
import { summary } from './summary.js';
import {
  terraformApplyPlan,
  terraformInit,
  terraformOutput,
  terraformPlan,
  terraformShowPlan,
} from './terraform.js';
import { configureCluster } from './up-cluster.js';
import {
  CLOUD_LABEL,
  checkRolePrerequisites,
  extraCaFile,
  remoteHealth,
  roleRanBefore,
  runRoleOnHost,
  sshTarget,
  type UpOptions,
  verifyStep,
} from './up-steps.js';
import type { HostRecord, Target } from './workdir.js';

export type { UpOptions } from './up-steps.js';

/** Runs `up`; resolves to the exit code. StepError, ConfigError and SecretsError propagate. */
export async function up(o: UpOptions, deps: DeployDeps): Promise<number> {
  const opened = openSession('up', o.configPath, o.target, deps);
  const { session } = opened;
  const previous = session.state.lastRun;
  session.progress.info(
    `Deploying '${opened.config.project}' to ${CLOUD_LABEL[o.target]}. Log: ${session.log.path}`,
  );
  // Only an earlier `up` counts (a failed `down` records its step in the same state file).
  if (previous?.failedStep && basename(previous.log ?? '').startsWith('up-')) {
    session.progress.info(
      `The previous run stopped at '${previous.failedStep}'; continuing (finished steps are repeated safely).`,
    );
  }
  session.state.lastRun = { startedAt: deps.now().toISOString(), log: session.log.path };
  session.saveState();

  const cluster = opened.config.pool.hosts > 1;
  if (cluster && (o.target === 'ssh' || o.target === 'local')) {
    // Several pool hosts need the load balancer and private network the cloud stacks build.
    throw new StepFailure(
      `pool.hosts is ${opened.config.pool.hosts}: several pool hosts are built by the cloud stacks (--cloud aws or alicloud) and nothing was changed. ` +
        'On your own server or this machine set pool.hosts: 1 (docs/clouds.md, "Several pool hosts").',
    );
  }
  if (o.target !== 'local') await preflightStep(opened, o.target);
  await renderStep(opened, o.allowUnpinned === true);
  let text: string;
  if (o.target === 'local') text = await upLocal(opened, o);
  else if (o.target === 'ssh') text = await configureHost(opened, o, sshHost(opened, o));
  else {
    const provisioned = await provision(opened, o.target, o.allowReplace === true);
    text = cluster
      ? await configureCluster(opened, o, o.target, provisioned)
      : await configureHost(opened, o, provisioned.host);
  }
  session.state.lastRun = { ...session.state.lastRun, finishedAt: deps.now().toISOString() };
  session.saveState();
  deps.out.write(text);
  return 0;
}

/** Doctor's checks for the target; all failures at once, each with its fix. */
async function preflightStep(opened: Opened, target: Target): Promise<void> {
  const { session, config } = opened;
  await session.step(
    'check tools and credentials',
    async () => {
      const checks = await targetChecks(target, config, session.deps);
      for (const c of checks) session.log.line(`${c.ok ? 'ok' : 'FAILED'} ${c.name}: ${c.detail}`);
      const failed = checks.filter((c) => !c.ok);
      if (failed.length > 0) {
        throw new StepFailure(
          `nothing was created; fix these first (\`ckb-pool-deploy doctor\` re-checks):\n${failed
            .map((c) => `  - ${c.name}: ${c.detail}\n    fix: ${c.fix}`)
            .join('\n')}`,
        );
      }
      return checks.length;
    },
    (n) => `${n} checks passed`,
  );
}

function sshHost(opened: Opened, o: UpOptions): HostRecord {
  if (o.hostSpec) {
    const h = parseHostSpec(o.hostSpec);
    return { address: h.address, user: h.user, port: h.port };
  }
  const { user, host } = opened.config.ssh;
  if (!user || !host) {
    throw new StepFailure(
      'no server given: pass --host user@ip[:port] or set ssh.user and ssh.host in the config',
    );
  }
  return parseHostSpec(`${user}@${host}`);
}

/** synth → terraform init/apply → outputs. */
async function provision(
  opened: Opened,
  cloud: 'aws' | 'alicloud',
  allowReplace: boolean,
): Promise<{ host: HostRecord; outputs: string }> {
  const { session, config, work } = opened;
  const stackDir = join(work.terraform, 'stacks', `${resourceName(config.project)}-${cloud}`);
  const result = await session.step(
    'synthesize stack',
    async () => {
      // Terraform's local state lives in the stack folder; never let a re-synth lose it.
      const statePath = join(stackDir, 'terraform.tfstate');
      const before = existsSync(statePath) ? readFileSync(statePath) : null;
      const r = await synthDeployment(config, cloud, work.terraform);
      if (before && !existsSync(statePath)) writeFileSync(statePath, before, { mode: 0o600 });
      return r;
    },
    (r) => r.stack,
  );
  await session.step('terraform init', () => session.tool(terraformInit(result.dir)));
  await session.step('terraform plan', () => session.tool(terraformPlan(result.dir)));
  await session.step(
    'review the plan',
    async () => {
      const shown = await session.tool(terraformShowPlan(result.dir));
      const review = reviewPlan(JSON.parse(shown.stdout) as TerraformPlan);
      for (const line of planSummary(review)) session.progress.info(line);
      if (review.blocked.length > 0 && !allowReplace) throw new StepFailure(blockedMessage(review));
      if (review.blocked.length > 0)
        session.progress.info('--allow-replace: applying a plan that replaces the host');
      return review;
    },
    (r) => planSummary(r)[0],
  );
  await session.step('terraform apply', () => session.tool(terraformApplyPlan(result.dir)));
  let outputs = '';
  const host = await session.step(
    'read terraform outputs',
    async () => {
      const out = await session.tool(terraformOutput(result.dir));
      outputs = out.stdout;
      // Loaded here: pool-host.ts pulls in cdktf, which `--help` should not pay for.
      const { hostFromOutputs } = await import('../../stacks/pool-host.js');
      const a = hostFromOutputs(out.stdout);
      return {
        address: a.publicIp,
        user: a.sshUser,
        port: session.deps.cloudSshPort,
        instanceId: a.instanceId,
        region: a.region,
      } satisfies HostRecord;
    },
    (h) => `${h.user}@${h.address} (${h.instanceId}, ${h.region})`,
  );
  session.state.host = host;
  session.saveState();
  return { host, outputs };
}

/** Free space the role insists on: room for the chain on a first deploy, a floor afterwards. */
function minFreeDiskGb(opened: Opened, target: Target): number {
  if (roleRanBefore(opened, '')) return 20;
  const gb = opened.config.instance.diskGb;
  // A new cloud disk of N GiB has a bit less than N free (OS, Docker).
  return target === 'ssh' ? gb : Math.floor(gb * 0.8);
}

/** wait for SSH → ansible-playbook → SV2 handshake → summary. */
async function configureHost(opened: Opened, o: UpOptions, host: HostRecord): Promise<string> {
  const { session, config, work, secrets } = opened;
  checkRolePrerequisites(opened, o);
  session.state.host = host;
  session.saveState();
  const target = sshTarget(opened, host);
  await runRoleOnHost(opened, o, host, {
    name: '',
    paths: work,
    needsPoolImage: true,
    minFreeDiskGb: minFreeDiskGb(opened, o.target),
  });
  await verifyStep(opened, host.address);
  const healthView = await remoteHealth(opened, target);
  return summary({
    config,
    configPath: o.configPath,
    authorityPubkey: secrets.authorityPublicKey,
    address: host.address,
    host,
    health: healthView,
    cloudLabel: o.target === 'ssh' ? `${host.address}` : `${CLOUD_LABEL[o.target]} (${host.address})`,
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function upLocal(opened: Opened, o: UpOptions): Promise<string> {
  const { session, config, work, secrets } = opened;
  const compose = await session.step(
    'find Docker Compose',
    async () => {
      const c = await detectCompose(session.deps.runner);
      if (!c) throw new StepFailure(COMPOSE_MISSING);
      return c;
    },
    (c) => (c.version === 'v2' ? 'docker compose (v2)' : 'docker-compose (v1)'),
  );
  for (const archive of o.imageArchives) {
    await session.step(`load image ${archive}`, () =>
      session.tool({ cmd: 'docker', args: ['load', '-i', archive] }),
    );
  }
  await session.step(
    'images',
    async () => {
      const images = await composeImages(
        session.deps.runner,
        compose,
        work.bundle,
        config.project,
        session.deps.runner.env,
      );
      return ensureLocalImages(session, images, {
        poolImage: config.images.pool,
        nodeImage: o.nodeImage,
        caFile: extraCaFile(session.deps.env),
      });
    },
    describeReport,
  );
  if (config.payouts.enabled)
    await session.step('give the pool wallet key to the pool user', () =>
      session.tool(walletOwnerRequest(work.bundle, config.images.pool)),
    );
  await session.step('compose up', () => session.tool(composeUp(compose, work.bundle, config.project)));
  const base = `http://127.0.0.1:${config.ports.api}`;
  const healthView = await session.step(
    'wait for the pool API',
    async () => {
      const { healthMs, healthIntervalMs } = session.deps.timeouts;
      const deadline = Date.now() + healthMs;
      let last = '';
      for (;;) {
        try {
          return await health(base);
        } catch (e) {
          last = (e as Error).message;
          session.log.line(`not yet: ${last}`);
        }
        if (Date.now() + healthIntervalMs > deadline) {
          throw new Error(
            `the pool API on ${base} did not answer within ${Math.round(healthMs / 1000)} s (${last}); ` +
              `look at \`docker compose -p ${config.project} logs pool\` in ${work.bundle}`,
          );
        }
        await sleep(healthIntervalMs);
      }
    },
    (h) => (h.ready ? 'ready' : `running, not ready yet: ${h.reasons.join('; ')}`),
  );
  await verifyStep(opened, '127.0.0.1');
  return summary({
    config,
    configPath: o.configPath,
    authorityPubkey: secrets.authorityPublicKey,
    address: '127.0.0.1',
    health: healthView,
    cloudLabel: 'this machine (miners on other machines use its address instead of 127.0.0.1)',
  });
}
