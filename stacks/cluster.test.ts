import { describe, expect, it } from 'vitest';
import {
  baseConfig,
  type Fixture,
  fixtures,
  KEYS,
  specFor,
  synthHcl,
  synthJson,
  synthString,
  type TfJson,
} from '../test/support/stack-fixtures.js';
import {
  CLUSTER_OUTPUTS,
  CLUSTER_PORT,
  clusterFromOutputs,
  POOL_HOST_DISK_GB,
  poolHostCount,
} from './cluster.js';
import { OUTPUTS } from './pool-host.js';
import { CLOUDS, type Cloud, SpecError, specFromConfig } from './spec.js';

const withHosts = (f: Fixture, hosts: number): Fixture => ({
  ...f,
  config: { ...f.config, pool: { hosts } },
});
const cluster = (cloud: Cloud, hosts: number, f = fixtures(cloud)[0]) => {
  const spec = specFor(cloud, withHosts(f, hosts));
  return { spec, tf: synthJson(cloud, spec) };
};
const blocks = (tf: TfJson, type: string): Array<[string, TfJson]> =>
  Object.entries<TfJson>(tf.resource[type] ?? {});
const instanceType = (cloud: Cloud) => (cloud === 'aws' ? 'aws_instance' : 'alicloud_instance');
const ref = (type: string, id: string) => `\${${type}.${id}.id}`;

/** Every inbound rule of the stack with its group and source (a CIDR or another group). */
function rules(tf: TfJson): Array<{ group: string; port: number; source: string }> {
  const aws = blocks(tf, 'aws_vpc_security_group_ingress_rule').map(([, r]) => ({
    group: r.security_group_id,
    port: r.from_port,
    source: r.cidr_ipv4 ?? r.cidr_ipv6 ?? r.referenced_security_group_id,
  }));
  const ali = blocks(tf, 'alicloud_security_group_rule')
    .filter(([, r]) => r.type === 'ingress')
    .map(([, r]) => ({
      group: r.security_group_id,
      port: Number(String(r.port_range).split('/')[0]),
      source: r.cidr_ip ?? r.ipv6_cidr_ip ?? r.source_security_group_id,
    }));
  return [...aws, ...ali];
}

describe('pool.hosts', () => {
  it('is absent from a single-host spec, so pool.hosts: 1 synthesizes the very same bytes', () => {
    for (const cloud of CLOUDS) {
      for (const f of fixtures(cloud)) {
        const one = specFor(cloud, withHosts(f, 1));
        expect(one.poolHosts).toBeUndefined();
        expect(synthString(cloud, one)).toBe(synthString(cloud, specFor(cloud, f)));
      }
    }
  });

  it('refuses a count outside 1–16, naming the field', () => {
    const config = { ...baseConfig('aws'), pool: { hosts: 17 } };
    expect(() => specFromConfig(config, KEYS.ed25519, 'aws')).toThrow(SpecError);
    expect(() => specFromConfig(config, KEYS.ed25519, 'aws')).toThrow(/pool\.hosts/);
  });
});

