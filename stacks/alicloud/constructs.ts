/**
 * Hand-written bindings for exactly the aliyun/alicloud provider blocks the pool uses. No
 * prebuilt cdktf package exists for this provider, so each block is a small typed class that
 * emits snake_case Terraform JSON itself. Only current argument names (provider 1.289) appear in
 * the config types; `schema.test.ts` checks every emitted block against the provider's schema.
 */
import {
  booleanToHclTerraform,
  type Construct,
  hashMapperHcl,
  listMapperHcl,
  numberToHclTerraform,
  stringToHclTerraform,
  TerraformDataSource,
  type TerraformMetaArguments,
  TerraformProvider,
  TerraformResource,
} from '../cdk.js';

export const ALICLOUD_PROVIDER_SOURCE = 'aliyun/alicloud';
export const ALICLOUD_PROVIDER_VERSION = '~> 1.289';
const generator = { providerName: 'alicloud', providerVersionConstraint: ALICLOUD_PROVIDER_VERSION };

type Tags = Record<string, string>;

/** camelCase config key → the provider's snake_case argument (`vpcName` → `vpc_name`). */
export function snakeCase(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** Top-level keys to snake_case, undefined values dropped; values (tag maps) stay as given. */
function toArguments(config: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(config)) if (v !== undefined) out[snakeCase(k)] = v;
  return out;
}

/**
 * The same arguments in the typed form `cdktf synth --hcl` renders. Our configs hold only
 * scalars, string lists and string maps (tags).
 */
function toHclArguments(config: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(toArguments(config))) {
    if (typeof v === 'number') {
      out[k] = { value: numberToHclTerraform(v), isBlock: false, type: 'simple', storageClassType: 'number' };
    } else if (typeof v === 'boolean') {
      out[k] = {
        value: booleanToHclTerraform(v),
        isBlock: false,
        type: 'simple',
        storageClassType: 'boolean',
      };
    } else if (Array.isArray(v)) {
      const value = listMapperHcl(stringToHclTerraform, false)(v);
      out[k] = { value, isBlock: false, type: 'list', storageClassType: 'stringList' };
    } else if (typeof v === 'object' && v !== null) {
      const value = hashMapperHcl(stringToHclTerraform)(v);
      out[k] = { value, isBlock: false, type: 'map', storageClassType: 'stringMap' };
    } else {
      out[k] = { value: stringToHclTerraform(v), isBlock: false, type: 'simple', storageClassType: 'string' };
    }
  }
  return out;
}

export interface AlicloudProviderConfig {
  /** Always explicit: without it the provider silently falls back to cn-beijing. */
  region: string;
}

export class AlicloudProvider extends TerraformProvider {
  static readonly tfResourceType = 'alicloud';
  constructor(
    scope: Construct,
    id: string,
    private readonly config: AlicloudProviderConfig,
  ) {
    super(scope, id, {
      terraformResourceType: 'alicloud',
      terraformGeneratorMetadata: generator,
      terraformProviderSource: ALICLOUD_PROVIDER_SOURCE,
    });
  }
  protected override synthesizeAttributes(): Record<string, unknown> {
    return toArguments(this.config);
  }
  protected override synthesizeHclAttributes(): Record<string, unknown> {
    return toHclArguments(this.config);
  }
}

type Defined<T> = { [K in keyof T]?: Exclude<T[K], undefined> };

/** The entries of `o` whose value is defined, so an argument never given stays absent. */
function pickDefined<T extends object>(o: T): Defined<T> {
  const out: Defined<T> = {};
  for (const k of Object.keys(o) as (keyof T)[]) {
    const v = o[k];
    if (v !== undefined) out[k] = v as Exclude<T[keyof T], undefined>;
  }
  return out;
}

/** Base for resources: typed config in, snake_case arguments out. */
abstract class AlicloudResource<C extends object> extends TerraformResource {
  constructor(scope: Construct, id: string, type: string, config: C & TerraformMetaArguments) {
    const { dependsOn, count, provider, lifecycle, forEach, provisioners, connection, ...args } = config;
    // The meta-arguments the resource was given (an absent one stays absent).
    super(scope, id, {
      ...pickDefined({ dependsOn, count, provider, lifecycle, forEach, provisioners, connection }),
      terraformResourceType: type,
      terraformGeneratorMetadata: generator,
    });
    this.args = args;
  }
  private readonly args: object;
  protected override synthesizeAttributes(): Record<string, unknown> {
    return toArguments(this.args);
  }
  protected override synthesizeHclAttributes(): Record<string, unknown> {
    return toHclArguments(this.args);
  }
  get id(): string {
    return this.getStringAttribute('id');
  }
}

abstract class AlicloudDataSource<C extends object> extends TerraformDataSource {
  constructor(
    scope: Construct,
    id: string,
    type: string,
    private readonly args: C,
  ) {
    super(scope, id, { terraformResourceType: type, terraformGeneratorMetadata: generator });
  }
  protected override synthesizeAttributes(): Record<string, unknown> {
    return toArguments(this.args);
  }
  protected override synthesizeHclAttributes(): Record<string, unknown> {
    return toHclArguments(this.args);
  }
  get ids(): string[] {
    return this.getListAttribute('ids');
  }
}

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

export interface EcsKeyPairConfig {
  keyPairName: string;
  /** OpenSSH public key to import (never let the API generate one: the private key lands in state). */
  publicKey: string;
  tags?: Tags;
}
export class AlicloudEcsKeyPair extends AlicloudResource<EcsKeyPairConfig> {
  static readonly tfResourceType = 'alicloud_ecs_key_pair';
  constructor(scope: Construct, id: string, config: EcsKeyPairConfig & TerraformMetaArguments) {
    super(scope, id, AlicloudEcsKeyPair.tfResourceType, config);
  }
  get keyPairName(): string {
    return this.getStringAttribute('key_pair_name');
  }
}

