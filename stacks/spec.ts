/**
 * What the CLI asks a cloud for: "a host with these ports". Both cloud stacks take a
 * `PoolHostSpec` and answer with a public IP and an SSH user (as Terraform outputs). The spec is
 * plain data, built and checked here once, so the stacks never see half-valid input.
 */

import { CLOUD_PROFILES, CLOUDS, type Cloud, cloudProfile } from './clouds.js';
import { MAX_POOL_HOSTS } from './cluster.js';

export type { PublicChain as Chain } from 'ckb-pool/ckb/chain';
export { CLOUDS, type Cloud };

import type { PublicChain as Chain } from 'ckb-pool/ckb/chain';

/** Where Terraform keeps its state: a local file (default), an S3 bucket or an OSS bucket. */
export type StateSpec =
  | { backend: 'local'; path?: string }
  | { backend: 's3'; bucket: string; key: string; region: string }
  | { backend: 'oss'; bucket: string; key: string; region: string };

export interface PoolHostPorts {
  /** Stratum V2 (Noise) listener of the pool. */
  sv2: number;
  /** Stratum V1 listener of the translator, for V1 ASICs and GPU miners. */
  v1: number;
  /** CKB peer-to-peer port (8115 by default). */
  p2p: number;
  /** The miners' web page: present only when it is public (`web.public`). */
  web?: number;
}

export interface PoolHostSpec {
  /** Config project name, as given. */
  project: string;
  /** Resource name prefix derived from `project`: lowercase letters, digits and '-'. */
  name: string;
  region: string;
  /** 'small' | 'medium' | 'large', or a cloud instance type ('m6i.large', 'ecs.g7.large'). */
  instanceSize: string;
  diskGb: number;
  ports: PoolHostPorts;
  /** Who may reach the SV2, V1 and P2P ports. */
  publicCidrs: string[];
  /** Who may reach SSH (22). Never the whole internet. */
  adminCidrs: string[];
  /** One OpenSSH public key line ("ssh-ed25519 AAAA… comment"). */
  sshPublicKey: string;
  /** Login user created on the host (cloud-init) and handed to Ansible. */
  sshUser: string;
  chain: Chain;
  state: StateSpec;
  /**
   * Pool hosts behind a load balancer (`pool.hosts`). Absent or 1: the single host runs
   * everything. 2 or more: that host becomes the node host (stacks/cluster.ts).
   */
  poolHosts?: number;
}

/** The fields of `PoolDeployConfig` (cli/config/schema.ts) the stacks read. */
export interface StackConfigInput {
  project: string;
  chain: Chain;
  cloud: string;
  region?: string;
  instance: { size: string; diskGb: number };
  adminCidrs: string[];
  /** api, prometheus and grafana are host ports bound to 127.0.0.1; public ports must avoid them. */
  ports: PoolHostPorts & { api?: number; prometheus?: number; grafana?: number };
  /** `public`: the web page's port (`ports.web`) joins the public ports. */
  web?: { public?: boolean };
  publicCidrs?: string[];
  ssh: { user?: string };
  state: { backend: 'local' | 's3' | 'oss'; bucket?: string; key?: string; region?: string };
  pool?: { hosts?: number };
}

/** Error in the input, naming the config field, meant to be shown to the user as is. */
export class SpecError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'SpecError';
  }
}

/** Both stacks boot Debian 12 (its cloud images log in as admin); cloud-init creates it on either cloud. */
export const DEFAULT_SSH_USER = 'admin';

/**
 * Smallest root disk per chain. The node's data grows with the chain; these floors hold a
 * synced node with room to grow for a while (estimates: check `du -sh` on a synced node and
 * size up). Below them a deploy would fill its disk, so synth refuses.
 */
export const MIN_DISK_GB: Record<Chain, number> = { mainnet: 150, testnet: 80 };

/** Largest root disk each cloud allows (from the cloud profiles). */
export const MAX_DISK_GB = Object.fromEntries(CLOUDS.map((c) => [c, CLOUD_PROFILES[c].maxDiskGb])) as Record<
  Cloud,
  number
>;

/** Ports that belong to services which must never be public (RPC, DBs, monitoring). */
export const PRIVATE_PORTS: readonly number[] = [22, 8114, 18114, 28114, 3306, 9090, 9093, 3000, 9100];

/**
 * Shape and AWS type per abstract size. CKB sync is steady CPU work: no burstable types above
 * small. Alibaba Cloud sells out types, so it gets a fallback list per size
 * (`ALICLOUD_SIZE_TYPES` in stacks/alicloud/market.ts).
 */
export interface SizeProfile {
  cpu: number;
  memoryGiB: number;
}
/** The shape of each abstract size; each cloud profile names its types for it. */
export const SIZES: Record<'small' | 'medium' | 'large', SizeProfile> = {
  small: { cpu: 2, memoryGiB: 4 },
  medium: { cpu: 2, memoryGiB: 8 },
  large: { cpu: 4, memoryGiB: 16 },
};

