import { describe, expect, it } from 'vitest';
import {
  baseConfig,
  fixtures,
  KEYS,
  only,
  specFor,
  synthJson,
  type TfJson,
} from '../../test/support/stack-fixtures.js';
import { specFromConfig } from '../spec.js';
import { awsAcceptsKey, awsArchitecture, DEBIAN_OWNER } from './pool-host.js';

const ref = (type: string, tf: TfJson, attr = 'id') =>
  `\${${type}.${Object.keys(tf.resource[type])[0]}.${attr}}`;

describe('the AWS pool host', () => {
  const spec = specFromConfig(baseConfig('aws'), KEYS.ed25519, 'aws');
  const tf = synthJson('aws', spec);
  const instance = only(tf, 'resource', 'aws_instance');

  it('pins hashicorp/aws from the prebuilt bindings', () => {
    expect(tf.terraform.required_providers.aws.source).toBe('hashicorp/aws');
    expect(tf.terraform.required_providers.aws.version).toMatch(/^6\.\d+\.\d+$/);
  });

  it('builds its own network and never touches a default VPC', () => {
    expect(only(tf, 'resource', 'aws_vpc').cidr_block).toBe('10.42.0.0/16');
    const subnet = only(tf, 'resource', 'aws_subnet');
    expect(subnet.vpc_id).toBe(ref('aws_vpc', tf));
    expect(subnet.map_public_ip_on_launch).toBe(false);
    expect(only(tf, 'resource', 'aws_internet_gateway').vpc_id).toBe(ref('aws_vpc', tf));
    const route = only(tf, 'resource', 'aws_route');
    expect(route).toMatchObject({
      destination_cidr_block: '0.0.0.0/0',
      gateway_id: ref('aws_internet_gateway', tf),
    });
    expect(only(tf, 'resource', 'aws_route_table_association')).toMatchObject({
      route_table_id: ref('aws_route_table', tf),
      subnet_id: ref('aws_subnet', tf),
    });
    expect(instance.subnet_id).toBe(ref('aws_subnet', tf));
    expect(tf.data.aws_vpc).toBeUndefined();
    expect(tf.resource.aws_default_vpc).toBeUndefined();
    expect(JSON.stringify(tf)).not.toMatch(/"default"\s*:\s*true/);
  });

  it('puts the subnet in an available zone that sells the instance type', () => {
    const zones = only(tf, 'data', 'aws_availability_zones');
    expect(zones.state).toBe('available');
    const offerings = only(tf, 'data', 'aws_ec2_instance_type_offerings');
    const zonesId = Object.keys(tf.data.aws_availability_zones)[0];
    expect(offerings.filter).toContainEqual({ name: 'instance-type', values: [instance.instance_type] });
    expect(offerings.filter).toContainEqual({
      name: 'location',
      values: `\${data.aws_availability_zones.${zonesId}.names}`,
    });
    expect(only(tf, 'resource', 'aws_subnet').availability_zone).toContain(
      'data.aws_ec2_instance_type_offerings.',
    );
    expect(only(tf, 'resource', 'aws_subnet').lifecycle).toEqual({ ignore_changes: ['availability_zone'] });
  });

  it('uses only separate rule resources on the security group', () => {
    const sg = only(tf, 'resource', 'aws_security_group');
    // Renaming the project renames (replaces) the group while the instance still holds it.
    expect(sg.lifecycle).toEqual({ create_before_destroy: true });
    expect(sg.ingress).toBeUndefined();
    expect(sg.egress).toBeUndefined();
    expect(tf.resource.aws_security_group_rule).toBeUndefined();
    for (const r of Object.values<TfJson>(tf.resource.aws_vpc_security_group_ingress_rule)) {
      expect(r.security_group_id).toBe(ref('aws_security_group', tf));
      expect(r.ip_protocol).toBe('tcp');
    }
    const egress = only(tf, 'resource', 'aws_vpc_security_group_egress_rule');
    expect(egress).toMatchObject({ ip_protocol: '-1', cidr_ipv4: '0.0.0.0/0' });
  });

  it('requires IMDSv2 and encrypts a gp3 root volume sized from the config', () => {
    expect(instance.metadata_options).toEqual({
      http_endpoint: 'enabled',
      http_tokens: 'required',
      http_put_response_hop_limit: 1,
    });
    expect(instance.root_block_device).toEqual({
      volume_type: 'gp3',
      volume_size: spec.diskGb,
      encrypted: true,
      delete_on_termination: true,
    });
    // Left to the provider: it reads true back once the EIP is attached, and a ForceNew diff
    // on it would replace the instance at every apply.
    expect(instance).not.toHaveProperty('associate_public_ip_address');
    expect(instance.vpc_security_group_ids).toEqual([ref('aws_security_group', tf)]);
  });

  it('boots the newest official Debian 12 AMI (the OS the role is tested on) and keeps it across applies', () => {
    const ami = only(tf, 'data', 'aws_ami');
    expect(ami.owners).toEqual([DEBIAN_OWNER]);
    expect(ami.most_recent).toBe(true);
    expect(ami.filter).toContainEqual({ name: 'name', values: ['debian-12-amd64-*'] });
    expect(instance.ami).toBe(`\${data.aws_ami.${Object.keys(tf.data.aws_ami)[0]}.id}`);
    expect(instance.lifecycle.ignore_changes).toEqual(['ami', 'user_data', 'key_name']);
  });

  it('gives the host an Elastic IP in the VPC', () => {
    const eip = only(tf, 'resource', 'aws_eip');
    expect(eip.domain).toBe('vpc');
    expect(eip.instance).toBe(ref('aws_instance', tf));
    expect(eip.depends_on).toEqual([
      `aws_internet_gateway.${Object.keys(tf.resource.aws_internet_gateway)[0]}`,
    ]);
  });

  it('imports the operator key as a key pair when EC2 accepts its type', () => {
    const key = only(tf, 'resource', 'aws_key_pair');
    expect(key.public_key).toBe(KEYS.ed25519);
    // A literal name plus depends_on: rotating the key must not make key_name unknown at plan
    // time, which would replace the instance (key_name forces a new instance).
    expect(instance.key_name).toBe(key.key_name);
    expect(instance.depends_on).toEqual([`aws_key_pair.${Object.keys(tf.resource.aws_key_pair)[0]}`]);
    expect(awsAcceptsKey(KEYS.rsa)).toBe(true);
    expect(awsAcceptsKey(KEYS.ecdsa)).toBe(false);
  });

  it('skips the key pair for an ECDSA key, leaving it to cloud-init', () => {
    const f = fixtures('aws').find((x) => x.key === KEYS.ecdsa)!;
    const t = synthJson('aws', specFor('aws', f));
    expect(t.resource.aws_key_pair).toBeUndefined();
    expect(only(t, 'resource', 'aws_instance').key_name).toBeUndefined();
    expect(only(t, 'resource', 'aws_instance').user_data).toContain(KEYS.ecdsa);
  });

  it('picks arm64 images for Graviton types', () => {
    expect(awsArchitecture('m7g.xlarge')).toBe('arm64');
    expect(awsArchitecture('t4g.medium')).toBe('arm64');
    expect(awsArchitecture('c7gn.large')).toBe('arm64');
    expect(awsArchitecture('m6i.large')).toBe('x86_64');
    expect(awsArchitecture('t3.medium')).toBe('x86_64');
  });

  it('keeps the security group name clear of the reserved sg- prefix', () => {
    const t = synthJson('aws', specFromConfig({ ...baseConfig('aws'), project: 'sg-pool' }, KEYS.rsa, 'aws'));
    expect(only(t, 'resource', 'aws_security_group').name).toBe('pool-sg-pool-sg');
    expect(only(tf, 'resource', 'aws_security_group').name).toBe('ckb-pool-sg');
  });

  it('tags everything through the provider default tags', () => {
    expect(tf.provider.aws[0].default_tags).toEqual([
      { tags: { Project: 'ckb-pool', Chain: 'mainnet', ManagedBy: 'ckb-pool-deploy' } },
    ]);
  });
});
