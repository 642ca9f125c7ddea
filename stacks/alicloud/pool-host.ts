/**
 * Alibaba Cloud implementation of `PoolHost`: its own VPC and vSwitch in a zone that sells the
 * chosen instance type with ESSD disks, a VPC security group with one intranet rule per port and
 * CIDR, the operator's key, a Debian 12 ECS instance (hardened metadata, encrypted ESSD system
 * disk, no public IP of its own) and an EIP bound to it.
 */
import { Construct, Fn } from '../cdk.js';
import { cloudInit, HOST_NETWORK, ingressRules, type PoolHost, ruleId, tags } from '../pool-host.js';
import { isIpv6Cidr, type PoolHostSpec, sizeProfile, sshKeyType } from '../spec.js';
import {
  AlicloudEcsKeyPair,
  AlicloudEipAddress,
  AlicloudEipAssociation,
  AlicloudInstance,
} from './constructs/compute.js';
import {
  DataAlicloudImages,
  DataAlicloudInstances,
  DataAlicloudInstanceTypes,
  DataAlicloudZones,
} from './constructs/data.js';
import {
  AlicloudSecurityGroup,
  AlicloudSecurityGroupRule,
  AlicloudVpc,
  AlicloudVswitch,
} from './constructs/network.js';
import { AlicloudProvider } from './constructs/provider.js';
import { AlicloudPlacement, alicloudCandidates } from './market.js';

export const SYSTEM_DISK = 'cloud_essd';
/** EIP peak bandwidth (Mbit/s). Billed by traffic, so the cap costs nothing by itself. */
export const EIP_BANDWIDTH_MBPS = '100';

/** Arm (Yitian / Ampere) families end their generation with 'y' or 'r': g8y, c8y, g6r. */
export function alicloudArchitecture(instanceType: string): 'arm64' | 'x86_64' {
  return /^ecs\.[a-z]+\d+[a-z]*[yr]\./.test(instanceType) ? 'arm64' : 'x86_64';
}

/** ECS imports RSA, DSA and ECDSA public keys, not Ed25519; those reach the user via cloud-init only. */
export function alicloudAcceptsKey(key: string): boolean {
  const t = sshKeyType(key);
  return t === 'ssh-rsa' || t.startsWith('ecdsa-');
}

/** What the pool hosts of a cluster (stacks/alicloud/pool-cluster.ts) share with the node host. */
export interface AlicloudHostNetwork {
  readonly vpc: AlicloudVpc;
  readonly vswitch: AlicloudVswitch;
  readonly securityGroup: AlicloudSecurityGroup;
  readonly key: AlicloudEcsKeyPair | undefined;
  readonly keyName: string;
  readonly imageId: string;
  readonly instanceType: string;
  readonly zoneId: string;
  /** Zones where a vSwitch and ESSD disks can be created (the NLB's second zone comes from here). */
  readonly zoneIds: string[];
  readonly privateIp: string;
}

export class AlicloudPoolHost extends Construct implements PoolHost {
  readonly publicIp: string;
  readonly sshUser: string;
  readonly instanceId: string;
  readonly network: AlicloudHostNetwork;