/** Type used when the config names none (e.g. `cloud: local` synthesized with --cloud): 2 vCPU, 8 GiB. */
export const DEFAULT_INSTANCE_TYPE = Object.fromEntries(
  CLOUDS.map((c) => [c, CLOUD_PROFILES[c].instanceType.default]),
) as Record<Cloud, string>;

export function sizeProfile(size: string): SizeProfile | undefined {
  return Object.hasOwn(SIZES, size) ? SIZES[size as keyof typeof SIZES] : undefined;
}

const SSH_KEY = /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/]+={0,3}( [^\n]*)?$/;
const USER = /^[a-z_][a-z0-9_-]{0,31}$/;

/** Checks an IPv4 or IPv6 CIDR ("203.0.113.0/24", "2001:db8::/32"). */
export function isCidr(s: string): boolean {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(s);
  if (!m) return false;
  const [, addr, lenStr] = m;
  const len = Number(lenStr);
  if (addr.includes(':')) {
    return len <= 128 && /^[0-9a-fA-F:]+$/.test(addr) && (addr.match(/::/g) ?? []).length <= 1;
  }
  const parts = addr.split('.');
  return (
    len <= 32 && parts.length === 4 && parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255)
  );
}

/** The network form of an IPv4 CIDR ("203.0.113.7/24" → "203.0.113.0/24"); IPv6 as given. */
export function canonicalCidr(cidr: string): string {
  if (isIpv6Cidr(cidr)) return cidr;
  const [addr, lenStr] = cidr.split('/');
  const value = addr.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
  const size = 2 ** (32 - Number(lenStr));
  const network = value - (value % size);
  return `${[24, 16, 8, 0].map((sh) => Math.floor(network / 2 ** sh) % 256).join('.')}/${lenStr}`;
}

export function isIpv6Cidr(s: string): boolean {
  return s.includes(':');
}

const WORLD = new Set(['0.0.0.0/0', '::/0']);

/** Key algorithm of an OpenSSH public key line ("ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256"). */
export function sshKeyType(key: string): string {
  return key.split(' ')[0];
}

/** Turns a project name into a resource name prefix every cloud accepts. */
export function resourceName(project: string): string {
  const slug = project
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^[^a-z]+/, '')
    .replace(/-+$/, '')
    .slice(0, 32)
    .replace(/-+$/, '');
  return slug || 'ckb-pool';
}

function checkPort(field: string, p: number): void {
  if (!Number.isInteger(p) || p < 1 || p > 65535)
    throw new SpecError(field, `${p} is not a TCP port (1–65535)`);
  if (PRIVATE_PORTS.includes(p)) {
    throw new SpecError(field, `${p} is reserved for a service that must stay private; pick another port`);
  }
}

function checkCidrs(field: string, cidrs: string[], allowWorld: boolean): string[] {
  if (!Array.isArray(cidrs) || cidrs.length === 0) throw new SpecError(field, 'needs at least one CIDR');
  for (const c of cidrs) {
    if (!isCidr(c)) throw new SpecError(field, `'${c}' is not a CIDR like 203.0.113.7/32`);
    // Cloud firewalls reject (or silently rewrite, so every plan shows a diff) host bits.
    if (canonicalCidr(c) !== c)
      throw new SpecError(field, `'${c}' has host bits set; did you mean ${canonicalCidr(c)}?`);
    if (!allowWorld && WORLD.has(c)) {
      throw new SpecError(field, `'${c}' would open SSH to the whole internet; give your own address/32`);
    }
  }
  return [...new Set(cidrs)];
}

/**
 * Validates and normalizes a spec for one cloud. Every rule that keeps the host safe (private
 * ports, SSH not open to the world, disk large enough for the chain) is enforced here.
 */
