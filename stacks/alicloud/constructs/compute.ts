/** ECS blocks. The instance has no public IP of its own: an EIP bound to it gives the address. */
import type { Construct, TerraformMetaArguments } from '../../cdk.js';
import { AlicloudResource, type Tags } from './provider.js';

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