export interface InstanceConfig {
  instanceName: string;
  hostName?: string;
  imageId: string;
  /** Must start with "ecs.". */
  instanceType: string;
  vswitchId: string;
  securityGroups: string[];
  /** Name of an `alicloud_ecs_key_pair` (the instance argument keeps the name key_name). */
  keyName?: string;
  userData?: string;
  systemDiskCategory: 'cloud_essd' | 'cloud_auto' | 'cloud_ssd' | 'cloud_efficiency';
  systemDiskSize: number;
  systemDiskPerformanceLevel?: 'PL0' | 'PL1' | 'PL2' | 'PL3';
  /** Always on: the types allow no unencrypted disk. */
  systemDiskEncrypted: true;
  /** 0 when an EIP gives the public address. */
  internetMaxBandwidthOut?: number;
  instanceChargeType?: 'PostPaid' | 'PrePaid';
  /** Security-hardened metadata mode (IMDSv2-style tokens); always required. */
  httpTokens: 'required';
  httpEndpoint?: 'enabled' | 'disabled';
  securityEnhancementStrategy?: 'Active' | 'Deactive';
  deletionProtection?: boolean;
  tags?: Tags;
  volumeTags?: Tags;
}
export class AlicloudInstance extends AlicloudResource<InstanceConfig> {
  static readonly tfResourceType = 'alicloud_instance';
  constructor(scope: Construct, id: string, config: InstanceConfig & TerraformMetaArguments) {
    super(scope, id, AlicloudInstance.tfResourceType, config);
  }
  get privateIp(): string {
    return this.getStringAttribute('private_ip');
  }
}

export interface EipAddressConfig {
  addressName: string;
  paymentType: 'PayAsYouGo' | 'Subscription';
  internetChargeType: 'PayByTraffic' | 'PayByBandwidth';
  /** Peak bandwidth in Mbit/s, as a string. */
  bandwidth: string;
  isp?: 'BGP' | 'BGP_PRO';
  description?: string;
  tags?: Tags;
}
export class AlicloudEipAddress extends AlicloudResource<EipAddressConfig> {
  static readonly tfResourceType = 'alicloud_eip_address';
  constructor(scope: Construct, id: string, config: EipAddressConfig & TerraformMetaArguments) {
    super(scope, id, AlicloudEipAddress.tfResourceType, config);
  }
  get ipAddress(): string {
    return this.getStringAttribute('ip_address');
  }
}

export interface EipAssociationConfig {
  allocationId: string;
  instanceId: string;
}
export class AlicloudEipAssociation extends AlicloudResource<EipAssociationConfig> {
  static readonly tfResourceType = 'alicloud_eip_association';
  constructor(scope: Construct, id: string, config: EipAssociationConfig & TerraformMetaArguments) {
    super(scope, id, AlicloudEipAssociation.tfResourceType, config);
  }
}

export interface ZonesConfig {
  availableResourceCreation?: 'VSwitch' | 'Instance' | 'Disk';
  availableInstanceType?: string;
  availableDiskCategory?: 'cloud_essd' | 'cloud_ssd' | 'cloud_efficiency';
}
export class DataAlicloudZones extends AlicloudDataSource<ZonesConfig> {
  static readonly tfResourceType = 'alicloud_zones';
  constructor(scope: Construct, id: string, config: ZonesConfig) {
    super(scope, id, DataAlicloudZones.tfResourceType, config);
  }
}

export interface ImagesConfig {
  owners: 'system' | 'self' | 'others' | 'marketplace';
  nameRegex: string;
  mostRecent?: boolean;
  architecture?: 'x86_64' | 'arm64';
  osType?: 'linux' | 'windows';
  instanceType?: string;
}
export class DataAlicloudImages extends AlicloudDataSource<ImagesConfig> {
  static readonly tfResourceType = 'alicloud_images';
  constructor(scope: Construct, id: string, config: ImagesConfig) {
    super(scope, id, DataAlicloudImages.tfResourceType, config);
  }
}

export interface InstanceTypesConfig {
  cpuCoreCount?: number;
  /** GiB. */
  memorySize?: number;
  instanceTypeFamily?: string;
  instanceType?: string;
  systemDiskCategory?: 'cloud_essd' | 'cloud_auto' | 'cloud_ssd' | 'cloud_efficiency';
  networkType?: 'Vpc';
  instanceChargeType?: 'PostPaid' | 'PrePaid';
  isOutdated?: boolean;
}
export class DataAlicloudInstanceTypes extends AlicloudDataSource<InstanceTypesConfig> {
  static readonly tfResourceType = 'alicloud_instance_types';
  constructor(scope: Construct, id: string, config: InstanceTypesConfig) {
    super(scope, id, DataAlicloudInstanceTypes.tfResourceType, config);
  }
}

export interface InstancesConfig {
  /** Exact instance name (DescribeInstances' InstanceName). */
  instanceName?: string;
  nameRegex?: string;
  /** Only instances carrying all of these tags. */
  tags?: Tags;
}
/** Existing instances: how the stack reads back the type and zone of the host it runs. */
export class DataAlicloudInstances extends AlicloudDataSource<InstancesConfig> {
  static readonly tfResourceType = 'alicloud_instances';
  constructor(scope: Construct, id: string, config: InstancesConfig) {
    super(scope, id, DataAlicloudInstances.tfResourceType, config);
  }
}

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
