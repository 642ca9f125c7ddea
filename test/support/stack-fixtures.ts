/**
 * Sample deploy configs and a synth helper for the stack tests. The keys are syntactically
 * valid public keys made up for tests; no private key exists for them.
 */
import { Testing } from '../../stacks/cdk.js';
import { type Cloud, type PoolHostSpec, type StackConfigInput, specFromConfig } from '../../stacks/spec.js';
import { PoolStack } from '../../stacks/stack.js';

export const KEYS = {
  ed25519: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGZha2Uta2V5LWZvci10ZXN0cy1vbmx5LW5vdC1yZWFs operator@laptop',
  rsa: 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDZmFrZS1yc2Eta2V5LWZvci10ZXN0cw== ops@ci',
  ecdsa: 'ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTY= ops@hsm',
} as const;

/** Regions per cloud, so one config shape serves both stacks. */
export const REGIONS: Record<Cloud, string> = { aws: 'eu-central-1', alicloud: 'ap-southeast-1' };

export interface Fixture {
  name: string;
  config: StackConfigInput;
  key: string;
}

export function baseConfig(cloud: Cloud): StackConfigInput {
  return {
    project: 'ckb-pool',
    chain: 'mainnet',
    cloud,
    region: REGIONS[cloud],
    instance: { size: cloud === 'aws' ? 'm6i.large' : 'ecs.g7.large', diskGb: 300 },
    adminCidrs: ['203.0.113.7/32'],
    ports: { sv2: 3336, v1: 3333, p2p: 8115, api: 8080, prometheus: 9090, grafana: 3000 },
    publicCidrs: ['0.0.0.0/0'],
    ssh: {},
    state: { backend: 'local' },
  };
}

/** The configs every cloud is synthesized for: defaults, a locked-down testnet, odd choices. */
export function fixtures(cloud: Cloud): Fixture[] {
  const base = baseConfig(cloud);
  return [
    { name: 'mainnet defaults', config: base, key: KEYS.ed25519 },
    {
      name: 'testnet, restricted miners, two admins, remote state',
      config: {
        ...base,
        project: 'Aggron Test Pool',
        chain: 'testnet',
        instance: { size: 'small', diskGb: 120 },
        adminCidrs: ['198.51.100.10/32', '2001:db8:ad::/48'],
        publicCidrs: ['192.0.2.0/24', '2001:db8:1::/48'],
        ports: { sv2: 34254, v1: 3334, p2p: 8115, api: 8080, prometheus: 9090, grafana: 3000 },
        ssh: { user: 'pool' },
        state:
          cloud === 'aws'
            ? { backend: 's3', bucket: 'ops-tf-state', region: 'eu-central-1' }
            : {
                backend: 'oss',
                bucket: 'ops-tf-state',
                key: 'pools/aggron.tfstate',
                region: 'ap-southeast-1',
              },
      },
      key: KEYS.rsa,
    },
    {
      name: 'explicit arm instance type, ecdsa key',
      config: {
        ...base,
        project: 'big',
        instance: { size: cloud === 'aws' ? 'm7g.xlarge' : 'ecs.g8y.xlarge', diskGb: 500 },
      },
      key: KEYS.ecdsa,
    },
  ];
}

export function specFor(cloud: Cloud, f: Fixture): PoolHostSpec {
  return specFromConfig(f.config, f.key, cloud);
}

/** Synthesizes in memory (no files) and returns the Terraform JSON as a string. */
export function synthString(cloud: Cloud, spec: PoolHostSpec): string {
  const app = Testing.app();
  return Testing.synth(new PoolStack(app, `${spec.name}-${cloud}`, cloud, spec));
}

/** The same stack rendered as HCL (`cdktf synth --hcl`). */
export function synthHcl(cloud: Cloud, spec: PoolHostSpec): string {
  const app = Testing.app();
  return Testing.synthHcl(new PoolStack(app, `${spec.name}-${cloud}`, cloud, spec)) as string;
}

// biome-ignore lint/suspicious/noExplicitAny: Terraform JSON is walked freely in tests
export type TfJson = Record<string, any>;

export function synthJson(cloud: Cloud, spec: PoolHostSpec): TfJson {
  return JSON.parse(synthString(cloud, spec)) as TfJson;
}

/** Every (port, cidr) an inbound rule of the stack allows, whatever the cloud. */
export function ingressOf(tf: TfJson): Array<{ port: number; cidr: string; toPort: number }> {
  const out: Array<{ port: number; cidr: string; toPort: number }> = [];
  for (const r of Object.values<TfJson>(tf.resource?.aws_vpc_security_group_ingress_rule ?? {})) {
    out.push({ port: r.from_port, toPort: r.to_port, cidr: r.cidr_ipv4 ?? r.cidr_ipv6 });
  }
  for (const r of Object.values<TfJson>(tf.resource?.alicloud_security_group_rule ?? {})) {
    if (r.type !== 'ingress') continue;
    const [from, to] = String(r.port_range).split('/').map(Number);
    out.push({ port: from, toPort: to, cidr: r.cidr_ip ?? r.ipv6_cidr_ip });
  }
  return out;
}

/** The single block of a resource type (throws unless there is exactly one). */
export function only(tf: TfJson, kind: 'resource' | 'data', type: string): TfJson {
  const blocks = Object.values<TfJson>(tf[kind]?.[type] ?? {});
  if (blocks.length !== 1) throw new Error(`expected one ${kind} ${type}, found ${blocks.length}`);
  return blocks[0];
}
