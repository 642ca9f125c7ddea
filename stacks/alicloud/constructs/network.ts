/** Each deployment gets a VPC of its own; only the rules of its security group open ports. */
import type { Construct, TerraformMetaArguments } from '../../cdk.js';
import { AlicloudResource, type Tags } from './provider.js';

export interface VpcConfig {
  vpcName: string;
  cidrBlock: string;
  description?: string;
  tags?: Tags;
}
export class AlicloudVpc extends AlicloudResource<VpcConfig> {
  static readonly tfResourceType = 'alicloud_vpc';
  constructor(scope: Construct, id: string, config: VpcConfig & TerraformMetaArguments) {
    super(scope, id, AlicloudVpc.tfResourceType, config);
  }
}

export interface VswitchConfig {
  vswitchName: string;
  vpcId: string;
  cidrBlock: string;
  zoneId: string;
  description?: string;
  tags?: Tags;
}
export class AlicloudVswitch extends AlicloudResource<VswitchConfig> {
  static readonly tfResourceType = 'alicloud_vswitch';
  constructor(scope: Construct, id: string, config: VswitchConfig & TerraformMetaArguments) {
    super(scope, id, AlicloudVswitch.tfResourceType, config);
  }
}

export interface SecurityGroupConfig {
  securityGroupName: string;
  /** Required in practice: without it the group is a classic-network group. */
  vpcId: string;
  description?: string;
  securityGroupType?: 'normal' | 'enterprise';
  innerAccessPolicy?: 'Accept' | 'Drop';
  tags?: Tags;
}
export class AlicloudSecurityGroup extends AlicloudResource<SecurityGroupConfig> {
  static readonly tfResourceType = 'alicloud_security_group';
  constructor(scope: Construct, id: string, config: SecurityGroupConfig & TerraformMetaArguments) {
    super(scope, id, AlicloudSecurityGroup.tfResourceType, config);
  }
}

export interface SecurityGroupRuleConfig {
  securityGroupId: string;
  type: 'ingress' | 'egress';
  ipProtocol: 'tcp' | 'udp' | 'icmp' | 'icmpv6' | 'gre' | 'all';
  /** "from/to", e.g. "3333/3333"; "-1/-1" only for icmp/gre/all. */
  portRange: string;
  cidrIp?: string;
  ipv6CidrIp?: string;
  /** Instead of a CIDR: members of this security group (the pool hosts, the node host). */
  sourceSecurityGroupId?: string;
  policy?: 'accept' | 'drop';
  priority?: number;
  description?: string;
}
export class AlicloudSecurityGroupRule extends AlicloudResource<
  SecurityGroupRuleConfig & { nicType: 'intranet' }
> {
  static readonly tfResourceType = 'alicloud_security_group_rule';
  constructor(scope: Construct, id: string, config: SecurityGroupRuleConfig & TerraformMetaArguments) {
    // A VPC security group only takes intranet rules ("internet" fails at apply: 2020 bug F13).
    super(scope, id, AlicloudSecurityGroupRule.tfResourceType, { ...config, nicType: 'intranet' });
  }
}
