/**
 * Alibaba Cloud, several pool hosts: N pool ECS instances behind a network load balancer (NLB)
 * for the SV2 and V1 ports, and the single host (AlicloudPoolHost) as the node host they share.
 *
 * The ledger is PostgreSQL on the node host, started by the role with a password the deployer
 * generates beside the other secrets: ApsaraDB RDS can only be given its account password
 * through Terraform (`alicloud_rds_account.account_password`, or a KMS ciphertext of it), which
 * would put it in the state. Nothing secret is in this stack.
 *
 * The NLB does not preserve client addresses here: an ECS security group cannot name the NLB
 * as a source, so the pool hosts take SV2/V1 only from the VPC's own range (the NLB's
 * addresses) and direct connections to their public addresses are refused.
 */
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
import { cloudInit, HOST_NETWORK, type PoolHost, tags } from '../pool-host.js';
import { isIpv6Cidr, type PoolHostSpec } from '../spec.js';
import { AlicloudEipAddress, AlicloudEipAssociation, AlicloudInstance } from './constructs/compute.js';
import { AlicloudSecurityGroup, AlicloudSecurityGroupRule, AlicloudVswitch } from './constructs/network.js';
import {
  AlicloudNlbListener,
  AlicloudNlbLoadBalancer,
  AlicloudNlbServerGroup,
  AlicloudNlbServerGroupServerAttachment,
} from './constructs/nlb.js';
import { AlicloudPoolHost, EIP_BANDWIDTH_MBPS, SYSTEM_DISK } from './pool-host.js';

export class AlicloudPoolCluster extends Construct implements PoolCluster {
  readonly lbAddress: string;
  readonly nodePrivateIp: string;
  readonly poolPublicIps: string[] = [];
  readonly poolPrivateIps: string[] = [];
  readonly databaseHost: string;

