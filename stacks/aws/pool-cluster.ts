/**
 * AWS, several pool hosts: N pool instances behind a network load balancer for the SV2 and V1
 * ports, an RDS PostgreSQL ledger, and the single host (AwsPoolHost) as the node host they
 * share. RDS keeps the master password in Secrets Manager (`manage_master_user_password`), so
 * neither the state nor the outputs hold it.
 *
 * Security groups: the load balancer takes SV2/V1 from the public CIDRs; the pool hosts take
 * SV2/V1 only from the load balancer's group (direct connections to their addresses are
 * refused) and SSH from the admin CIDRs; the node host's RPC and the database take only the
 * pool hosts' group.
 */
import { DbInstance } from '@cdktf/provider-aws/lib/db-instance/index.js';
import { DbSubnetGroup } from '@cdktf/provider-aws/lib/db-subnet-group/index.js';
import { Eip } from '@cdktf/provider-aws/lib/eip/index.js';
import { Instance } from '@cdktf/provider-aws/lib/instance/index.js';
import { Lb } from '@cdktf/provider-aws/lib/lb/index.js';
import { LbListener } from '@cdktf/provider-aws/lib/lb-listener/index.js';
import { LbTargetGroup } from '@cdktf/provider-aws/lib/lb-target-group/index.js';
import { LbTargetGroupAttachment } from '@cdktf/provider-aws/lib/lb-target-group-attachment/index.js';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group/index.js';
import { Subnet } from '@cdktf/provider-aws/lib/subnet/index.js';
import { VpcSecurityGroupEgressRule } from '@cdktf/provider-aws/lib/vpc-security-group-egress-rule/index.js';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule/index.js';
import { Construct, Fn } from '../cdk.js';
import {
  CLUSTER_NETWORK,
  lbPorts,
  POOL_HOST_DISK_GB,
  type PoolCluster,
  type PoolClusterFactory,
  poolHostCount,
  poolHostId,
} from '../cluster.js';
import { clusterIngressRules } from '../cluster-rules.js';
import { cloudInit, type PoolHost } from '../pool-host.js';
import { isIpv6Cidr, type PoolHostSpec } from '../spec.js';
import { AwsPoolHost } from './pool-host.js';

/** RDS for the ledger: the smallest Graviton class; PostgreSQL 16 as the pool's CI runs. */
export const LEDGER_DB = {
  engine: 'postgres',
  engineVersion: '16',
  instanceClass: 'db.t4g.small',
  storageGb: 20,
  name: 'ckbpool',
  user: 'ckbpool',
} as const;

export class AwsPoolCluster extends Construct implements PoolCluster {
  readonly lbAddress: string;
  readonly nodePrivateIp: string;
  readonly poolPublicIps: string[] = [];
  readonly poolPrivateIps: string[] = [];
  readonly databaseHost: string;
  readonly databaseSecretArn: string;

