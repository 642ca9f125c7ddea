/**
 * AWS implementation of `PoolHost`: its own VPC (never the default one), one public subnet in a
 * zone that offers the instance type, an internet gateway and route, a security group whose
 * rules are separate `aws_vpc_security_group_*_rule` resources, the operator's key, a Debian 12
 * instance (IMDSv2 required, encrypted gp3 root) and an Elastic IP.
 *
 * Submodule imports only: loading the whole `@cdktf/provider-aws` index costs seconds.
 */

import { DataAwsAmi } from '@cdktf/provider-aws/lib/data-aws-ami/index.js';
import { DataAwsAvailabilityZones } from '@cdktf/provider-aws/lib/data-aws-availability-zones/index.js';
import { DataAwsEc2InstanceTypeOfferings } from '@cdktf/provider-aws/lib/data-aws-ec2-instance-type-offerings/index.js';
import { Eip } from '@cdktf/provider-aws/lib/eip/index.js';
import { Instance } from '@cdktf/provider-aws/lib/instance/index.js';
import { InternetGateway } from '@cdktf/provider-aws/lib/internet-gateway/index.js';
import { KeyPair } from '@cdktf/provider-aws/lib/key-pair/index.js';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider/index.js';
import { Route } from '@cdktf/provider-aws/lib/route/index.js';
import { RouteTable } from '@cdktf/provider-aws/lib/route-table/index.js';
import { RouteTableAssociation } from '@cdktf/provider-aws/lib/route-table-association/index.js';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group/index.js';
import { Subnet } from '@cdktf/provider-aws/lib/subnet/index.js';
import { Vpc } from '@cdktf/provider-aws/lib/vpc/index.js';
import { VpcSecurityGroupEgressRule } from '@cdktf/provider-aws/lib/vpc-security-group-egress-rule/index.js';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule/index.js';
import { Construct, Fn, TerraformStack } from '../cdk.js';
import { cloudInit, HOST_NETWORK, ingressRules, type PoolHost, ruleId, tags } from '../pool-host.js';
import type { SizeName } from '../profile.js';
import { isIpv6Cidr, type PoolHostSpec, sshKeyType } from '../spec.js';
import { AWS_PROFILE } from './profile.js';

/**
 * The Debian project's AWS account: the publisher of official Debian AMIs. Debian 12 is what
 * the Ansible e2e runs the role on (a debootstrapped bookworm host), so it is what we boot.
 */
export const DEBIAN_OWNER = '136693071363';

function awsInstanceType(spec: PoolHostSpec): string {
  const size = spec.instanceSize as SizeName;
  return Object.hasOwn(AWS_PROFILE.instanceType.forSize, size)
    ? AWS_PROFILE.instanceType.forSize[size][0]
    : spec.instanceSize;
}

/** Graviton families carry a 'g' after the generation digit (t4g, m7g, c7gn): they need arm64 images. */
export function awsArchitecture(instanceType: string): 'arm64' | 'x86_64' {
  return /^[a-z]+\d+g[a-z]*\./.test(instanceType) ? 'arm64' : 'x86_64';
}

/** EC2 key pairs accept RSA and Ed25519 only; other keys still reach the user through cloud-init. */
export function awsAcceptsKey(key: string): boolean {
  return ['ssh-rsa', 'ssh-ed25519'].includes(sshKeyType(key));
}

/** What the pool hosts of a cluster (stacks/aws/pool-cluster.ts) share with the node host. */
export interface AwsHostNetwork {
  readonly vpc: Vpc;
  readonly subnet: Subnet;
  readonly securityGroup: SecurityGroup;
  readonly internetGateway: InternetGateway;
  readonly key: KeyPair | undefined;
  readonly keyName: string;
  readonly amiId: string;
  readonly instanceType: string;
  readonly zone: string;
  readonly zoneNames: string[];
  readonly privateIp: string;
}

export class AwsPoolHost extends Construct implements PoolHost {
  readonly publicIp: string;
  readonly sshUser: string;
  readonly instanceId: string;
  readonly network: AwsHostNetwork;

