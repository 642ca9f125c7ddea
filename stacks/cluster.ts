/**
 * Several pool hosts (`pool.hosts` ≥ 2): what both clouds build around the single host, which
 * then becomes the node host. Kept free of CDK imports: the bundle renderer reads the private
 * ports from here, so the firewall and the services they open agree.
 *
 *   miners ──► TCP load balancer (SV2, V1) ──► pool host 0..N-1 ──► node host (RPC, subscribe)
 *                                                      └──────────► PostgreSQL ledger
 */
import type { Construct } from './cdk.js';
import type { PoolHost } from './pool-host.js';
import type { PoolHostSpec } from './spec.js';

/** Fixed ports between the hosts, on the private network only. */
export const CLUSTER_PORT = {
  /** Node host: CKB JSON-RPC and the subscription (templates) socket, for the pool hosts. */
  nodeRpc: 8114,
  nodeSubscribe: 18114,
  /** Node host on Alibaba Cloud: the PostgreSQL ledger the role runs there. */
  postgres: 5432,
  /** Pool host: the new-block notify listener (called by the node) and the pool API / metrics. */
  poolNotify: 8888,
  poolApi: 9100,
  translatorMetrics: 9101,
} as const;

/** Private /24 subnets beside HOST_NETWORK.subnetCidr (10.42.1.0/24, the hosts' own). */
export const CLUSTER_NETWORK = {
  /** A second zone: RDS subnet groups (AWS) and NLBs (Alibaba Cloud) need two. */
  secondSubnetCidr: '10.42.2.0/24',
} as const;

/** Pool host system disk: the ledger lives in PostgreSQL, so the disk holds only OS and images. */
export const POOL_HOST_DISK_GB = 40;

export const MAX_POOL_HOSTS = 16;

/**
 * What the load balancer forwards to the pool hosts: SV2 and V1, and the miners' web page when
 * it is public (the spec then carries its port).
 */
export function lbPorts(spec: Pick<PoolHostSpec, 'ports'>): Array<['sv2' | 'v1' | 'web', number]> {
  return [
    ['sv2', spec.ports.sv2],
    ['v1', spec.ports.v1],
    ...(spec.ports.web !== undefined ? [['web', spec.ports.web] as ['web', number]] : []),
  ];
}

/** How many pool hosts the spec asks for; 1 is the single-host layout. */
export const poolHostCount = (spec: Pick<PoolHostSpec, 'poolHosts'>): number => spec.poolHosts ?? 1;

export const isCluster = (spec: Pick<PoolHostSpec, 'poolHosts'>): boolean => poolHostCount(spec) > 1;

/**
 * Construct id of pool host `i`: from its index only, so growing N adds hosts and never renames
 * (and so replaces) the existing ones.
 */
export const poolHostId = (i: number): string => `pool_${i}`;

/** The extra outputs of a cluster stack; none is secret (the database password never is one). */
export const CLUSTER_OUTPUTS = {
  lbAddress: 'lb_address',
  nodePrivateIp: 'node_private_ip',
  poolPublicIps: 'pool_public_ips',
  poolPrivateIps: 'pool_private_ips',
  databaseHost: 'database_host',
  /** AWS only: the Secrets Manager secret RDS keeps the master password in (an ARN, not the password). */
  databaseSecretArn: 'database_secret_arn',
} as const;

/** What a cloud's cluster construct gives back: addresses for outputs, none of them secret. */
export interface PoolCluster {
  /** Where miners connect (DNS name of the load balancer). */
  readonly lbAddress: string;
  readonly nodePrivateIp: string;
  readonly poolPublicIps: string[];
  readonly poolPrivateIps: string[];
  readonly databaseHost: string;
  readonly databaseSecretArn?: string;
}

/** Builds one cloud's pool hosts, load balancer and database around its node host. */
export type PoolClusterFactory = (
  scope: Construct,
  id: string,
  spec: PoolHostSpec,
  node: PoolHost,
) => PoolCluster;

/** What `up` reads from a cluster stack's outputs (beside the node host's own, hostFromOutputs). */
export interface ClusterOutputs {
  lbAddress: string;
  nodePrivateIp: string;
  poolPublicIps: string[];
  poolPrivateIps: string[];
  databaseHost: string;
  /** AWS only. */
  databaseSecretArn?: string;
}

const IPV4 = /^(\d{1,3})(\.\d{1,3}){3}$/;

/**
 * Reads the cluster outputs from `terraform output -json`; throws naming the output that is
 * missing or malformed (an apply that did not finish, or a stack from before `pool.hosts`).
 */
export function clusterFromOutputs(outputJson: string): ClusterOutputs {
  const parsed = JSON.parse(outputJson) as Record<string, { value?: unknown } | undefined>;
  const missing = (name: string) =>
    new Error(`terraform output '${name}' is missing or empty; did terraform apply finish?`);
  const text = (name: string): string => {
    const v = parsed[name]?.value;
    if (typeof v !== 'string' || v === '') throw missing(name);
    return v;
  };
  const ips = (name: string): string[] => {
    const v = parsed[name]?.value;
    if (!Array.isArray(v) || v.length === 0) throw missing(name);
    for (const ip of v) {
      if (typeof ip !== 'string' || !IPV4.test(ip))
        throw new Error(`terraform output '${name}' holds ${JSON.stringify(ip)}, not an IPv4 address`);
    }
    return v as string[];
  };
  const out: ClusterOutputs = {
    lbAddress: text(CLUSTER_OUTPUTS.lbAddress),
    nodePrivateIp: text(CLUSTER_OUTPUTS.nodePrivateIp),
    poolPublicIps: ips(CLUSTER_OUTPUTS.poolPublicIps),
    poolPrivateIps: ips(CLUSTER_OUTPUTS.poolPrivateIps),
    databaseHost: text(CLUSTER_OUTPUTS.databaseHost),
  };
  if (out.poolPublicIps.length !== out.poolPrivateIps.length) {
    throw new Error(
      `terraform reported ${out.poolPublicIps.length} public but ${out.poolPrivateIps.length} private pool host addresses`,
    );
  }
  const arn = parsed[CLUSTER_OUTPUTS.databaseSecretArn]?.value;
  if (typeof arn === 'string' && arn !== '') out.databaseSecretArn = arn;
  return out;
}
