/**
 * `up` for several pool hosts (`pool.hosts` ≥ 2), after Terraform built the cluster:
 *   cluster outputs → ledger password → per-host bundles → role on the node host (CKB node,
 *   monitoring, PostgreSQL on Alibaba Cloud) → role on each pool host → SV2 through the LB.
 * The node host goes first: the pools need its RPC and, on Alibaba Cloud, its database. The pool
 * hosts then run in parallel (bounded), each with its own log and a line in the summary.
 * Every step is idempotent, so a second run renders the same bundles and the role changes
 * nothing (docs/deploy.md, "Several pool hosts").
 */
import { join } from 'node:path';
import { CLUSTER_PORT, type ClusterAddresses, type HostPart, renderHostBundle } from '../bundle/hosts.js';
import { writeBundle } from '../bundle/render.js';
import type { PoolDeployConfig } from '../config/types.js';
import type { HostPartVars } from './ansible.js';
import { StepFailure } from './context.js';
import { ensureGeneratedLedgerPassword, readRdsLedgerPassword } from './ledger-password.js';
import { failedHostsError, formatHostResults, HOST_CONCURRENCY, onEachHost } from './parallel-hosts.js';
import type { Opened } from './session.js';
import { summary } from './summary.js';
import {
  CLOUD_LABEL,
  checkRolePrerequisites,
  type RolePaths,
  type RoleRun,
  remoteHealth,
  roleRanBefore,
  runRoleOnHost,
  sshTarget,
  type UpOptions,
  verifyStep,
} from './up-steps.js';
import type { HostRecord } from './workdir.js';

type Cloud = 'aws' | 'alicloud';

/** Loaded lazily: the stacks pull in cdktf, which `--help` should not pay for. */
async function stacks() {
  const [cluster, host] = await Promise.all([
    import('../../stacks/cluster.js'),
    import('../../stacks/pool-host.js'),
  ]);
  return { ...cluster, vpcCidr: host.HOST_NETWORK.vpcCidr };
}

export interface ClusterHost {
  name: string;
  record: HostRecord;
  part: HostPart;
}

/** Where host `name`'s bundle, inventory and extra vars live: `<work>/hosts/<name>/`. */
export function hostPaths(workRoot: string, name: string): RolePaths {
  const root = join(workRoot, 'hosts', name);
  return {
    root,
    bundle: join(root, 'bundle'),
    inventory: join(root, 'inventory.yml'),
    extraVars: join(root, 'extra-vars.json'),
  };
}

const hostCidr = (ip: string) => `${ip}/32`;

/**
 * Who reaches a pool host's SV2/V1 ports. AWS's NLB keeps the miners' addresses, so the config's
 * publicCidrs apply, plus the VPC for the NLB's health checks; Alibaba Cloud's NLB connects
 * from its own VPC addresses (its security group holds publicCidrs).
 */
export function poolHostSources(cloud: Cloud, config: PoolDeployConfig, vpcCidr: string): string[] {
  if (cloud === 'alicloud') return [vpcCidr];
  return config.publicCidrs.includes('0.0.0.0/0') ? config.publicCidrs : [...config.publicCidrs, vpcCidr];
}

/** The role's per-host variables: which part, which public ports, and the private flows. */
export function partVars(
  cloud: Cloud,
  config: PoolDeployConfig,
  addr: ClusterAddresses,
  part: HostPart,
  vpcCidr: string,
): HostPartVars {
  if (part.kind === 'node') {
    const ports: number[] = [CLUSTER_PORT.nodeRpc, CLUSTER_PORT.nodeSubscribe];
    if (addr.database === 'node') ports.push(CLUSTER_PORT.postgres);
    return {
      hostPart: 'node',
      publicPorts: [config.ports.p2p],
      publicCidrs: config.publicCidrs,
      privateFlows: [{ ports, cidrs: addr.poolPrivateIps.map(hostCidr) }],
    };
  }
  return {
    hostPart: 'pool',
    publicPorts: [config.ports.sv2, config.ports.v1],
    publicCidrs: poolHostSources(cloud, config, vpcCidr),
    privateFlows: [
      {
        ports: [CLUSTER_PORT.poolNotify, CLUSTER_PORT.poolApi, CLUSTER_PORT.translatorMetrics],
        cidrs: [hostCidr(addr.nodePrivateIp)],
      },
    ],
  };
}

async function ledgerPassword(opened: Opened, cloud: Cloud, secretArn: string | undefined, region: string) {
  const { session, config } = opened;
  if (cloud === 'aws') {
    if (!secretArn) {
      throw new StepFailure(
        "terraform output 'database_secret_arn' is missing: the AWS stack keeps the ledger password in Secrets Manager; re-run `up` so the stack is applied in full",
      );
    }
    return {
      password: await readRdsLedgerPassword(session, secretArn, region),
      how: 'read from Secrets Manager',
    };
  }
  const g = ensureGeneratedLedgerPassword(config.secretsDir);
  session.masker.add(g.password);
  return {
    password: g.password,
    how: g.created ? 'generated into the secrets folder' : 'kept from the secrets folder',
  };
}