  constructor(scope: Construct, id: string, spec: PoolHostSpec) {
    super(scope, id);
    const name = spec.name;
    const labels = tags(spec);

    new AlicloudProvider(this, 'alicloud', { region: spec.region });

    // The type and zone come from what the region sells at plan time: the first of the size's
    // fallback types (or the one type the config names) that is on sale with ESSD disks in a
    // zone that takes a vSwitch, so the VM never lands in a zone without its type (2020 bug F12).
    // No vCPU/RAM filter on the data source: with one, the API call itself fails when that shape
    // is sold out everywhere, and a failing data source would fail `down` too.
    const profile = sizeProfile(spec.instanceSize);
    const candidates = alicloudCandidates(spec.instanceSize);
    const types = new DataAlicloudInstanceTypes(this, 'types', {
      ...(profile ? {} : { instanceType: spec.instanceSize }),
      systemDiskCategory: SYSTEM_DISK,
      networkType: 'Vpc',
      instanceChargeType: 'PostPaid',
    });
    const zones = new DataAlicloudZones(this, 'zones', {
      availableResourceCreation: 'VSwitch',
      availableDiskCategory: SYSTEM_DISK,
    });
    const hosts = new DataAlicloudInstances(this, 'current', {
      instanceName: `${name}-host`,
      tags: { Project: labels.Project, ManagedBy: labels.ManagedBy },
    });
    const placement = new AlicloudPlacement(this, 'market', {
      instanceSize: spec.instanceSize,
      region: spec.region,
      candidates,
      typesAddress: types.fqn,
      zonesAddress: zones.fqn,
      hostsAddress: hosts.fqn,
    });
    const instanceType = placement.instanceType;
    const arch = profile ? 'x86_64' : alicloudArchitecture(spec.instanceSize);
    // Debian 12, what the Ansible e2e runs the role on (system images: debian_12_<n>_x64_20G_alibase_…).
    const image = new DataAlicloudImages(this, 'debian', {
      owners: 'system',
      nameRegex: `^debian_12_\\d+_${arch === 'arm64' ? 'arm64' : 'x64'}_`,
      mostRecent: true,
      architecture: arch,
      osType: 'linux',
    });

    const imageId = Fn.element(image.ids, 0) as string;
    const vpc = new AlicloudVpc(this, 'vpc', {
      vpcName: `${name}-vpc`,
      cidrBlock: HOST_NETWORK.vpcCidr,
      description: 'ckb-pool-deploy network',
      tags: labels,
    });
    const vswitch = new AlicloudVswitch(this, 'vswitch', {
      vswitchName: `${name}-public`,
      vpcId: vpc.id,
      cidrBlock: HOST_NETWORK.subnetCidr,
      zoneId: placement.zoneId,
      tags: labels,
      // A running host's zone is kept by the choice already; this also covers a host whose type
      // left its size. A new zone would replace the vSwitch, the instance and its chain disk.
      lifecycle: { ignoreChanges: ['zone_id'] },
    });

    const sg = new AlicloudSecurityGroup(this, 'sg', {
      securityGroupName: `${name}-sg`,
      vpcId: vpc.id,
      description: 'ckb-pool: SV2, V1 and CKB P2P public; SSH from admin CIDRs only',
      securityGroupType: 'normal',
      innerAccessPolicy: 'Drop',
      tags: labels,
    });
    for (const rule of ingressRules(spec)) {
      new AlicloudSecurityGroupRule(this, ruleId(rule), {
        securityGroupId: sg.id,
        type: 'ingress',
        ipProtocol: 'tcp',
        portRange: `${rule.port}/${rule.port}`,
        ...(isIpv6Cidr(rule.cidr) ? { ipv6CidrIp: rule.cidr } : { cidrIp: rule.cidr }),
        policy: 'accept',
        priority: 1,
        description: rule.description,
      });
    }
    new AlicloudSecurityGroupRule(this, 'egress_all', {
      securityGroupId: sg.id,
      type: 'egress',
      ipProtocol: 'all',
      portRange: '-1/-1',
      cidrIp: '0.0.0.0/0',
      policy: 'accept',
      priority: 1,
      description: 'All outbound',
    });

    const keyName = `${name}-operator`;
    const key = alicloudAcceptsKey(spec.sshPublicKey)
      ? new AlicloudEcsKeyPair(this, 'key', {
          keyPairName: keyName,
          publicKey: spec.sshPublicKey,
          tags: labels,
        })
      : undefined;

    const instance = new AlicloudInstance(this, 'host', {
      instanceName: `${name}-host`,
      hostName: `${name}-host`,
      imageId, // most_recent sorts newest first
      instanceType,
      vswitchId: vswitch.id,
      securityGroups: [sg.id],
      // The literal name (plus depends_on): rotating the key replaces only the key pair.
      ...(key ? { keyName, dependsOn: [key] } : {}),
      userData: cloudInit(spec),
      systemDiskCategory: SYSTEM_DISK,
      systemDiskSize: spec.diskGb,
      systemDiskPerformanceLevel: 'PL0',
      systemDiskEncrypted: true,
      internetMaxBandwidthOut: 0,
      instanceChargeType: 'PostPaid',
      httpTokens: 'required',
      httpEndpoint: 'enabled',
      securityEnhancementStrategy: 'Active',
      tags: labels,
      volumeTags: labels,
      // Since 1.289 a new image_id re-images the system disk, which holds the chain: a newer
      // Debian build must never do that on a routine apply. user_data only acts on first boot.
      lifecycle: { ignoreChanges: ['image_id', 'user_data'], precondition: [placement.precondition] },
    });

    const eip = new AlicloudEipAddress(this, 'ip', {
      addressName: `${name}-ip`,
      paymentType: 'PayAsYouGo',
      internetChargeType: 'PayByTraffic',
      bandwidth: EIP_BANDWIDTH_MBPS,
      isp: 'BGP',
      tags: labels,
    });
    new AlicloudEipAssociation(this, 'ip_assoc', { allocationId: eip.id, instanceId: instance.id });

    this.publicIp = eip.ipAddress;
    this.sshUser = spec.sshUser;
    this.instanceId = instance.id;
    this.network = {
      vpc,
      vswitch,
      securityGroup: sg,
      key,
      keyName,
      imageId,
      instanceType,
      zoneId: placement.zoneId,
      zoneIds: zones.ids,
      privateIp: instance.privateIp,
    };
  }
}

export const createAlicloudPoolHost = (scope: Construct, id: string, spec: PoolHostSpec): PoolHost =>
  new AlicloudPoolHost(scope, id, spec);
