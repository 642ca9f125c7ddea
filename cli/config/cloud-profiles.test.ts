import { describe, expect, it } from 'vitest';
import { CLOUD_PROFILES, CLOUDS } from '../../stacks/clouds.js';
import { specFromConfig } from '../../stacks/spec.js';
import { baseConfig, KEYS } from '../../test/support/stack-fixtures.js';
import { FIELD_LIST } from './fields.js';
import type { Draft } from './types.js';

const field = (path: string) => {
  const f = FIELD_LIST.find((x) => x.path === path);
  if (!f?.check) throw new Error(`no checked field ${path}`);
  return f.check as (v: unknown, c: Draft) => string | undefined;
};
const configAccepts = (cloud: string, path: string, value: unknown) =>
  field(path)(value, { cloud, chain: 'mainnet' } as Draft) === undefined;
const stackAccepts = (cloud: 'aws' | 'alicloud', patch: object) => {
  try {
    specFromConfig({ ...baseConfig(cloud), ...patch }, KEYS.ed25519);
    return true;
  } catch {
    return false;
  }
};

const REGIONS = {
  aws: ['us-east-1', 'us-east-10', 'eu-central-2', 'us-gov-west-1', 'ap-southeast-4', 'useast1', 'us-east'],
  alicloud: [
    'ap-southeast-1',
    'cn-hangzhou',
    'cn-shanghai-finance-1',
    'us-west-1',
    'CN-hangzhou',
    'cn_hangzhou',
  ],
};
const TYPES = {
  aws: ['m6i.large', 't3.medium', 'c7gn.2xlarge', 'ecs.g7.large', 'large-ish'],
  alicloud: ['ecs.g7.large', 'ecs.u1-c1m4.xlarge', 'm6i.large', 'g7.large'],
};

describe.each(CLOUDS)('the %s profile, read by the config and by the stack alike', (cloud) => {
  it.each(REGIONS[cloud])('accepts or refuses region %s in both', (region) => {
    expect(configAccepts(cloud, 'region', region)).toBe(stackAccepts(cloud, { region }));
  });

  it.each(TYPES[cloud])('accepts or refuses instance type %s in both', (size) => {
    expect(configAccepts(cloud, 'instance.size', size)).toBe(
      stackAccepts(cloud, { instance: { ...baseConfig(cloud).instance, size } }),
    );
  });

  it('refuses a disk the cloud cannot give in both', () => {
    const tooBig = CLOUD_PROFILES[cloud].maxDiskGb + 1;
    expect(configAccepts(cloud, 'instance.diskGb', tooBig)).toBe(false);
    expect(stackAccepts(cloud, { instance: { ...baseConfig(cloud).instance, diskGb: tooBig } })).toBe(false);
  });
});

describe('the regions review found in disagreement', () => {
  it('are now accepted everywhere: cn-shanghai-finance-1 and us-east-10', () => {
    expect(configAccepts('alicloud', 'region', 'cn-shanghai-finance-1')).toBe(true);
    expect(stackAccepts('alicloud', { region: 'cn-shanghai-finance-1' })).toBe(true);
    expect(configAccepts('aws', 'region', 'us-east-10')).toBe(true);
    expect(stackAccepts('aws', { region: 'us-east-10' })).toBe(true);
  });
});
