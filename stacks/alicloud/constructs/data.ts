/**
 * Data sources, read at plan time: what the region sells (market.ts picks a type and zone from
 * it), the Debian image, and the host already running (so it keeps its type).
 */
import type { Construct } from '../../cdk.js';
import { AlicloudDataSource, type Tags } from './provider.js';

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
