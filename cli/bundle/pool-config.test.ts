import { parseConfig as parsePoolConfig } from 'ckb-pool/pool/config';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { configFor, FAKE_SECRETS } from '../../test/support/bundle-helpers.js';
import { CONFIG_HASH_LABEL } from './config-hash.js';
import { renderBundle } from './render.js';

const rendered = (extra: Record<string, unknown> = {}) =>
  renderBundle(configFor('testnet', extra), FAKE_SECRETS);
const fileOf = (files: ReturnType<typeof rendered>, path: string) =>
  files.find((f) => f.path === path)?.content ?? '';
const hashes = (files: ReturnType<typeof rendered>) => {
  const compose = parseYaml(fileOf(files, 'compose.yaml')) as {
    services: Record<string, { labels?: Record<string, string> }>;
  };
  return Object.fromEntries(
    Object.entries(compose.services).map(([n, s]) => [n, s.labels?.[CONFIG_HASH_LABEL]]),
  );
};

describe('pool.shareIntervalSeconds', () => {
  it('reaches the pool as vardiff.targetShareIntervalSeconds, and the pool accepts it', () => {
    const yaml = parseYaml(fileOf(rendered({ pool: { shareIntervalSeconds: 25 } }), 'pool/pool.yaml'));
    expect(parsePoolConfig(yaml, '/etc/ckb-pool').vardiff.targetShareIntervalSeconds).toBe(25);
  });

  it("defaults to the pool's own default of 10 seconds", () => {
    const yaml = parseYaml(fileOf(rendered(), 'pool/pool.yaml'));
    expect(parsePoolConfig(yaml, '/etc/ckb-pool').vardiff.targetShareIntervalSeconds).toBe(10);
  });

  it('changes the config hash of the pool service only, so up recreates exactly the pool', () => {
    const before = hashes(rendered());
    const after = hashes(rendered({ pool: { shareIntervalSeconds: 30 } }));
    expect(Object.keys(before).filter((s) => before[s] !== after[s])).toEqual(['pool']);
  });
});