  constructor(scope: Construct, id: string, spec: PoolHostSpec, node: AlicloudPoolHost) {
    super(scope, id);
    const net = node.network;
    const name = spec.name;
    const labels = tags(spec);

    const poolSg = new AlicloudSecurityGroup(this, 'pools_sg', {
      securityGroupName: `${name}-pools-sg`,
      vpcId: net.vpc.id,
      description: 'ckb-pool: SV2 and V1 via the load balancer; SSH from admin',
      securityGroupType: 'normal',
      innerAccessPolicy: 'Drop',
      tags: labels,
    });
    const allow = (
      rid: string,
      sgId: string,
      port: number,
      from: { cidr: string } | { sg: string },
      d: string,
    ) =>
      new AlicloudSecurityGroupRule(this, rid, {
        securityGroupId: sgId,
        type: 'ingress',
        ipProtocol: 'tcp',
        portRange: `${port}/${port}`,
        ...('sg' in from
          ? { sourceSecurityGroupId: from.sg }
          : isIpv6Cidr(from.cidr)
            ? { ipv6CidrIp: from.cidr }
            : { cidrIp: from.cidr }),
        policy: 'accept',
        priority: 1,
        description: d,
      });
    const lbSg = new AlicloudSecurityGroup(this, 'lb_sg', {
      securityGroupName: `${name}-lb-sg`,
      vpcId: net.vpc.id,
      description: 'ckb-pool: SV2 and V1 from miners to the load balancer',
      securityGroupType: 'normal',
      innerAccessPolicy: 'Drop',
      tags: labels,
    });
    // The NLB's group enforces publicCidrs; the pool hosts then trust only the VPC range.
    const groups = { lb: lbSg.id, pools: poolSg.id, node: net.securityGroup.id, db: net.securityGroup.id };
    const rules = clusterIngressRules(spec, { lbSource: { cidr: HOST_NETWORK.vpcCidr }, database: 'node' });
    for (const r of rules) {
      const from = 'cidr' in r.from ? r.from : { sg: groups[r.from.group] };
      allow(r.id, groups[r.group], r.port, from, r.description);
    }
    new AlicloudSecurityGroupRule(this, 'pools_egress', {
      securityGroupId: poolSg.id,
      type: 'egress',
      ipProtocol: 'all',
      portRange: '-1/-1',
      cidrIp: '0.0.0.0/0',
      policy: 'accept',
      priority: 1,
      description: 'All outbound',
    });

    const pools: AlicloudInstance[] = [];
    for (let i = 0; i < poolHostCount(spec); i++) {
      const hid = poolHostId(i);
      const host = new AlicloudInstance(this, hid, {
        instanceName: `${name}-pool-${i}`,
        hostName: `${name}-pool-${i}`,
        imageId: net.imageId,
        instanceType: net.instanceType,
        vswitchId: net.vswitch.id,
        securityGroups: [poolSg.id],
        ...(net.key ? { keyName: net.keyName, dependsOn: [net.key] } : {}),
        userData: cloudInit(spec),
        systemDiskCategory: SYSTEM_DISK,
        systemDiskSize: POOL_HOST_DISK_GB,
        systemDiskPerformanceLevel: 'PL0',
        systemDiskEncrypted: true,
        internetMaxBandwidthOut: 0,
        instanceChargeType: 'PostPaid',
        httpTokens: 'required',
        httpEndpoint: 'enabled',
        securityEnhancementStrategy: 'Active',
        tags: labels,
        volumeTags: labels,
        // The node host's market choice moves with the market; a running pool host keeps its type.
        lifecycle: { ignoreChanges: ['image_id', 'user_data', 'instance_type'] },
      });
      const ip = new AlicloudEipAddress(this, `${hid}_ip`, {
        addressName: `${name}-pool-${i}-ip`,
        paymentType: 'PayAsYouGo',
        internetChargeType: 'PayByTraffic',
        bandwidth: EIP_BANDWIDTH_MBPS,
        isp: 'BGP',
        tags: labels,
      });
      new AlicloudEipAssociation(this, `${hid}_ip_assoc`, { allocationId: ip.id, instanceId: host.id });
      pools.push(host);
      this.poolPublicIps.push(ip.ipAddress);
      this.poolPrivateIps.push(host.privateIp);
    }

    // An NLB spans two zones: a second vSwitch in the first other zone that takes one.
    const second = new AlicloudVswitch(this, 'lb_vswitch_b', {
      vswitchName: `${name}-lb-b`,
      vpcId: net.vpc.id,
      cidrBlock: CLUSTER_NETWORK.secondSubnetCidr,
      zoneId: Fn.element(Fn.sort(Fn.setsubtract(net.zoneIds, [net.zoneId])), 0) as string,
      tags: labels,
      lifecycle: { ignoreChanges: ['zone_id'] },
    });
    const lb = new AlicloudNlbLoadBalancer(this, 'lb', {
      loadBalancerName: `${name}-lb`,
      loadBalancerType: 'Network',
      addressType: 'Internet',
      addressIpVersion: 'Ipv4',
      vpcId: net.vpc.id,
      zoneMappings: [
        { zoneId: net.zoneId, vswitchId: net.vswitch.id },
        { zoneId: second.getStringAttribute('zone_id'), vswitchId: second.id },
      ],
      securityGroupIds: [lbSg.id],
      tags: labels,
    });
    for (const [p, port] of lbPorts(spec)) {
      const group = new AlicloudNlbServerGroup(this, `${p}_targets`, {
        serverGroupName: `${name}-${p}`,
        serverGroupType: 'Instance',
        protocol: 'TCP',
        vpcId: net.vpc.id,
        scheduler: 'Wrr',
        preserveClientIpEnabled: false,
        connectionDrainEnabled: true,
        connectionDrainTimeout: 60,
        healthCheck: { healthCheckEnabled: true, healthCheckType: 'TCP' },
        tags: labels,
      });
      new AlicloudNlbListener(this, `${p}_listener`, {
        loadBalancerId: lb.id,
        serverGroupId: group.id,
        listenerProtocol: 'TCP',
        listenerPort: port,
        listenerDescription: `${name} ${p}`,
        idleTimeout: 900,
      });
      pools.forEach((host, i) => {
        new AlicloudNlbServerGroupServerAttachment(this, `${poolHostId(i)}_${p}`, {
          serverGroupId: group.id,
          serverId: host.id,
          serverType: 'Ecs',
          port: port,
          weight: 100,
        });
      });
    }

    this.lbAddress = lb.dnsName;
    this.nodePrivateIp = net.privateIp;
    this.databaseHost = net.privateIp;
  }
}

export const createAlicloudPoolCluster: PoolClusterFactory = (scope, id, spec, node: PoolHost) => {
  if (!(node instanceof AlicloudPoolHost)) throw new Error('an Alibaba Cloud cluster needs its node host');
  return new AlicloudPoolCluster(scope, id, spec, node);
};
