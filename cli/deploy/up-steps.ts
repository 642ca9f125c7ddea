/**
 * Steps `up` runs the same way for one host and for each host of a cluster: the checks before
 * the role runs, the pool image, the role itself, the SV2 proof and the readiness read.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  type DockerInstallMethod,
  type HostPartVars,
  playbookRequest,
  writeAnsibleFiles,
} from './ansible.js';
import { StepFailure } from './context.js';
import { missingAnsibleFiles } from './paths.js';
import { type HealthView, health } from './pool-api.js';
import { type PoolImageSupply, supplyPoolImage } from './remote-images.js';
import type { Opened } from './session.js';
import { openTunnel, type SshTarget, waitForCloudInit, waitForSsh } from './ssh.js';
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

export const CLOUD_LABEL: Record<Target, string> = {
  aws: 'AWS',
  alicloud: 'Alibaba Cloud',
  ssh: 'your server',
  local: 'this machine',
};

/** The CA npm must trust inside an image build: the one Node itself is told to trust. */
export function extraCaFile(env: NodeJS.ProcessEnv): string | undefined {
  const f = env.NODE_EXTRA_CA_CERTS;
  return f && existsSync(f) ? f : undefined;
}

/** What must hold before the role runs on any host; each failure says its fix. */
export function checkRolePrerequisites(opened: Opened, o: UpOptions): void {
  const { config } = opened;
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
  if (!existsSync(config.ssh.privateKeyPath)) {
    throw new StepFailure(
      `ssh.privateKeyPath ${config.ssh.privateKeyPath} does not exist; create a key with ssh-keygen -t ed25519 or fix the path`,
    );
  }
}

export function sshTarget(opened: Opened, host: HostRecord): SshTarget {
  return {
    host,
    privateKeyPath: opened.config.ssh.privateKeyPath,
    knownHostsPath: opened.work.knownHosts,
  };
}

/** Where one host's role run keeps its files (the single host: the work folder itself). */
export interface RolePaths {
  root: string;
  bundle: string;
  inventory: string;
  extraVars: string;
}

export interface RoleRun {
  /** '' for the single host; else the host's name, appended to each step's name. */
  name: string;
  paths: RolePaths;
  /** Hosts that run the pool need its image; the node host of a cluster does not. */
  needsPoolImage: boolean;
  /** Free GiB the role insists on. */
  minFreeDiskGb: number;
  part?: HostPartVars;
}

const stepName = (step: string, name: string) => (name ? `${step} (${name})` : step);

/** wait for SSH → cloud-init → pool image → ansible-playbook, for one host. */
export async function runRoleOnHost(
  opened: Opened,
  o: UpOptions,
  host: HostRecord,
  run: RoleRun,
): Promise<void> {
  const { session, config, work } = opened;
  const target = sshTarget(opened, host);
  await session.step(
    stepName('wait for SSH', run.name),
    () => waitForSsh(session, target),
    (n) => `${host.user}@${host.address}:${host.port} after ${n} attempt${n === 1 ? '' : 's'}`,
  );
  if (o.target !== 'ssh')
    await session.step(stepName('wait for cloud-init', run.name), () => waitForCloudInit(session, target));
  let supply: PoolImageSupply = { how: 'not needed' };
  if (run.needsPoolImage) {
    supply = await session.step(
      stepName('pool image', run.name),
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
  }
  await session.step(stepName('ansible-playbook', run.name), async () => {
    writeAnsibleFiles(run.paths, config, target, {
      bundleDir: run.paths.bundle,
      dockerInstall: o.dockerInstall,
      imageArchives: supply.archive ? [...o.imageArchives, supply.archive] : o.imageArchives,
      poolImageBuild: supply.hostBuild,
      firewall: o.firewall,
      minFreeDiskGb: run.minFreeDiskGb,
      part: run.part,
    });
    session.log.line(`inventory: ${run.paths.inventory}; extra vars: ${run.paths.extraVars}`);
    return session.tool(playbookRequest(run.paths));
  });
}

/** Whether the named host's role run completed before (a re-run only needs a floor of free disk). */
export const roleRanBefore = (opened: Opened, name: string): boolean =>
  Boolean(opened.session.state.completed[stepName('ansible-playbook', name)]);

export async function verifyStep(opened: Opened, address: string): Promise<void> {
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
export async function remoteHealth(opened: Opened, t: SshTarget): Promise<HealthView | null> {
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