  constructor(scope: Construct, id: string, spec: PoolHostSpec, node: AwsPoolHost) {
    super(scope, id);
    const net = node.network;
    const name = spec.name;
    const named = (suffix: string) => ({ Name: `${name}-${suffix}` });

    const group = (gid: string, suffix: string, description: string) =>
      new SecurityGroup(this, gid, {
        name: `${name}-${suffix}`.replace(/^sg-/, 'pool-sg-'), // EC2 reserves the sg- prefix
        description,
        vpcId: net.vpc.id,
        tags: named(suffix),
        lifecycle: { createBeforeDestroy: true },
      });
    const lbSg = group('lb_sg', 'lb-sg', 'ckb-pool: SV2 and V1 from miners to the load balancer');
    const poolSg = group(
      'pools_sg',
      'pools-sg',
      'ckb-pool: SV2 and V1 via the load balancer; SSH from admin',
    );
    const dbSg = group('db_sg', 'db-sg', 'ckb-pool: PostgreSQL from the pool hosts only');

    const allow = (
      rid: string,
      sgId: string,
      port: number,
      from: { cidr: string } | { sg: string },
      d: string,
    ) =>
      new VpcSecurityGroupIngressRule(this, rid, {
        securityGroupId: sgId,
        ipProtocol: 'tcp',
        fromPort: port,
        toPort: port,
        ...('sg' in from
          ? { referencedSecurityGroupId: from.sg }
          : isIpv6Cidr(from.cidr)
            ? { cidrIpv6: from.cidr }
            : { cidrIpv4: from.cidr }),
        description: d,
      });
    const groups = { lb: lbSg.id, pools: poolSg.id, node: net.securityGroup.id, db: dbSg.id };
    for (const r of clusterIngressRules(spec, { lbSource: { group: 'lb' }, database: 'rds' })) {
      const from = 'cidr' in r.from ? r.from : { sg: groups[r.from.group] };
      allow(r.id, groups[r.group], r.port, from, r.description);
    }
    for (const [sg, rid] of [
      [lbSg, 'lb_egress'],
      [poolSg, 'pools_egress'],
    ] as const) {
      new VpcSecurityGroupEgressRule(this, rid, {
        securityGroupId: sg.id,
        ipProtocol: '-1',
        cidrIpv4: '0.0.0.0/0',
        description: 'All outbound',
      });
    }

    const pools: Instance[] = [];
    for (let i = 0; i < poolHostCount(spec); i++) {
      const hid = poolHostId(i);
      const host = new Instance(this, hid, {
        ami: net.amiId,
        instanceType: net.instanceType,
        subnetId: net.subnet.id,
        vpcSecurityGroupIds: [poolSg.id],
        ...(net.key ? { keyName: net.keyName, dependsOn: [net.key] } : {}),
        userData: cloudInit(spec),
        metadataOptions: { httpEndpoint: 'enabled', httpTokens: 'required', httpPutResponseHopLimit: 1 },
        rootBlockDevice: {
          volumeType: 'gp3',
          volumeSize: POOL_HOST_DISK_GB,
          encrypted: true,
          deleteOnTermination: true,
        },
        tags: named(`pool-${i}`),
        lifecycle: { ignoreChanges: ['ami', 'user_data', 'key_name'] },
      });
      // SSH for Ansible and outbound for images; SV2/V1 on this address are refused (group above).
      const ip = new Eip(this, `${hid}_ip`, {
        domain: 'vpc',
        instance: host.id,
        dependsOn: [net.internetGateway],
        tags: named(`pool-${i}-ip`),
      });
      pools.push(host);
      this.poolPublicIps.push(ip.publicIp);
      this.poolPrivateIps.push(host.privateIp);
    }

    const lb = new Lb(this, 'lb', {
      name: `${name}-lb`.slice(0, 32).replace(/-+$/, ''),
      loadBalancerType: 'network',
      internal: false,
      subnets: [net.subnet.id],
      securityGroups: [lbSg.id],
      tags: named('lb'),
    });
    for (const [p, port] of lbPorts(spec)) {
      const tg = new LbTargetGroup(this, `${p}_targets`, {
        name: `${name}-${p}`.slice(0, 32).replace(/-+$/, ''),
        port: port,
        protocol: 'TCP',
        vpcId: net.vpc.id,
        targetType: 'instance',
        // Miners' own addresses reach the pool (its per-IP limits need them).
        preserveClientIp: 'true',
        healthCheck: { protocol: 'TCP', port: 'traffic-port' },
        tags: named(p),
      });
      new LbListener(this, `${p}_listener`, {
        loadBalancerArn: lb.arn,
        port: port,
        protocol: 'TCP',
        defaultAction: [{ type: 'forward', targetGroupArn: tg.arn }],
      });
      pools.forEach((host, i) => {
        new LbTargetGroupAttachment(this, `${poolHostId(i)}_${p}`, {
          targetGroupArn: tg.arn,
          targetId: host.id,
          port: port,
        });
      });
    }

    // RDS needs a subnet group spanning two zones: a private subnet in another zone (no route
    // to the internet; the database is never public).
    const second = new Subnet(this, 'db_subnet_b', {
      vpcId: net.vpc.id,
      cidrBlock: CLUSTER_NETWORK.secondSubnetCidr,
      availabilityZone: Fn.element(Fn.sort(Fn.setsubtract(net.zoneNames, [net.zone])), 0) as string,
      mapPublicIpOnLaunch: false,
      tags: named('db'),
      lifecycle: { ignoreChanges: ['availability_zone'] },
    });
    const subnets = new DbSubnetGroup(this, 'db_subnets', {
      name: `${name}-ledger`,
      subnetIds: [net.subnet.id, second.id],
      tags: named('ledger'),
    });
    const db = new DbInstance(this, 'ledger', {
      identifier: `${name}-ledger`,
      engine: LEDGER_DB.engine,
      engineVersion: LEDGER_DB.engineVersion,
      instanceClass: LEDGER_DB.instanceClass,
      allocatedStorage: LEDGER_DB.storageGb,
      storageType: 'gp3',
      storageEncrypted: true,
      dbName: LEDGER_DB.name,
      username: LEDGER_DB.user,
      // RDS generates the password and keeps it in Secrets Manager: never in state or outputs.
      manageMasterUserPassword: true,
      dbSubnetGroupName: subnets.name,
      vpcSecurityGroupIds: [dbSg.id],
      publiclyAccessible: false,
      backupRetentionPeriod: 7,
      // The ledger is the pool's accounting: `down` leaves a final snapshot behind.
      skipFinalSnapshot: false,
      finalSnapshotIdentifier: `${name}-ledger-final`,
      autoMinorVersionUpgrade: true,
      tags: named('ledger'),
    });

    this.lbAddress = lb.dnsName;
    this.nodePrivateIp = net.privateIp;
    this.databaseHost = db.address;
    this.databaseSecretArn = db.masterUserSecret.get(0).secretArn;
  }
}

export const createAwsPoolCluster: PoolClusterFactory = (scope, id, spec, node: PoolHost) => {
  if (!(node instanceof AwsPoolHost)) throw new Error('an AWS cluster needs the AWS node host');
  return new AwsPoolCluster(scope, id, spec, node);
};
