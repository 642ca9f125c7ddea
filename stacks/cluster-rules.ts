/**
 * The inbound rules of a cluster (stacks/cluster.ts), the same on both clouds: miners to the
 * load balancer, the load balancer to the pool hosts, admin SSH, and the private flows between
 * the pool hosts, the node host and the database. Each cloud turns them into its own rule
 * resources; the ids are kept stable so growing a cluster never renames (replaces) a rule.
 * CDK-free, like cluster.ts.
 */
import { CLUSTER_PORT, lbPorts } from './cluster.js';
import type { PoolHostSpec } from './spec.js';

/** The security groups a rule can name: the LB's, the pool hosts', the node host's, the database's. */
export type RuleGroup = 'lb' | 'pools' | 'node' | 'db';

export type RuleSource = { cidr: string } | { group: RuleGroup };

export interface ClusterRule {
  /** Construct id of the rule resource. */
  id: string;
  group: RuleGroup;
  port: number;
  from: RuleSource;
  description: string;
}

export interface ClusterRuleOptions {
  /**
   * Where the pool hosts see LB traffic come from: the LB's group (AWS: the NLB has one and keeps
   * client addresses) or a CIDR (Alibaba Cloud: an ECS group cannot name the NLB, so the VPC).
   */
  lbSource: RuleSource;
  /** `rds`: a database group of its own (AWS); `node`: PostgreSQL on the node host. */
  database: 'rds' | 'node';
}

/** A CIDR as a construct id fragment. */
export const cidrId = (c: string) => c.replace(/[^0-9a-zA-Z]+/g, '_');

export function clusterIngressRules(
  spec: Pick<PoolHostSpec, 'ports' | 'publicCidrs' | 'adminCidrs'>,
  o: ClusterRuleOptions,
): ClusterRule[] {
  const rules: ClusterRule[] = [];
  const add = (id: string, group: RuleGroup, port: number, from: RuleSource, description: string) =>
    rules.push({ id, group, port, from, description });
  const pools = { group: 'pools' } as const;
  const node = { group: 'node' } as const;
  // The web page's port is forwarded too when web.public (lbPorts).
  for (const [p, port] of lbPorts(spec)) {
    for (const cidr of spec.publicCidrs) add(`lb_${p}_${cidrId(cidr)}`, 'lb', port, { cidr }, `${p} miners`);
  }
  for (const [p, port] of lbPorts(spec))
    add(`pools_${p}_from_lb`, 'pools', port, o.lbSource, `${p} via the load balancer`);
  for (const cidr of spec.adminCidrs)
    add(`pools_ssh_${cidrId(cidr)}`, 'pools', 22, { cidr }, 'SSH from admin');
  add('node_rpc_from_pools', 'node', CLUSTER_PORT.nodeRpc, pools, 'CKB RPC from pool hosts');
  add(
    'node_subscribe_from_pools',
    'node',
    CLUSTER_PORT.nodeSubscribe,
    pools,
    'CKB subscribe from pool hosts',
  );
  if (o.database === 'node')
    add('node_postgres_from_pools', 'node', CLUSTER_PORT.postgres, pools, 'PostgreSQL from pool hosts');
  add('pools_notify_from_node', 'pools', CLUSTER_PORT.poolNotify, node, 'Block notify from the node');
  add('pools_api_from_node', 'pools', CLUSTER_PORT.poolApi, node, 'Pool metrics for Prometheus');
  add(
    'pools_translator_from_node',
    'pools',
    CLUSTER_PORT.translatorMetrics,
    node,
    'Translator metrics for Prometheus',
  );
  if (o.database === 'rds')
    add('db_from_pools', 'db', CLUSTER_PORT.postgres, pools, 'PostgreSQL from pool hosts');
  return rules;
}
