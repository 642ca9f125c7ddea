import { ccc } from '@ckb-ccc/core';
import { parseConfig as parsePoolConfig } from 'ckb-pool/pool/config';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { configFor, FAKE_SECRETS } from '../../test/support/bundle-helpers.js';
import { TESTNET_ADDRESS } from '../../test/support/config-fixtures.js';
import { encodeFullAddress } from '../config/address.js';
import { walletLock } from '../config/wallet.js';
import { type ClusterAddresses, renderHostBundle } from './hosts.js';
import { type BundleFile, renderBundle, WALLET_FILE_MODE } from './render.js';

/** A test-only wallet key; its address is what init would write as payoutAddress. */
const KEY = `0x${'44'.repeat(32)}`;
const WALLET_ADDRESS = encodeFullAddress(walletLock(KEY), 'testnet');
const OPERATOR = TESTNET_ADDRESS;
const SECRETS = { ...FAKE_SECRETS, poolWalletKey: KEY };

const payoutsConfig = (extra: Record<string, unknown> = {}) =>
  configFor('testnet', {
    payoutAddress: WALLET_ADDRESS,
    payouts: { enabled: true, operatorAddress: OPERATOR, threshold: 200, feePercent: 2 },
    ...extra,
  });
const fileOf = (files: BundleFile[], path: string) => files.find((f) => f.path === path);
const poolYaml = (files: BundleFile[]) => parseYaml(fileOf(files, 'pool/pool.yaml')?.content ?? '');
const compose = (files: BundleFile[]) =>
  parseYaml(fileOf(files, 'compose.yaml')?.content ?? '') as {
    services: Record<string, { ports?: string[]; secrets?: string[] }>;
    secrets: Record<string, unknown>;
  };

describe('a bundle with payouts', () => {
  it('derives the wallet address as CCC does', async () => {
    const signer = new ccc.SignerCkbPrivateKey(new ccc.ClientPublicTestnet(), KEY);
    expect(WALLET_ADDRESS).toBe((await signer.getRecommendedAddressObj()).toString());
  });

  it('gives pool.yaml the payouts section under its own names, and the pool accepts it', () => {
    const pool = parsePoolConfig(poolYaml(renderBundle(payoutsConfig(), SECRETS)), '/etc/ckb-pool');
    expect(pool.payouts).toMatchObject({
      enabled: true,
      walletKeyFile: '/run/secrets/pool-wallet-key',
      operatorAddress: OPERATOR,
      threshold: 200,
      feePercent: 2,
      intervalMinutes: 60,
      maxFeeRate: 10_000,
      confirmations: 24,
    });
  });

  it('ships the wallet key to the pool service only, as a 0400 secret file', () => {
    const files = renderBundle(payoutsConfig(), SECRETS);
    const key = fileOf(files, 'secrets/pool-wallet-key');
    expect(key).toMatchObject({ content: `${KEY}\n`, mode: WALLET_FILE_MODE });
    const c = compose(files);
    expect(c.secrets['pool-wallet-key']).toEqual({ file: './secrets/pool-wallet-key' });
    const readers = Object.entries(c.services).filter(([, s]) => s.secrets?.includes('pool-wallet-key'));
    expect(readers.map(([name]) => name)).toEqual(['pool']);
    // Never in a config file or the environment: only the secret file holds it.
    const elsewhere = files.filter(
      (f) => f.path !== 'secrets/pool-wallet-key' && f.content.includes('44'.repeat(32)),
    );
    expect(elsewhere.map((f) => f.path)).toEqual([]);
  });

  it('stays solo without payouts: no wallet file, payouts off in pool.yaml', () => {
    const files = renderBundle(configFor('testnet'), SECRETS);
    expect(fileOf(files, 'secrets/pool-wallet-key')).toBeUndefined();
    expect(poolYaml(files).payouts).toEqual({ enabled: false });
  });

  it('refuses to render without the wallet key, or when payoutAddress is not the wallet', () => {
    expect(() => renderBundle(payoutsConfig(), FAKE_SECRETS)).toThrow(/pool-wallet-key is missing.*init/);
    expect(() => renderBundle(payoutsConfig({ payoutAddress: TESTNET_ADDRESS }), SECRETS)).toThrow(
      new RegExp(`payoutAddress must be the pool wallet's address ${WALLET_ADDRESS}`),
    );
  });
});

describe('the web page in the bundle', () => {
  it('is served by the pool and published on 127.0.0.1 unless web.public', () => {
    const files = renderBundle(configFor('testnet'), FAKE_SECRETS);
    expect(poolYaml(files).web).toEqual({ listen: '0.0.0.0:9102', v1Port: 3333 });
    expect(compose(files).services.pool?.ports).toContain('127.0.0.1:8081:9102');
    const open = renderBundle(
      configFor('testnet', { web: { public: true }, ports: { web: 8090 } }),
      FAKE_SECRETS,
    );
    expect(compose(open).services.pool?.ports).toContain('8090:9102');
    expect(compose(open).services.pool?.ports).not.toContain('127.0.0.1:8090:9102');
  });
});

describe('payouts with several pool hosts', () => {
  const ADDR: ClusterAddresses = {
    nodePrivateIp: '10.42.1.10',
    poolPrivateIps: ['10.42.1.20', '10.42.1.21'],
    databaseHost: 'db.internal',
    database: 'rds',
  };
  const config = payoutsConfig({ pool: { hosts: 2 }, web: { public: true } });
  const part = (p: Parameters<typeof renderHostBundle>[4]) =>
    renderHostBundle(config, SECRETS, ADDR, 'pw', p);

  it('keeps the wallet key off the node host and gives it to every pool host', () => {
    expect(fileOf(part({ kind: 'node' }), 'secrets/pool-wallet-key')).toBeUndefined();
    expect(JSON.stringify(compose(part({ kind: 'node' })))).not.toContain('pool-wallet-key');
    for (const index of [0, 1]) {
      const files = part({ kind: 'pool', index });
      expect(fileOf(files, 'secrets/pool-wallet-key')?.mode).toBe(WALLET_FILE_MODE);
      expect(compose(files).services.pool?.secrets).toContain('pool-wallet-key');
      expect(poolYaml(files).payouts.enabled).toBe(true);
      expect(compose(files).services.pool?.ports).toContain('8081:9102');
    }
  });
});
