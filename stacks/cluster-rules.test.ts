import { describe, expect, it } from 'vitest';
import { CLUSTER_PORT } from './cluster.js';
import { clusterIngressRules } from './cluster-rules.js';

const spec = {
  ports: { sv2: 3336, v1: 3333, p2p: 8115 },
  publicCidrs: ['0.0.0.0/0', '::/0'],
  adminCidrs: ['203.0.113.7/32'],
};

describe('clusterIngressRules', () => {
  it('lets the database be reached from the pool hosts only, on whichever host it runs', () => {
    const rds = clusterIngressRules(spec, { lbSource: { group: 'lb' }, database: 'rds' });
    const node = clusterIngressRules(spec, { lbSource: { cidr: '10.42.0.0/16' }, database: 'node' });
    const postgres = (rules: typeof rds) => rules.filter((r) => r.port === CLUSTER_PORT.postgres);
    expect(postgres(rds)).toMatchObject([{ id: 'db_from_pools', group: 'db', from: { group: 'pools' } }]);
    expect(postgres(node)).toMatchObject([
      { id: 'node_postgres_from_pools', group: 'node', from: { group: 'pools' } },
    ]);
  });

  it('opens SV2 and V1 to the public CIDRs on the load balancer alone, and to the pools only from it', () => {
    const rules = clusterIngressRules(spec, { lbSource: { cidr: '10.42.0.0/16' }, database: 'node' });
    const publicRules = rules.filter((r) => 'cidr' in r.from && spec.publicCidrs.includes(r.from.cidr));
    expect(publicRules.map((r) => [r.group, r.port])).toEqual([
      ['lb', 3336],
      ['lb', 3336],
      ['lb', 3333],
      ['lb', 3333],
    ]);
    expect(
      rules.filter((r) => r.group === 'pools' && [3336, 3333].includes(r.port)).map((r) => r.from),
    ).toEqual([{ cidr: '10.42.0.0/16' }, { cidr: '10.42.0.0/16' }]);
  });

  it('gives every rule its own construct id, so no two resources collide', () => {
    const rules = clusterIngressRules(spec, { lbSource: { group: 'lb' }, database: 'rds' });
    expect(new Set(rules.map((r) => r.id)).size).toBe(rules.length);
  });
});
