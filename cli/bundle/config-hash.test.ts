import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { configFor, FAKE_SECRETS } from '../../test/support/bundle-helpers.js';
import { CONFIG_HASH_LABEL, mountedPaths } from './config-hash.js';
import { renderBundle } from './render.js';

type Compose = { services: Record<string, { labels?: Record<string, string>; volumes?: string[] }> };
const labels = (config: ReturnType<typeof configFor>) => {
  const compose = parseYaml(
    renderBundle(config, FAKE_SECRETS).find((f) => f.path === 'compose.yaml')?.content ?? '',
  ) as Compose;
  return Object.fromEntries(
    Object.entries(compose.services).map(([n, s]) => [n, s.labels?.[CONFIG_HASH_LABEL]]),
  );
};

describe('config hashes on the compose services', () => {
  it('label every service that mounts bundle files, and only those', () => {
    const l = labels(configFor('testnet'));
    for (const s of ['ckb', 'pool', 'translator', 'prometheus', 'alertmanager', 'grafana']) {
      expect(l[s], s).toMatch(/^[0-9a-f]{64}$/);
    }
  });

  it('change for exactly the services whose files change: a new payout address recreates the node and the pool (which checks templates against it)', () => {
    const before = labels(configFor('testnet'));
    const after = labels(
      configFor('testnet', {
        payoutAddress:
          'ckt1qzda0cr08m85hc8jlnfp3zer7xulejywt49kt2rr0vthywaa50xwsqwgx292hnvmn68xf779vmzrshpmm6epn4c0cgwga',
      }),
    );
    const changed = Object.keys(before).filter((s) => before[s] !== after[s]);
    expect(changed).toEqual(['ckb', 'pool']);
  });

  it('stay the same for the same config (a second up recreates nothing)', () => {
    expect(labels(configFor('mainnet'))).toEqual(labels(configFor('mainnet')));
  });

  it('change for the node and the pool, and only those, when the notify secret changes', () => {
    const config = configFor('testnet');
    const render = (notifySecret: string) =>
      parseYaml(
        renderBundle(config, { ...FAKE_SECRETS, notifySecret }).find((f) => f.path === 'compose.yaml')
          ?.content ?? '',
      ) as Compose;
    const [a, b] = [render('FIRST-NOTIFY-SECRET'), render('SECOND-NOTIFY-SECRET')];
    const changed = Object.keys(a.services).filter(
      (s) => a.services[s].labels?.[CONFIG_HASH_LABEL] !== b.services[s].labels?.[CONFIG_HASH_LABEL],
    );
    expect(changed.sort()).toEqual(['ckb', 'pool']);
  });

  it('count the files of the secrets a service lists as mounted', () => {
    expect(
      mountedPaths({ secrets: ['a', 'b'] }, { a: { file: './secrets/a' }, b: { file: './secrets/b' } }),
    ).toEqual(['secrets/a', 'secrets/b']);
  });

  it('read file and folder mounts from volumes, not named volumes', () => {
    expect(
      mountedPaths({ volumes: ['data:/x', './pool/pool.yaml:/etc/p.yaml:ro', './prometheus:/etc/prom:ro'] }),
    ).toEqual(['pool/pool.yaml', 'prometheus']);
  });
});
