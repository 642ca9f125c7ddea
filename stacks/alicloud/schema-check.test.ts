import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { describeWithShared, readSharedJson } from '../../pool/test/shared.js';
import { fixtures, specFor, synthJson, type TfJson } from '../../test/support/stack-fixtures.js';
import { synthPool } from '../stack.js';
import { type AlicloudSchema, checkAlicloudJson, type Violation } from './schema-check.js';

const SCHEMA = 'reference/iac/alicloud-schema.json';

describeWithShared(SCHEMA, 'the Alibaba Cloud stack against the provider schema', () => {
  const schema = readSharedJson<AlicloudSchema>(SCHEMA);

  for (const f of fixtures('alicloud')) {
    it(`has no unknown, removed, deprecated, missing or out-of-enum argument (${f.name})`, () => {
      const tf = synthJson('alicloud', specFor('alicloud', f));
      const blocks = [
        ...Object.values<TfJson>(tf.resource).flatMap((r) => Object.keys(r)),
        ...Object.values<TfJson>(tf.data).flatMap((d) => Object.keys(d)),
      ];
      expect(blocks.length).toBeGreaterThanOrEqual(12); // the walk really covered the stack
      expect(checkAlicloudJson(tf, schema)).toEqual([]);
    });
  }

  for (const f of fixtures('alicloud')) {
    it(`checks the load balancer and the pool hosts of several pool hosts too (${f.name})`, () => {
      const tf = synthJson(
        'alicloud',
        specFor('alicloud', { ...f, config: { ...f.config, pool: { hosts: 2 } } }),
      );
      for (const type of [
        'alicloud_nlb_load_balancer',
        'alicloud_nlb_server_group',
        'alicloud_nlb_listener',
        'alicloud_nlb_server_group_server_attachment',
      ]) {
        expect(Object.keys(tf.resource[type] ?? {}).length, type).toBeGreaterThan(0);
      }
      expect(checkAlicloudJson(tf, schema)).toEqual([]);
    });
  }

  it('catches a broken load balancer block (supplement from the v1.289.0 source)', () => {
    const f = fixtures('alicloud')[0];
    const tf = synthJson(
      'alicloud',
      specFor('alicloud', { ...f, config: { ...f.config, pool: { hosts: 2 } } }),
    );
    const lb = first(tf, 'alicloud_nlb_load_balancer');
    lb.load_balancer_type = 'Classic';
    delete lb.zone_mappings[0].vswitch_id;
    const group = first(tf, 'alicloud_nlb_server_group');
    group.connection_drain = true;
    const v = checkAlicloudJson(tf, schema);
    expect(kinds(v).sort()).toEqual(['conflict', 'deprecated-argument', 'enum', 'missing-required'].sort());
  });

  it('passes the file the CLI writes too (with its "//" metadata)', () => {
    const out = mkdtempSync(join(tmpdir(), 'ckb-pool-schema-'));
    try {
      const { file } = synthPool('alicloud', specFor('alicloud', fixtures('alicloud')[1]), out);
      const tf = JSON.parse(readFileSync(file, 'utf8')) as TfJson;
      expect(Object.values<TfJson>(tf.resource.alicloud_vpc)[0]['//']).toBeDefined();
      expect(checkAlicloudJson(tf, schema)).toEqual([]);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  /** The default stack with one block edited, and the kinds of violation the checker reports. */
  function broken(edit: (tf: TfJson) => void): Violation[] {
    const tf = synthJson('alicloud', specFor('alicloud', fixtures('alicloud')[0]));
    edit(tf);
    return checkAlicloudJson(tf, schema);
  }
  const first = (tf: TfJson, type: string, kind = 'resource') => Object.values<TfJson>(tf[kind][type])[0];
  const kinds = (v: Violation[]) => v.map((x) => x.kind);

  it('catches an unknown argument', () => {
    const v = broken((tf) => {
      first(tf, 'alicloud_vpc').vpc_nmae = 'typo';
    });
    expect(kinds(v)).toEqual(['unknown-argument']);
    expect(v[0].message).toContain('vpc_nmae');
    expect(v[0].address).toMatch(/^alicloud_vpc\./);
  });

  it('checks alicloud_instances, which the shared extract lacks, against the supplement', () => {
    expect(schema.data.alicloud_instances).toBeUndefined();
    const v = broken((tf) => {
      first(tf, 'alicloud_instances', 'data').instance_nmae = 'typo';
      first(tf, 'alicloud_instances', 'data').status = 'Gone';
    });
    expect(kinds(v).sort()).toEqual(['enum', 'unknown-argument']);
    expect(v.every((x) => x.address.startsWith('data.alicloud_instances.'))).toBe(true);
  });

  it('catches a missing required argument', () => {
    const v = broken((tf) => {
      delete first(tf, 'alicloud_eip_association').instance_id;
    });
    expect(kinds(v)).toEqual(['missing-required']);
    expect(v[0].message).toContain('instance_id');
  });

  it('catches a missing practically-required argument (port range of a tcp rule)', () => {
    const v = broken((tf) => {
      const rule = Object.values<TfJson>(tf.resource.alicloud_security_group_rule).find(
        (r) => r.ip_protocol === 'tcp',
      )!;
      delete rule.port_range;
    });
    expect(kinds(v)).toEqual(['missing-required']);
    expect(v[0].message).toContain('port_range');
  });

  it('catches deprecated arguments (the 2020 names)', () => {
    const v = broken((tf) => {
      const vsw = first(tf, 'alicloud_vswitch');
      vsw.availability_zone = vsw.zone_id;
      delete vsw.zone_id;
      first(tf, 'alicloud_security_group').name = 'old-name';
    });
    // zone_id is also reported: the API needs it in a VPC deployment, availability_zone is no substitute.
    expect(kinds(v).sort()).toEqual(['deprecated-argument', 'deprecated-argument', 'missing-required']);
    expect(v.map((x) => x.message).join('\n')).toMatch(/use zone_id/);
    expect(v.map((x) => x.message).join('\n')).toMatch(/use security_group_name/);
  });

  it('catches a removed argument', () => {
    const v = broken((tf) => {
      first(tf, 'alicloud_instance').io_optimized = 'optimized';
    });
    expect(kinds(v)).toEqual(['removed-argument']);
  });

  it('catches a value outside an enum', () => {
    const v = broken((tf) => {
      first(tf, 'alicloud_instance').http_tokens = 'mandatory';
    });
    expect(kinds(v)).toEqual(['enum']);
    expect(v[0].message).toContain('optional, required');
  });

  it('catches a deprecated resource type', () => {
    const v = broken((tf) => {
      tf.resource.alicloud_key_pair = { old: { key_pair_name: 'k', public_key: 'ssh-rsa AAAA' } };
    });
    expect(kinds(v)).toEqual(['deprecated-type']);
    expect(v[0].message).toContain('alicloud_ecs_key_pair');
  });

  it('catches a wrong value type and a conflict', () => {
    const v = broken((tf) => {
      const vpc = first(tf, 'alicloud_vpc');
      vpc.enable_ipv6 = 'yes';
      vpc.name = vpc.vpc_name;
    });
    expect(kinds(v).sort()).toEqual(['conflict', 'deprecated-argument', 'type']);
  });

  it('catches a data source argument outside its enum and a missing one-of group', () => {
    const v = broken((tf) => {
      const images = first(tf, 'alicloud_images', 'data');
      images.owners = 'everyone';
      delete images.name_regex;
    });
    expect(kinds(v)).toContain('enum');
    const w = broken((tf) => {
      const images = first(tf, 'alicloud_images', 'data');
      delete images.owners;
      delete images.name_regex;
    });
    expect(kinds(w)).toEqual(['one-of']);
  });

  it('catches a provider block without a region and a wrong provider pin', () => {
    const v = broken((tf) => {
      delete tf.provider.alicloud[0].region;
      tf.terraform.required_providers.alicloud.source = 'hashicorp/alicloud';
    });
    expect(kinds(v).sort()).toEqual(['missing-region', 'provider-pin']);
  });
});
