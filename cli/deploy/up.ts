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
import { type DockerInstallMethod, playbookRequest, writeAnsibleFiles } from './ansible.js';
import { COMPOSE_MISSING, composeUp, detectCompose, walletOwnerRequest } from './compose.js';
import { type DeployDeps, StepFailure } from './context.js';
import { targetChecks } from './doctor.js';
import { composeImages, describeReport, ensureLocalImages } from './local-images.js';
import { missingAnsibleFiles } from './paths.js';
import { blockedMessage, planSummary, reviewPlan, type TerraformPlan } from './plan-guard.js';
import { type HealthView, health } from './pool-api.js';
import { supplyPoolImage } from './remote-images.js';
import { type Opened, openSession, renderStep } from './session.js';
import { openTunnel, parseHostSpec, type SshTarget, waitForCloudInit, waitForSsh } from './ssh.js';
import { summary } from './summary.js';
import {
  terraformApplyPlan,
  terraformInit,
  terraformOutput,
  terraformPlan,
  terraformShowPlan,
} from './terraform.js';
import { verifySv2Handshake } from './verify.js';
import type { HostRecord, Target } from './workdir.js';

export interface UpOptions {
  configPath: string;
  target: Target;
  /** `user@host[:port]` for target ssh (else the config's ssh.user/ssh.host). */
  hostSpec?: string | undefined;
  dockerInstall: DockerInstallMethod;
  imageArchives: string[];
  firewall: boolean;
  /** Apply even a plan that deletes or replaces the host or its disk (the chain and ledger). */
  allowReplace?: boolean;
  /** Base image with Node for building the pool image when it cannot be pulled. */
  nodeImage?: string | undefined;
  /** Deploy a mainnet bundle whose images are pinned by tag alone. */
  allowUnpinned?: boolean;
}

/** The CA npm must trust inside an image build: the one Node itself is told to trust. */
function extraCaFile(env: NodeJS.ProcessEnv): string | undefined {
  const f = env.NODE_EXTRA_CA_CERTS;
  return f && existsSync(f) ? f : undefined;
}

const CLOUD_LABEL: Record<Target, string> = {
  aws: 'AWS',
  alicloud: 'Alibaba Cloud',
  ssh: 'your server',
  local: 'this machine',
};

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

  if (opened.config.pool.hosts > 1) {
    // Terraform would build the cluster, but the steps after it configure one host with the
    // single-host bundle: a pool on the node host with its own SQLite ledger. Refuse instead.
    throw new StepFailure(
      `pool.hosts is ${opened.config.pool.hosts}: up does not configure several pool hosts yet, and nothing was created. ` +
        'Use `ckb-pool-deploy synth` to review the stacks (docs/clouds.md, "Several pool hosts"), or set pool.hosts: 1.',
    );
  }
  if (o.target !== 'local') await preflightStep(opened, o.target);
  await renderStep(opened, o.allowUnpinned === true);
  let text: string;
  if (o.target === 'local') text = await upLocal(opened, o);
  else {
    const host =
      o.target === 'ssh' ? sshHost(opened, o) : await provision(opened, o.target, o.allowReplace === true);
    text = await configureHost(opened, o, host);
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
): Promise<HostRecord> {
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
  const host = await session.step(
    'read terraform outputs',
    async () => {
      const out = await session.tool(terraformOutput(result.dir));
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
  return host;
}

/** Free space the role insists on: room for the chain on a first deploy, a floor afterwards. */
function minFreeDiskGb(opened: Opened, target: Target): number {
  if (opened.session.state.completed['ansible-playbook']) return 20;
  const gb = opened.config.instance.diskGb;
  // A new cloud disk of N GiB has a bit less than N free (OS, Docker).
  return target === 'ssh' ? gb : Math.floor(gb * 0.8);
}

/** wait for SSH → ansible-playbook → SV2 handshake → summary. */
async function configureHost(opened: Opened, o: UpOptions, host: HostRecord): Promise<string> {
  const { session, config, work, secrets } = opened;
  if (o.firewall && config.adminCidrs.length === 0) {
    throw new StepFailure(
      'adminCidrs is empty, so the host firewall would close SSH to everyone; add your address/32 to adminCidrs or pass --no-firewall',
    );
  }
  const missing = missingAnsibleFiles();
  if (missing.length > 0) {
    throw new StepFailure(
      `the Ansible role shipped with ckb-pool-deploy is incomplete (missing ${missing.join(', ')}); reinstall the package`,
    );
  }
  session.state.host = host;
  session.saveState();
  const target: SshTarget = {
    host,
    privateKeyPath: config.ssh.privateKeyPath,
    knownHostsPath: work.knownHosts,
  };
  if (!existsSync(config.ssh.privateKeyPath)) {
    throw new StepFailure(
      `ssh.privateKeyPath ${config.ssh.privateKeyPath} does not exist; create a key with ssh-keygen -t ed25519 or fix the path`,
    );
  }
  await session.step(
    'wait for SSH',
    () => waitForSsh(session, target),
    (n) => `${host.user}@${host.address}:${host.port} after ${n} attempt${n === 1 ? '' : 's'}`,
  );
  if (o.target !== 'ssh') await session.step('wait for cloud-init', () => waitForCloudInit(session, target));
  const supply = await session.step(
    'pool image',
    () =>
      supplyPoolImage(session, target, {
        poolImage: config.images.pool,
        nodeImage: o.nodeImage,
        caFile: extraCaFile(session.deps.env),
        dir: join(work.root, 'images'),
        archives: o.imageArchives,
        probe: session.deps.probeImage,
      }),
    (s) => s.how,
  );
  await session.step('ansible-playbook', async () => {
    writeAnsibleFiles(work, config, target, {
      bundleDir: work.bundle,
      dockerInstall: o.dockerInstall,
      imageArchives: supply.archive ? [...o.imageArchives, supply.archive] : o.imageArchives,
      poolImageBuild: supply.hostBuild,
      firewall: o.firewall,
      minFreeDiskGb: minFreeDiskGb(opened, o.target),
    });
    session.log.line(`inventory: ${work.inventory}; extra vars: ${work.extraVars}`);
    return session.tool(playbookRequest(work));
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

async function verifyStep(opened: Opened, address: string): Promise<void> {
  const { session, config, secrets } = opened;
  const t = session.deps.timeouts;
  await session.step(
    'verify SV2 handshake',
    () =>
      verifySv2Handshake({
        host: address,
        port: config.ports.sv2,
        authorityPubkey: secrets.authorityPublicKey,
        totalMs: t.verifyMs,
        intervalMs: t.verifyIntervalMs,
        onAttempt: (n, problem) => session.log.line(`attempt ${n}: ${problem}`),
      }),
    () => `${address}:${config.ports.sv2} proved the authority key`,
  );
}

/** Readiness through a short-lived tunnel; null when it cannot be read (not worth failing `up`). */
async function remoteHealth(opened: Opened, t: SshTarget): Promise<HealthView | null> {
  try {
    const tunnel = await openTunnel(opened.session.deps.runner, t, opened.config.ports.api, 10_000);
    try {
      return await health(`http://127.0.0.1:${tunnel.localPort}`);
    } finally {
      await tunnel.close();
    }
  } catch (e) {
    opened.session.log.line(`readiness not read: ${(e as Error).message}`);
    return null;
  }
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