/**
 * The pool hosts, in parallel (at most HOST_CONCURRENCY at a time), each with its own log; a
 * failing host lets the others finish and then fails `up` naming it and its log.
 */
async function configurePoolHosts(
  opened: Opened,
  o: UpOptions,
  pools: ClusterHost[],
  roleRun: (h: ClusterHost) => RoleRun,
): Promise<void> {
  const { session } = opened;
  session.progress.info(
    `configuring ${pools.length} pool hosts, ${Math.min(pools.length, HOST_CONCURRENCY)} at a time (one log per host)`,
  );
  const results = await onEachHost(session, pools, (h, hostSession) =>
    runRoleOnHost({ ...opened, session: hostSession }, o, h.record, roleRun(h)),
  );
  const table = formatHostResults(results);
  session.log.line(`pool hosts:\n${table}`);
  session.progress.info(`pool hosts:\n${table}`);
  const failure = failedHostsError('configure pool hosts', session.log.path, results);
  if (failure) {
    session.state.lastRun = {
      ...(session.state.lastRun ?? { startedAt: '' }),
      failedStep: failure.step,
      log: failure.logPath,
    };
    session.saveState();
    throw failure;
  }
}

/** Everything after `terraform output` for a cluster; resolves to the closing summary. */
export async function configureCluster(
  opened: Opened,
  o: UpOptions,
  cloud: Cloud,
  provisioned: { host: HostRecord; outputs: string },
): Promise<string> {
  const { session, config, secrets, work } = opened;
  checkRolePrerequisites(opened, o);
  const s = await stacks();
  const node = provisioned.host;
  const out = await session.step(
    'read cluster outputs',
    async () => {
      const c = s.clusterFromOutputs(provisioned.outputs);
      if (c.poolPublicIps.length !== config.pool.hosts) {
        throw new StepFailure(
          `pool.hosts is ${config.pool.hosts} but Terraform reported ${c.poolPublicIps.length} pool hosts; re-run \`up\` so the plan is applied`,
        );
      }
      return c;
    },
    (c) => `${c.poolPublicIps.length} pool hosts behind ${c.lbAddress}`,
  );
  const addr: ClusterAddresses = {
    nodePrivateIp: out.nodePrivateIp,
    poolPrivateIps: out.poolPrivateIps,
    databaseHost: out.databaseHost,
    database: cloud === 'aws' ? 'rds' : 'node',
  };
  const hosts: ClusterHost[] = [
    { name: 'node', record: node, part: { kind: 'node' } },
    ...out.poolPublicIps.map((ip, index) => ({
      name: `pool-${index}`,
      record: {
        address: ip,
        user: node.user,
        port: node.port,
        ...(node.region ? { region: node.region } : {}),
      },
      part: { kind: 'pool', index } as const,
    })),
  ];
  session.state.cluster = {
    lbAddress: out.lbAddress,
    pools: hosts.slice(1).map((h) => h.record),
    database: { host: out.databaseHost, port: CLUSTER_PORT.postgres, tls: addr.database === 'rds' },
  };
  session.saveState();

  const ledger = await session.step(
    'ledger password',
    () => ledgerPassword(opened, cloud, out.databaseSecretArn, node.region ?? config.region ?? ''),
    (l) => l.how,
  );
  await session.step(
    'render host bundles',
    async () => {
      for (const h of hosts) {
        const files = renderHostBundle(config, secrets, addr, ledger.password, h.part);
        writeBundle(hostPaths(work.root, h.name).bundle, files);
      }
      return hosts.length;
    },
    (n) => `${n} bundles in ${join(work.root, 'hosts')}`,
  );
  // The node host first: the pool hosts need its RPC (and its PostgreSQL on Alibaba Cloud).
  const roleRun = (h: ClusterHost) => {
    const firstRun = !roleRanBefore(opened, h.name);
    const disk = h.part.kind === 'node' ? config.instance.diskGb : s.POOL_HOST_DISK_GB;
    return {
      name: h.name,
      paths: hostPaths(work.root, h.name),
      needsPoolImage: h.part.kind === 'pool',
      // A new cloud disk of N GiB has a bit less than N free (OS, Docker); later only a floor.
      minFreeDiskGb: firstRun ? Math.floor(disk * 0.8) : 20,
      part: partVars(cloud, config, addr, h.part, s.vpcCidr),
    };
  };
  await runRoleOnHost(opened, o, node, roleRun(hosts[0]));
  await configurePoolHosts(opened, o, hosts.slice(1), roleRun);
  await verifyStep(opened, out.lbAddress);
  const healthView = await remoteHealth(opened, sshTarget(opened, hosts[1].record));
  return summary({
    config,
    configPath: o.configPath,
    authorityPubkey: secrets.authorityPublicKey,
    address: out.lbAddress,
    host: node,
    health: healthView,
    cloudLabel: `${CLOUD_LABEL[cloud]} (${config.pool.hosts} pool hosts behind ${out.lbAddress}; node host ${node.address})`,
  });
}