describe.each(CLOUDS)('the %s stack with several pool hosts', (cloud) => {
  const { spec, tf } = cluster(cloud, 3);
  const instances = blocks(tf, instanceType(cloud));
  const pools = instances.filter(([id]) => id.startsWith('pools_pool_'));
  const node = instances.find(([id]) => id.startsWith('host_'))!;
  const groupOf = (id: string) => ref(cloud === 'aws' ? 'aws_security_group' : 'alicloud_security_group', id);
  const groups = blocks(tf, cloud === 'aws' ? 'aws_security_group' : 'alicloud_security_group');
  const groupId = (prefix: string) => groupOf(groups.find(([id]) => id.startsWith(prefix))![0]);
  const nodeSg = groupId('host_sg');
  const poolSg = groupId('pools_pools_sg');

  it('keeps the node host and adds one pool host per count, each with an encrypted disk and token-only metadata', () => {
    expect(poolHostCount(spec)).toBe(3);
    expect(node).toBeDefined();
    expect(pools.map(([id]) => id.replace(/_[0-9A-F]{8}$/, ''))).toEqual([
      'pools_pool_0',
      'pools_pool_1',
      'pools_pool_2',
    ]);
    for (const [, p] of pools) {
      if (cloud === 'aws') {
        expect(p.root_block_device).toMatchObject({ encrypted: true, volume_size: POOL_HOST_DISK_GB });
        expect(p.metadata_options.http_tokens).toBe('required');
      } else {
        expect(p).toMatchObject({
          system_disk_encrypted: true,
          system_disk_size: POOL_HOST_DISK_GB,
          http_tokens: 'required',
        });
      }
      expect(p.user_data).toContain('ssh_pwauth: false');
    }
  });

  it('puts a TCP load balancer in front of SV2 and V1 with every pool host behind both ports', () => {
    if (cloud === 'aws') {
      const [, lb] = blocks(tf, 'aws_lb')[0];
      expect(lb).toMatchObject({ load_balancer_type: 'network', internal: false });
      const listeners = blocks(tf, 'aws_lb_listener').map(([, l]) => [l.port, l.protocol]);
      expect(listeners.sort()).toEqual(
        [
          [spec.ports.v1, 'TCP'],
          [spec.ports.sv2, 'TCP'],
        ].sort(),
      );
      const attachments = blocks(tf, 'aws_lb_target_group_attachment').map(([, a]) => a.port);
      expect(attachments.sort()).toEqual(
        [...Array(3).fill(spec.ports.v1), ...Array(3).fill(spec.ports.sv2)].sort(),
      );
    } else {
      const [, lb] = blocks(tf, 'alicloud_nlb_load_balancer')[0];
      expect(lb).toMatchObject({ load_balancer_type: 'Network', address_type: 'Internet' });
      expect(lb.zone_mappings).toHaveLength(2); // an NLB spans two zones
      const listeners = blocks(tf, 'alicloud_nlb_listener').map(([, l]) => [
        l.listener_port,
        l.listener_protocol,
      ]);
      expect(listeners.sort()).toEqual(
        [
          [spec.ports.v1, 'TCP'],
          [spec.ports.sv2, 'TCP'],
        ].sort(),
      );
      const attachments = blocks(tf, 'alicloud_nlb_server_group_server_attachment').map(([, a]) => a.port);
      expect(attachments.sort()).toEqual(
        [...Array(3).fill(spec.ports.v1), ...Array(3).fill(spec.ports.sv2)].sort(),
      );
    }
  });

  it('opens SV2 and V1 on the pool hosts only to the load balancer, and nothing public on the node host but P2P', () => {
    const all = rules(tf);
    const onPools = all.filter((r) => r.group === poolSg);
    for (const port of [spec.ports.sv2, spec.ports.v1]) {
      const sources = onPools.filter((r) => r.port === port).map((r) => r.source);
      expect(sources).toHaveLength(1);
      expect(sources[0]).toBe(cloud === 'aws' ? groupId('pools_lb_sg') : '10.42.0.0/16');
      expect(all.filter((r) => r.group === nodeSg && r.port === port)).toEqual([]);
    }
    expect(onPools.filter((r) => r.port === 22).map((r) => r.source)).toEqual(spec.adminCidrs);
    const nodePublic = all.filter((r) => r.group === nodeSg && r.source.includes('/'));
    expect(new Set(nodePublic.map((r) => r.port))).toEqual(new Set([spec.ports.p2p, 22]));
  });

  it('lets the miners of publicCidrs, and only them, reach the load balancer on SV2 and V1', () => {
    const lbSg = groupId('pools_lb_sg');
    for (const port of [spec.ports.sv2, spec.ports.v1]) {
      const sources = rules(tf)
        .filter((r) => r.group === lbSg && r.port === port)
        .map((r) => r.source);
      expect(sources.sort()).toEqual([...spec.publicCidrs].sort());
    }
    expect(
      new Set(
        rules(tf)
          .filter((r) => r.group === lbSg)
          .map((r) => r.port),
      ),
    ).toEqual(new Set([spec.ports.sv2, spec.ports.v1]));
    const lb = blocks(tf, cloud === 'aws' ? 'aws_lb' : 'alicloud_nlb_load_balancer')[0][1];
    expect(lb[cloud === 'aws' ? 'security_groups' : 'security_group_ids']).toEqual([lbSg]);
  });

  it('lets only the pool hosts reach the node RPC and the database', () => {
    const all = rules(tf);
    for (const port of [CLUSTER_PORT.nodeRpc, CLUSTER_PORT.nodeSubscribe, CLUSTER_PORT.postgres]) {
      const r = all.filter((x) => x.port === port);
      expect(r.length).toBeGreaterThan(0);
      for (const x of r) expect(x.source).toBe(poolSg);
    }
    for (const port of [CLUSTER_PORT.poolNotify, CLUSTER_PORT.poolApi]) {
      for (const x of all.filter((y) => y.port === port)) expect(x.source).toBe(nodeSg);
    }
  });

  it('keeps the database password out of the configuration, the state and the outputs', () => {
    const text = JSON.stringify(tf);
    expect(text).not.toMatch(/"(master_)?password"|account_password|kms_encrypted_password/);
    if (cloud === 'aws') {
      const [, db] = blocks(tf, 'aws_db_instance')[0];
      expect(db).toMatchObject({
        engine: 'postgres',
        manage_master_user_password: true,
        publicly_accessible: false,
        storage_encrypted: true,
      });
      expect(tf.output[CLUSTER_OUTPUTS.databaseSecretArn].value).toMatch(
        /master_user_secret\[0\]\.secret_arn/,
      );
    } else {
      // PostgreSQL runs on the node host, its password generated by the deployer.
      expect(Object.keys(tf.resource).filter((t) => /db_|rds/.test(t))).toEqual([]);
    }
    const expected = [...Object.values(OUTPUTS), ...Object.values(CLUSTER_OUTPUTS)].filter(
      (o) => cloud === 'aws' || o !== CLUSTER_OUTPUTS.databaseSecretArn,
    );
    expect(Object.keys(tf.output).sort()).toEqual(expected.sort());
    for (const o of Object.values<TfJson>(tf.output)) expect(o.sensitive).toBeUndefined();
  });
});

