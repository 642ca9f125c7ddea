/**
 * Network load balancer blocks, only for several pool hosts (pool-cluster.ts). Their nested
 * blocks are snake-cased here because the base class converts top-level keys only.
 */
import type { Construct, TerraformMetaArguments } from '../../cdk.js';
import { AlicloudResource, snakeCase, type Tags } from './provider.js';

/** One zone of a network load balancer: its vSwitch there (an NLB needs two zones). */
export interface NlbZoneMapping {
  zoneId: string;
  vswitchId: string;
}
export interface NlbLoadBalancerConfig {
  loadBalancerName: string;
  loadBalancerType: 'Network';
  addressType: 'Internet' | 'Intranet';
  addressIpVersion: 'Ipv4' | 'DualStack';
  vpcId: string;
  zoneMappings: NlbZoneMapping[];
  securityGroupIds?: string[];
  tags?: Tags;
}
/** NLB (alicloud_nlb_load_balancer): the blocks of `zone_mappings` go out in snake_case. */
export class AlicloudNlbLoadBalancer extends AlicloudResource<Record<string, unknown>> {
  static readonly tfResourceType = 'alicloud_nlb_load_balancer';
  constructor(scope: Construct, id: string, config: NlbLoadBalancerConfig & TerraformMetaArguments) {
    const { zoneMappings, ...rest } = config;
    super(scope, id, AlicloudNlbLoadBalancer.tfResourceType, {
      ...rest,
      zoneMappings: zoneMappings.map((z) => ({ zone_id: z.zoneId, vswitch_id: z.vswitchId })),
    });
  }
  get dnsName(): string {
    return this.getStringAttribute('dns_name');
  }
}

export interface NlbServerGroupConfig {
  serverGroupName: string;
  serverGroupType: 'Instance' | 'Ip';
  protocol: 'TCP';
  vpcId: string;
  scheduler?: 'Wrr' | 'Rr' | 'Qch' | 'Tch' | 'Sch' | 'Wlc';
  preserveClientIpEnabled?: boolean;
  connectionDrainEnabled?: boolean;
  connectionDrainTimeout?: number;
  healthCheck?: { healthCheckEnabled: boolean; healthCheckType: 'TCP'; healthCheckConnectPort?: number };
  tags?: Tags;
}
export class AlicloudNlbServerGroup extends AlicloudResource<Record<string, unknown>> {
  static readonly tfResourceType = 'alicloud_nlb_server_group';
  constructor(scope: Construct, id: string, config: NlbServerGroupConfig & TerraformMetaArguments) {
    const { healthCheck, ...rest } = config;
    super(scope, id, AlicloudNlbServerGroup.tfResourceType, {
      ...rest,
      ...(healthCheck
        ? {
            healthCheck: [Object.fromEntries(Object.entries(healthCheck).map(([k, v]) => [snakeCase(k), v]))],
          }
        : {}),
    });
  }
}

export interface NlbListenerConfig {
  loadBalancerId: string;
  serverGroupId: string;
  listenerProtocol: 'TCP';
  listenerPort: number;
  listenerDescription?: string;
  /** Seconds a silent connection is kept; miners send shares far more often. */
  idleTimeout?: number;
}
export class AlicloudNlbListener extends AlicloudResource<NlbListenerConfig> {
  static readonly tfResourceType = 'alicloud_nlb_listener';
  constructor(scope: Construct, id: string, config: NlbListenerConfig & TerraformMetaArguments) {
    super(scope, id, AlicloudNlbListener.tfResourceType, config);
  }
}

export interface NlbServerAttachmentConfig {
  serverGroupId: string;
  serverId: string;
  serverType: 'Ecs';
  port: number;
  weight?: number;
}
export class AlicloudNlbServerGroupServerAttachment extends AlicloudResource<NlbServerAttachmentConfig> {
  static readonly tfResourceType = 'alicloud_nlb_server_group_server_attachment';
  constructor(scope: Construct, id: string, config: NlbServerAttachmentConfig & TerraformMetaArguments) {
    super(scope, id, AlicloudNlbServerGroupServerAttachment.tfResourceType, config);
  }
}
