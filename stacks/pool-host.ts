/**
 * The shape both cloud stacks implement: given a `PoolHostSpec`, create one VM that answers on
 * the pool's public ports and on SSH from the admin CIDRs, and expose its address and login
 * user. Firewall rules and first-boot user data are derived here once, so AWS and Alibaba
 * Cloud open exactly the same ports.
 */
import { type Construct, TerraformOutput } from './cdk.js';
import { isCluster } from './cluster.js';
import type { PoolHostSpec } from './spec.js';

export interface PoolHost {
  /** Static public IPv4 of the host (Terraform expression until apply). */
  readonly publicIp: string;
  /** Login user for SSH / Ansible. */
  readonly sshUser: string;
  /** Cloud instance id (Terraform expression until apply). */
  readonly instanceId: string;
}

/**
 * The host's own network: one /16 and the /24 subnet (vSwitch) the VM lives in. Defined once so
 * every cloud builds the same network (docs/clouds.md).
 */
export const HOST_NETWORK = { vpcCidr: '10.42.0.0/16', subnetCidr: '10.42.1.0/24' } as const;

/** Builds one cloud's host inside `scope`; each cloud module exports one of these. */
export type PoolHostFactory = (scope: Construct, id: string, spec: PoolHostSpec) => PoolHost;

/** Names of the stack's Terraform outputs, read back by `up` after `terraform apply`. */
export const OUTPUTS = {
  publicIp: 'public_ip',
  sshUser: 'ssh_user',
  instanceId: 'instance_id',
  region: 'region',
} as const;

export type IngressPurpose = 'sv2' | 'v1' | 'p2p' | 'web' | 'ssh';

/** One allowed inbound TCP flow: one port from one CIDR. */
export interface IngressRule {
  purpose: IngressPurpose;
  port: number;
  cidr: string;
  description: string;
}

const DESCRIPTIONS: Record<IngressPurpose, string> = {
  sv2: 'Stratum V2 miners',
  v1: 'Stratum V1 miners',
  p2p: 'CKB peer-to-peer',
  web: 'Miners web page',
  ssh: 'SSH from admin',
};

/**
 * Every inbound rule of the host: SV2, V1, CKB P2P (and the web page when public) from the public CIDRs, SSH (22) only from
 * the admin CIDRs. Nothing else is reachable: CKB RPC, Prometheus and Grafana stay on the host.
 */
export function ingressRules(spec: PoolHostSpec): IngressRule[] {
  const rules: IngressRule[] = [];
  // With several pool hosts this host is the node host: miners reach the pools through the
  // load balancer (stacks/cluster.ts), so only P2P stays public here.
  const publicPorts: Array<[IngressPurpose, number]> = isCluster(spec)
    ? [['p2p', spec.ports.p2p]]
    : [
        ['sv2', spec.ports.sv2],
        ['v1', spec.ports.v1],
        ['p2p', spec.ports.p2p],
        // The miners' web page only when web.public put it in the spec.
        ...(spec.ports.web !== undefined ? [['web', spec.ports.web] as [IngressPurpose, number]] : []),
      ];
  for (const [purpose, port] of publicPorts) {
    for (const cidr of spec.publicCidrs) {
      rules.push({ purpose, port, cidr, description: DESCRIPTIONS[purpose] });
    }
  }
  for (const cidr of spec.adminCidrs)
    rules.push({ purpose: 'ssh', port: 22, cidr, description: DESCRIPTIONS.ssh });
  return rules;
}

/**
 * Construct id of a rule, from what it allows rather than its position, so adding a CIDR later
 * creates one rule instead of shifting (and replacing) the others.
 */
export function ruleId(rule: IngressRule): string {
  return `ingress_${rule.purpose}_${rule.cidr.replace(/[^0-9a-zA-Z]+/g, '_')}`;
}

/**
 * First-boot cloud-init: the login user with the operator's key and passwordless sudo, root and
 * password logins off. Alibaba's Debian images only have root, so this is what makes both
 * clouds hand Ansible the same user. Holds only the public key (no secrets).
 */
export function cloudInit(spec: PoolHostSpec): string {
  const q = (s: string) => JSON.stringify(s); // a JSON string is a valid YAML double-quoted scalar
  return [
    '#cloud-config',
    'users:',
    `  - name: ${q(spec.sshUser)}`,
    '    groups: [sudo]',
    '    shell: /bin/bash',
    '    sudo: "ALL=(ALL) NOPASSWD:ALL"',
    '    lock_passwd: true',
    '    ssh_authorized_keys:',
    `      - ${q(spec.sshPublicKey)}`,
    'disable_root: true',
    'ssh_pwauth: false',
    '',
  ].join('\n');
}

/** Common tags/labels on every resource that takes them. */
export function tags(spec: PoolHostSpec): Record<string, string> {
  return { Project: spec.project, Chain: spec.chain, ManagedBy: 'ckb-pool-deploy' };
}

/** The stack's outputs, identical for every cloud; none of them is a secret. */
export function addHostOutputs(scope: Construct, host: PoolHost, spec: PoolHostSpec): void {
  const out = (name: string, value: string, description: string) =>
    new TerraformOutput(scope, name, { value, description, staticId: true });
  out(OUTPUTS.publicIp, host.publicIp, 'Static public IPv4 of the pool host');
  out(OUTPUTS.sshUser, host.sshUser, 'SSH login user on the pool host');
  out(OUTPUTS.instanceId, host.instanceId, 'Cloud instance id of the pool host');
  out(OUTPUTS.region, spec.region, 'Region the pool host runs in');
}

/** What `up` needs after `terraform apply`: where to SSH. */
export interface HostAddress {
  publicIp: string;
  sshUser: string;
  instanceId: string;
  region: string;
}

/**
 * Reads the host's address from `terraform output -json` (each output is
 * `{ value, type, sensitive }`). Throws naming the output that is missing or malformed, e.g.
 * when the apply did not finish.
 */
export function hostFromOutputs(outputJson: string): HostAddress {
  const parsed = JSON.parse(outputJson) as Record<string, { value?: unknown } | undefined>;
  const read = (name: string): string => {
    const v = parsed[name]?.value;
    if (typeof v !== 'string' || v === '') {
      throw new Error(`terraform output '${name}' is missing or empty; did terraform apply finish?`);
    }
    return v;
  };
  const host: HostAddress = {
    publicIp: read(OUTPUTS.publicIp),
    sshUser: read(OUTPUTS.sshUser),
    instanceId: read(OUTPUTS.instanceId),
    region: read(OUTPUTS.region),
  };
  if (!/^(\d{1,3})(\.\d{1,3}){3}$/.test(host.publicIp)) {
    throw new Error(`terraform output '${OUTPUTS.publicIp}' is not an IPv4 address: ${host.publicIp}`);
  }
  return host;
}