export function checkSpec(cloud: Cloud, spec: PoolHostSpec): PoolHostSpec {
  const profile = cloudProfile(cloud);
  if (!spec.region) {
    throw new SpecError('region', `is required for ${cloud} (the stacks never rely on a default region)`);
  }
  if (!profile.region.pattern.test(spec.region))
    throw new SpecError('region', `'${spec.region}' is not a ${cloud} region`);
  if (!sizeProfile(spec.instanceSize) && !profile.instanceType.pattern.test(spec.instanceSize)) {
    throw new SpecError(
      'instance.size',
      `'${spec.instanceSize}' is neither small/medium/large nor an ${cloud} instance type (e.g. '${profile.instanceType.default}')`,
    );
  }
  const min = MIN_DISK_GB[spec.chain];
  if (!min) throw new SpecError('chain', `'${spec.chain}' is not mainnet or testnet`);
  if (!Number.isInteger(spec.diskGb) || spec.diskGb < min || spec.diskGb > MAX_DISK_GB[cloud]) {
    throw new SpecError(
      'instance.diskGb',
      `${spec.diskGb} GB is outside ${min}–${MAX_DISK_GB[cloud]} (the ${spec.chain} chain data needs at least ${min} GB)`,
    );
  }
  for (const k of ['sv2', 'v1', 'p2p'] as const) checkPort(`ports.${k}`, spec.ports[k]);
  if (spec.ports.web !== undefined) checkPort('ports.web', spec.ports.web);
  const ports = [spec.ports.sv2, spec.ports.v1, spec.ports.p2p, ...(spec.ports.web ? [spec.ports.web] : [])];
  if (new Set(ports).size !== ports.length) throw new SpecError('ports', 'sv2, v1, p2p and web must differ');
  const publicCidrs = checkCidrs('publicCidrs', spec.publicCidrs, true);
  const adminCidrs = checkCidrs('adminCidrs', spec.adminCidrs, false);
  const sshPublicKey = spec.sshPublicKey.trim();
  if (!SSH_KEY.test(sshPublicKey)) {
    throw new SpecError(
      'ssh.publicKeyPath',
      'does not hold one OpenSSH public key line (ssh-ed25519/ssh-rsa/ecdsa)',
    );
  }
  if (!USER.test(spec.sshUser) || spec.sshUser === 'root') {
    throw new SpecError('ssh.user', `'${spec.sshUser}' is not a valid non-root login name`);
  }
  const st = spec.state;
  if (st.backend !== 'local') {
    for (const k of ['bucket', 'key', 'region'] as const) {
      if (!st[k]) throw new SpecError(`state.${k}`, `is required for the ${st.backend} backend`);
    }
  }
  const hosts = spec.poolHosts ?? 1;
  if (!Number.isInteger(hosts) || hosts < 1 || hosts > MAX_POOL_HOSTS)
    throw new SpecError('pool.hosts', `${hosts} is not a whole number of pool hosts (1–${MAX_POOL_HOSTS})`);
  if (cloud === 'aws' && st.backend === 'oss')
    throw new SpecError('state.backend', 'oss state is for alicloud');
  if (cloud === 'alicloud' && st.backend === 's3')
    throw new SpecError('state.backend', 's3 state is for aws');
  return { ...spec, name: resourceName(spec.project), publicCidrs, adminCidrs, sshPublicKey };
}

/**
 * Pure mapping from the deploy config to a host spec (the key is passed in, already read from
 * `ssh.publicKeyPath`, so this stays free of I/O).
 */
export function specFromConfig(config: StackConfigInput, sshPublicKey: string, cloud?: Cloud): PoolHostSpec {
  const target = cloud ?? (CLOUDS.includes(config.cloud as Cloud) ? (config.cloud as Cloud) : undefined);
  if (!target) throw new SpecError('cloud', `'${config.cloud}' has no cloud stack; use aws or alicloud`);
  const s = config.state ?? { backend: 'local' };
  const state: StateSpec =
    s.backend === 'local'
      ? { backend: 'local' }
      : {
          backend: s.backend,
          bucket: s.bucket ?? '',
          key: s.key ?? `${resourceName(config.project)}/terraform.tfstate`,
          region: s.region ?? config.region ?? '',
        };
  const poolHosts = config.pool?.hosts ?? 1;
  const spec: PoolHostSpec = {
    project: config.project,
    name: resourceName(config.project),
    region: config.region ?? '',
    instanceSize: config.instance.size || DEFAULT_INSTANCE_TYPE[target],
    diskGb: config.instance.diskGb,
    ports: {
      sv2: config.ports.sv2,
      v1: config.ports.v1,
      p2p: config.ports.p2p,
      // Only when public: a spec without it opens exactly what it did before the page existed.
      ...(config.web?.public && config.ports.web !== undefined ? { web: config.ports.web } : {}),
    },
    publicCidrs: config.publicCidrs ?? ['0.0.0.0/0'],
    adminCidrs: config.adminCidrs,
    sshPublicKey,
    sshUser: config.ssh?.user ?? DEFAULT_SSH_USER,
    chain: config.chain,
    state,
    // Only when several: a single-host spec stays exactly what it was before the field existed.
    ...(poolHosts > 1 ? { poolHosts } : {}),
  };
  const local = [config.ports.api, config.ports.prometheus, config.ports.grafana].filter(
    (p) => p !== undefined,
  );
  for (const k of ['sv2', 'v1', 'p2p'] as const) {
    if (local.includes(config.ports[k])) {
      throw new SpecError(
        `ports.${k}`,
        `${config.ports[k]} is also a local-only service port (api/prometheus/grafana)`,
      );
    }
  }
  return checkSpec(target, spec);
}