it('renders the Alibaba Cloud load balancer as HCL (cdktf synth --hcl) with its nested blocks', () => {
  const spec = specFor('alicloud', withHosts(fixtures('alicloud')[0], 2));
  const hcl = synthHcl('alicloud', spec);
  const lb = hcl.slice(hcl.indexOf('resource "alicloud_nlb_load_balancer"'));
  const zoneBlocks = lb
    .slice(0, lb.indexOf('\nresource "'))
    .match(/zone_mappings \{\nzone_id = "[^"]+"\nvswitch_id = "\$\{alicloud_vswitch\.[^"]+\}"\n\}/g);
  expect(zoneBlocks).toHaveLength(2);
  expect(hcl).toMatch(/health_check \{\nhealth_check_enabled = true\nhealth_check_type = "TCP"/);
});

it('never names an AWS security group with the sg- prefix EC2 reserves', () => {
  const f = fixtures('aws')[0];
  const { tf } = cluster('aws', 2, { ...f, config: { ...f.config, project: 'sg-pool' } });
  const names = blocks(tf, 'aws_security_group').map(([, g]) => String(g.name));
  expect(names).toHaveLength(4);
  for (const n of names) expect(n).not.toMatch(/^sg-/);
});

describe.each(CLOUDS)('growing the %s pool', (cloud) => {
  /** Resource address → body, minus outputs (which list the hosts). */
  const resources = (tf: TfJson) =>
    new Map(
      Object.entries<TfJson>(tf.resource).flatMap(([type, byId]) =>
        Object.entries<TfJson>(byId).map(([id, b]) => [`${type}.${id}`, b]),
      ),
    );

  it('from one host to two keeps the VM, its disk, address and network (it becomes the node host)', () => {
    const one = resources(cluster(cloud, 1).tf);
    const two = resources(cluster(cloud, 2).tf);
    const kept = [...one.keys()].filter((a) =>
      /_(instance|eip|eip_address|eip_association|vpc|subnet|vswitch|security_group|key_pair|ecs_key_pair)\./.test(
        a,
      ),
    );
    expect(kept.length).toBeGreaterThanOrEqual(6);
    for (const address of kept) {
      expect(two.has(address), address).toBe(true);
      expect(two.get(address), address).toEqual(one.get(address));
    }
  });

  it('from two hosts to three only adds: every existing block stays byte for byte', () => {
    const two = resources(cluster(cloud, 2).tf);
    const three = resources(cluster(cloud, 3).tf);
    for (const [address, body] of two) expect(three.get(address), address).toEqual(body);
    const added = [...three.keys()].filter((a) => !two.has(a)).map((a) => a.replace(/_[0-9A-F]{8}$/, ''));
    expect(added.every((a) => a.includes('pools_pool_2'))).toBe(true);
    expect(added.some((a) => a.startsWith(`${instanceType(cloud)}.`))).toBe(true);
  });
});

describe('clusterFromOutputs', () => {
  const o = (value: unknown) => ({ value, sensitive: false });
  const outputs = (over: Record<string, unknown> = {}) =>
    JSON.stringify({
      lb_address: o('pool-lb-0123.elb.us-east-1.amazonaws.com'),
      node_private_ip: o('10.42.1.10'),
      pool_public_ips: o(['198.51.100.1', '198.51.100.2']),
      pool_private_ips: o(['10.42.1.20', '10.42.1.21']),
      database_host: o('ledger.rds.amazonaws.com'),
      database_secret_arn: o('arn:aws:secretsmanager:us-east-1:1:secret:rds'),
      ...over,
    });

  it('reads the addresses up needs, the secret ARN only when the stack has one', () => {
    expect(clusterFromOutputs(outputs())).toEqual({
      lbAddress: 'pool-lb-0123.elb.us-east-1.amazonaws.com',
      nodePrivateIp: '10.42.1.10',
      poolPublicIps: ['198.51.100.1', '198.51.100.2'],
      poolPrivateIps: ['10.42.1.20', '10.42.1.21'],
      databaseHost: 'ledger.rds.amazonaws.com',
      databaseSecretArn: 'arn:aws:secretsmanager:us-east-1:1:secret:rds',
    });
    expect(clusterFromOutputs(outputs({ database_secret_arn: undefined })).databaseSecretArn).toBeUndefined();
  });

  it('names the output that is missing, malformed or disagrees with the others', () => {
    expect(() => clusterFromOutputs(outputs({ lb_address: undefined }))).toThrow(/'lb_address' is missing/);
    expect(() => clusterFromOutputs(outputs({ pool_public_ips: o([]) }))).toThrow(/'pool_public_ips'/);
    expect(() => clusterFromOutputs(outputs({ pool_private_ips: o(['10.42.1.20', 'pending']) }))).toThrow(
      /'pool_private_ips' holds "pending"/,
    );
    expect(() => clusterFromOutputs(outputs({ pool_private_ips: o(['10.42.1.20']) }))).toThrow(
      /2 public but 1 private/,
    );
  });
});