  constructor(scope: Construct, id: string, spec: PoolHostSpec) {
    super(scope, id);
    const name = spec.name;
    const type = awsInstanceType(spec);
    const arch = awsArchitecture(type);
    const named = (suffix: string) => ({ Name: `${name}-${suffix}` });

    new AwsProvider(this, 'aws', { region: spec.region, defaultTags: [{ tags: tags(spec) }] });
    // The binding emits the short form "aws"; spell the registry address out for readers and tools.
    TerraformStack.of(this).addOverride('terraform.required_providers.aws.source', 'hashicorp/aws');

    const zones = new DataAwsAvailabilityZones(this, 'zones', {
      state: 'available',
      filter: [{ name: 'opt-in-status', values: ['opt-in-not-required'] }],
    });
    // Only zones that sell this type: the first one (sorted, so plans are stable) hosts the subnet.
    const offerings = new DataAwsEc2InstanceTypeOfferings(this, 'type_zones', {
      locationType: 'availability-zone',
      filter: [
        { name: 'instance-type', values: [type] },
        { name: 'location', values: zones.names },
      ],
    });
    const zone = Fn.element(Fn.sort(offerings.locations), 0) as string;

    const ami = new DataAwsAmi(this, 'debian', {
      mostRecent: true,
      owners: [DEBIAN_OWNER],
      filter: [
        { name: 'name', values: [`debian-12-${arch === 'arm64' ? 'arm64' : 'amd64'}-*`] },
        { name: 'architecture', values: [arch] },
        { name: 'virtualization-type', values: ['hvm'] },
        { name: 'root-device-type', values: ['ebs'] },
      ],
    });

    const vpc = new Vpc(this, 'vpc', {
      cidrBlock: HOST_NETWORK.vpcCidr,
      enableDnsSupport: true,
      enableDnsHostnames: true,
      tags: named('vpc'),
    });
    const subnet = new Subnet(this, 'subnet', {
      vpcId: vpc.id,
      cidrBlock: HOST_NETWORK.subnetCidr,
      availabilityZone: zone,
      mapPublicIpOnLaunch: false, // the Elastic IP is the host's only public address
      tags: named('public'),
      // The zone list is re-read on every plan; a zone that starts selling the type later must
      // not move the subnet, which would replace the instance and its chain disk.
      lifecycle: { ignoreChanges: ['availability_zone'] },
    });
    const igw = new InternetGateway(this, 'igw', { vpcId: vpc.id, tags: named('igw') });
    const routes = new RouteTable(this, 'routes', { vpcId: vpc.id, tags: named('public') });
    new Route(this, 'default_route', {
      routeTableId: routes.id,
      destinationCidrBlock: '0.0.0.0/0',
      gatewayId: igw.id,
    });
    new RouteTableAssociation(this, 'public_routes', { routeTableId: routes.id, subnetId: subnet.id });

    const sg = new SecurityGroup(this, 'sg', {
      name: `${name}-sg`.replace(/^sg-/, 'pool-sg-'), // EC2 reserves the sg- prefix
      description: 'ckb-pool: SV2, V1 and CKB P2P public; SSH from admin CIDRs only',
      vpcId: vpc.id,
      tags: named('sg'),
      // The name derives from the project and is ForceNew. The instance holds the group, so
      // deleting the old one first would fail (DependencyViolation): create the new one first.
      lifecycle: { createBeforeDestroy: true },
    });
    for (const rule of ingressRules(spec)) {
      new VpcSecurityGroupIngressRule(this, ruleId(rule), {
        securityGroupId: sg.id,
        ipProtocol: 'tcp',
        fromPort: rule.port,
        toPort: rule.port,
        ...(isIpv6Cidr(rule.cidr) ? { cidrIpv6: rule.cidr } : { cidrIpv4: rule.cidr }),
        description: rule.description,
      });
    }
    // A security group made by Terraform has no egress at all; the node needs peers, apt and images.
    new VpcSecurityGroupEgressRule(this, 'egress_all', {
      securityGroupId: sg.id,
      ipProtocol: '-1',
      cidrIpv4: '0.0.0.0/0',
      description: 'All outbound',
    });

    const keyName = `${name}-operator`;
    const key = awsAcceptsKey(spec.sshPublicKey)
      ? new KeyPair(this, 'key', { keyName, publicKey: spec.sshPublicKey })
      : undefined;

    const instance = new Instance(this, 'host', {
      ami: ami.id,
      instanceType: type,
      subnetId: subnet.id,
      vpcSecurityGroupIds: [sg.id],
      // The literal name (plus depends_on), not key.keyName: a rotated key replaces the key pair,
      // and an unknown key_name at plan time would replace the instance and its chain disk.
      ...(key ? { keyName, dependsOn: [key] } : {}),
      // No associatePublicIpAddress: with the EIP attached the provider reads it back as true,
      // and the argument is ForceNew, so setting it replaced the VM (and its chain disk) on
      // every later apply (hashicorp/terraform-provider-aws#37318). The subnet maps no public
      // address on launch; the EIP is the only public address.
      userData: cloudInit(spec),
      metadataOptions: {
        httpEndpoint: 'enabled',
        httpTokens: 'required', // IMDSv2 only
        httpPutResponseHopLimit: 1, // containers on the host cannot reach instance credentials
      },
      rootBlockDevice: {
        volumeType: 'gp3',
        volumeSize: spec.diskGb,
        encrypted: true,
        deleteOnTermination: true,
      },
      tags: named('host'),
      // A newer Debian AMI would replace the instance and its root volume, which holds the
      // chain: routine applies keep the running image. user_data and the key pair only act at
      // launch (EC2 cannot change a running instance's key), and key_name is ForceNew: a new key
      // or a renamed project is Ansible's job, not a reason to rebuild the host.
      lifecycle: { ignoreChanges: ['ami', 'user_data', 'key_name'] },
    });

    const eip = new Eip(this, 'ip', {
      domain: 'vpc',
      instance: instance.id,
      dependsOn: [igw],
      tags: named('ip'),
    });

    this.publicIp = eip.publicIp;
    this.sshUser = spec.sshUser;
    this.instanceId = instance.id;
    this.network = {
      vpc,
      subnet,
      securityGroup: sg,
      internetGateway: igw,
      key,
      keyName,
      amiId: ami.id,
      instanceType: type,
      zone,
      zoneNames: zones.names,
      privateIp: instance.privateIp,
    };
  }
}

export const createAwsPoolHost = (scope: Construct, id: string, spec: PoolHostSpec): PoolHost =>
  new AwsPoolHost(scope, id, spec);
