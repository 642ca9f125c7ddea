import { describe, expect, it } from 'vitest';
import {
  baseConfig,
  fixtures,
  KEYS,
  only,
  specFor,
  synthHcl,
  synthJson,
  type TfJson,
} from '../../test/support/stack-fixtures.js';
import { specFromConfig } from '../spec.js';
import { ALICLOUD_PROVIDER_SOURCE, ALICLOUD_PROVIDER_VERSION, snakeCase } from './constructs/provider.js';
import { ALICLOUD_SIZE_TYPES, soldOutMessage } from './market.js';
import { alicloudAcceptsKey, alicloudArchitecture } from './pool-host.js';

const ref = (type: string, tf: TfJson, attr = 'id') =>
  `\${${type}.${Object.keys(tf.resource[type])[0]}.${attr}}`;
const dataRef = (type: string, tf: TfJson) => `data.${type}.${Object.keys(tf.data[type])[0]}`;

describe('the Alibaba Cloud pool host', () => {
  const spec = specFromConfig(baseConfig('alicloud'), KEYS.rsa, 'alicloud');
  const tf = synthJson('alicloud', spec);
  const instance = only(tf, 'resource', 'alicloud_instance');

  it('pins aliyun/alicloud ~> 1.289 and sets the region explicitly', () => {
    expect(tf.terraform.required_providers.alicloud).toEqual({
      source: ALICLOUD_PROVIDER_SOURCE,
      version: ALICLOUD_PROVIDER_VERSION,
    });
    expect(tf.provider.alicloud).toEqual([{ region: 'ap-southeast-1' }]);
  });

  it('creates its own VPC and vSwitch', () => {
    const vpc = only(tf, 'resource', 'alicloud_vpc');
    expect(vpc).toMatchObject({ vpc_name: 'ckb-pool-vpc', cidr_block: '10.42.0.0/16' });
    const vsw = only(tf, 'resource', 'alicloud_vswitch');
    expect(vsw).toMatchObject({ vswitch_name: 'ckb-pool-public', vpc_id: ref('alicloud_vpc', tf) });
    expect(instance.vswitch_id).toBe(ref('alicloud_vswitch', tf));
  });

  it('asks the region for every type on sale with ESSD disks, with no shape filter that could fail the read', () => {
    const sized = synthJson(
      'alicloud',
      specFromConfig({ ...baseConfig('alicloud'), instance: { size: 'medium', diskGb: 300 } }, KEYS.rsa),
    );
    expect(only(sized, 'data', 'alicloud_instance_types')).toEqual({
      system_disk_category: 'cloud_essd',
      network_type: 'Vpc',
      instance_charge_type: 'PostPaid',
    });
    expect(only(sized, 'data', 'alicloud_zones')).toEqual({
      available_resource_creation: 'VSwitch',
      available_disk_category: 'cloud_essd',
    });
    // The size's fallback types are what the choice walks through, in order.
    const locals = Object.values<string>(sized.locals);
    expect(locals).toContain(`\${${JSON.stringify(ALICLOUD_SIZE_TYPES.medium).replaceAll(',', ', ')}}`);
  });

  it('finds its own running host by name and project tag, to keep its type', () => {
    expect(only(tf, 'data', 'alicloud_instances')).toEqual({
      instance_name: 'ckb-pool-host',
      tags: { Project: 'ckb-pool', ManagedBy: 'ckb-pool-deploy' },
    });
  });

  it('takes type and zone from the market choice and fails the plan when nothing is on sale', () => {
    const choice = Object.keys(tf.locals).find((k) => k.includes('choice'));
    expect(instance.instance_type).toBe(`\${local.${choice}.type}`);
    const vsw = only(tf, 'resource', 'alicloud_vswitch');
    expect(vsw.zone_id).toBe(`\${local.${choice}.zone}`);
    expect(vsw.lifecycle).toEqual({ ignore_changes: ['zone_id'] });
    expect(instance.lifecycle.precondition).toEqual([
      {
        condition: `\${local.${choice}.type != ""}`,
        error_message: soldOutMessage('ecs.g7.large', 'ap-southeast-1', ['ecs.g7.large']),
      },
    ]);
  });

  it('looks a given instance type up in the region and tries only that type', () => {
    const f = fixtures('alicloud').find((x) => x.config.instance.size === 'ecs.g8y.xlarge')!;
    const t = synthJson('alicloud', specFor('alicloud', f));
    expect(only(t, 'data', 'alicloud_instance_types')).toMatchObject({
      instance_type: 'ecs.g8y.xlarge',
      system_disk_category: 'cloud_essd',
    });
    expect(Object.values<string>(t.locals)).toContain(`\${["ecs.g8y.xlarge"]}`);
    expect(only(t, 'data', 'alicloud_images')).toMatchObject({
      architecture: 'arm64',
      name_regex: '^debian_12_\\d+_arm64_',
    });
  });

  it('boots the newest system Debian 12 image (the OS the role is tested on) and keeps it across applies', () => {
    expect(only(tf, 'data', 'alicloud_images')).toEqual({
      owners: 'system',
      name_regex: '^debian_12_\\d+_x64_',
      most_recent: true,
      architecture: 'x86_64',
      os_type: 'linux',
    });
    expect(instance.image_id).toContain(`${dataRef('alicloud_images', tf)}.ids`);
    expect(instance.lifecycle.ignore_changes).toEqual(['image_id', 'user_data']);
  });

  it('writes every security group rule as an intranet rule of its VPC group', () => {
    const sg = only(tf, 'resource', 'alicloud_security_group');
    expect(sg.vpc_id).toBe(ref('alicloud_vpc', tf));
    const rules = Object.values<TfJson>(tf.resource.alicloud_security_group_rule);
    expect(rules.length).toBeGreaterThan(4);
    for (const r of rules) {
      expect(r.nic_type).toBe('intranet');
      expect(r.security_group_id).toBe(ref('alicloud_security_group', tf));
      expect(r.policy).toBe('accept');
    }
    expect(rules.filter((r) => r.type === 'egress')).toEqual([
      expect.objectContaining({ ip_protocol: 'all', port_range: '-1/-1', cidr_ip: '0.0.0.0/0' }),
    ]);
    expect(instance.security_groups).toEqual([ref('alicloud_security_group', tf)]);
  });

  it('encrypts an ESSD system disk sized from the config and hardens metadata access', () => {
    expect(instance).toMatchObject({
      system_disk_category: 'cloud_essd',
      system_disk_size: spec.diskGb,
      system_disk_encrypted: true,
      http_tokens: 'required',
      http_endpoint: 'enabled',
      internet_max_bandwidth_out: 0,
    });
  });

  it('binds a pay-as-you-go EIP to the instance', () => {
    const eip = only(tf, 'resource', 'alicloud_eip_address');
    expect(eip).toMatchObject({ address_name: 'ckb-pool-ip', payment_type: 'PayAsYouGo' });
    expect(only(tf, 'resource', 'alicloud_eip_association')).toEqual({
      allocation_id: ref('alicloud_eip_address', tf),
      instance_id: ref('alicloud_instance', tf),
    });
    expect(tf.output.public_ip.value).toBe(ref('alicloud_eip_address', tf, 'ip_address'));
  });

  it('imports RSA and ECDSA keys as ECS key pairs, never the deprecated alicloud_key_pair', () => {
    expect(only(tf, 'resource', 'alicloud_ecs_key_pair')).toMatchObject({
      key_pair_name: 'ckb-pool-operator',
      public_key: KEYS.rsa,
    });
    expect(instance.key_name).toBe('ckb-pool-operator');
    expect(instance.depends_on).toEqual([
      `alicloud_ecs_key_pair.${Object.keys(tf.resource.alicloud_ecs_key_pair)[0]}`,
    ]);
    expect(tf.resource.alicloud_key_pair).toBeUndefined();
    expect(tf.resource.alicloud_eip).toBeUndefined();
    expect(alicloudAcceptsKey(KEYS.ecdsa)).toBe(true);
    expect(alicloudAcceptsKey(KEYS.ed25519)).toBe(false);
  });

  it('leaves an Ed25519 key to cloud-init, which ECS cannot import', () => {
    const t = synthJson('alicloud', specFromConfig(baseConfig('alicloud'), KEYS.ed25519, 'alicloud'));
    expect(t.resource.alicloud_ecs_key_pair).toBeUndefined();
    expect(only(t, 'resource', 'alicloud_instance').key_name).toBeUndefined();
    expect(only(t, 'resource', 'alicloud_instance').user_data).toContain(KEYS.ed25519);
  });

  it('renders the same arguments as HCL for cdktf synth --hcl', () => {
    const hcl = synthHcl('alicloud', spec);
    expect(hcl).toContain('provider "alicloud" {\nregion = "ap-southeast-1"');
    expect(hcl).toMatch(/resource "alicloud_instance" "[^"]+" \{\ninstance_name = "ckb-pool-host"/);
    expect(hcl).toContain('system_disk_encrypted = true');
    expect(hcl).toContain('system_disk_size = 300');
    expect(hcl).toContain('http_tokens = "required"');
    expect(hcl.match(/nic_type = "intranet"/g)).toHaveLength(5);
    expect(hcl).toContain('Project = "ckb-pool"');
    expect(hcl).toMatch(/security_groups = \[\n"\$\{alicloud_security_group\./);
  });

  it('maps config names to provider argument names', () => {
    expect(snakeCase('vpcName')).toBe('vpc_name');
    expect(snakeCase('ipv6CidrIp')).toBe('ipv6_cidr_ip');
    expect(snakeCase('systemDiskEncrypted')).toBe('system_disk_encrypted');
  });

  it('recognizes arm instance families', () => {
    expect(alicloudArchitecture('ecs.g8y.large')).toBe('arm64');
    expect(alicloudArchitecture('ecs.c6r.large')).toBe('arm64');
    expect(alicloudArchitecture('ecs.g7.large')).toBe('x86_64');
    expect(alicloudArchitecture('ecs.r7.large')).toBe('x86_64');
  });
});
