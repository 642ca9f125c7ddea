import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CONFIG_FIELDS,
  ConfigError,
  configReferenceMarkdown,
  loadPoolConfig,
  parseConfig,
} from './config.js';

const minimal = {
  chain: 'dev',
  node: { rpcUrl: 'http://127.0.0.1:8114' },
  sv2: { authorityKeyFile: 'authority.key' },
};

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('pool config', () => {
  it('fills every default for a minimal file and resolves paths against the config folder', () => {
    const cfg = parseConfig(minimal, '/etc/ckb-pool');
    expect(cfg.chain).toBe('dev');
    expect(cfg.sv2.authorityKeyFile).toBe('/etc/ckb-pool/authority.key');
    expect(cfg.ledger.path).toBe('/etc/ckb-pool/pool-ledger.sqlite');
    expect(cfg.node.subscribeAddress).toBeNull();
    expect(cfg.vardiff.targetShareIntervalSeconds).toBe(10);
    expect(cfg.limits.maxFrameBytes).toBe(16_384);
    expect(cfg.pplns.windowFactor).toBe(2);
  });

  it('takes a PostgreSQL ledger URL without a password, the password from a file', () => {
    const withLedger = (ledger: object) => ({ ...minimal, ledger });
    const cfg = parseConfig(
      withLedger({ url: 'postgres://pool@db.internal:5432/ledger', passwordFile: 'pg.pass' }),
      '/etc/ckb-pool',
    );
    expect(cfg.ledger.url).toBe('postgres://pool@db.internal:5432/ledger');
    expect(cfg.ledger.passwordFile).toBe('/etc/ckb-pool/pg.pass');
    expect(parseConfig(minimal).ledger.url).toBeNull();
    const leaked = errorOf(() => parseConfig(withLedger({ url: 'postgres://pool:s3cret@db/ledger' })));
    expect(leaked.message).toContain('holds a password');
    expect(leaked.message).not.toContain('s3cret');
    expect(errorOf(() => parseConfig(withLedger({ url: 'mysql://db/ledger' }))).message).toContain(
      'postgres://',
    );
  });

  it('allows a certificate lifetime of at most one year', () => {
    const year = 365 * 86_400;
    const withValidity = (v: number) => ({
      ...minimal,
      sv2: { ...minimal.sv2, certificateValiditySeconds: v },
    });
    expect(parseConfig(withValidity(year)).sv2.certificateValiditySeconds).toBe(year);
    expect(errorOf(() => parseConfig(withValidity(10 * year))).message).toContain(`out of range 60..${year}`);
  });

  it('bounds the HTTP API by default', () => {
    const { api } = parseConfig(minimal);
    expect(api.maxConnections).toBeGreaterThan(0);
    expect(api.headersTimeoutMs).toBeLessThanOrEqual(api.requestTimeoutMs);
    expect(api.maxResponseBytes).toBeLessThanOrEqual(16 * 1024 * 1024);
  });

  it('gives every per-peer limit a bounded default and refuses a per-IP limit above its total', () => {
    const { limits } = parseConfig(minimal, '/etc');
    expect(limits.maxChannels).toBe(100_000);
    expect(limits.maxChannelsPerIp).toBe(20_000);
    expect(limits.maxWorkerNamesPerConnection).toBe(20_000);
    expect(limits.maxWorkerNamesPerIp).toBe(40_000);
    expect(limits.maxMessagesPerSecondPerIp).toBe(5_000);
    expect(limits.frameTimeoutMs).toBe(30_000);
    expect(limits.maxPendingFrameBytes).toBe(64 * 1024 * 1024);
    const channels = errorOf(() =>
      parseConfig({ ...minimal, limits: { maxChannels: 10, maxChannelsPerIp: 11 } }),
    );
    expect(channels.paths).toEqual(['limits.maxChannelsPerIp']);
    const names = errorOf(() =>
      parseConfig({ ...minimal, limits: { maxWorkerNamesPerIp: 10, maxWorkerNamesPerConnection: 11 } }),
    );
    expect(names.paths).toEqual(['limits.maxWorkerNamesPerConnection']);
  });

  it('runs one instance by default and takes auto or a count of instances', () => {
    expect(parseConfig(minimal, '/etc').instances).toBe(1);
    expect(parseConfig({ ...minimal, instances: 'auto' }, '/etc').instances).toBe('auto');
    expect(parseConfig({ ...minimal, instances: 4 }, '/etc').instances).toBe(4);
    expect(errorOf(() => parseConfig({ ...minimal, instances: 0 }, '/etc')).paths).toEqual(['instances']);
    expect(errorOf(() => parseConfig({ ...minimal, instances: 'many' }, '/etc')).paths).toEqual([
      'instances',
    ]);
  });

  it('keeps an in-memory ledger path as is', () => {
    expect(parseConfig({ ...minimal, ledger: { path: ':memory:' } }, '/etc').ledger.path).toBe(':memory:');
  });

  it('names the missing required field', () => {
    const err = errorOf(() => parseConfig({ chain: 'dev', node: { rpcUrl: 'http://x:1' } }));
    expect(err.paths).toEqual(['sv2.authorityKeyFile']);
    expect(err.message).toContain('sv2.authorityKeyFile');
  });

  it('names a field with a wrong type, range or enum value', () => {
    expect(errorOf(() => parseConfig({ ...minimal, chain: 'regtest' })).paths).toEqual(['chain']);
    expect(
      errorOf(() => parseConfig({ ...minimal, sv2: { ...minimal.sv2, instanceId: 256 } })).paths,
    ).toEqual(['sv2.instanceId']);
    expect(errorOf(() => parseConfig({ ...minimal, limits: { idleTimeoutMs: 'soon' } })).paths).toEqual([
      'limits.idleTimeoutMs',
    ]);
    expect(errorOf(() => parseConfig({ ...minimal, node: { rpcUrl: 'ftp://x' } })).paths).toEqual([
      'node.rpcUrl',
    ]);
    expect(errorOf(() => parseConfig({ ...minimal, api: { listen: 'localhost' } })).paths).toEqual([
      'api.listen',
    ]);
  });

  it('limits the message rate per connection by default, allows 0 for unlimited and names a bad rate or burst', () => {
    const cfg = parseConfig(minimal);
    expect(cfg.limits.maxMessagesPerSecond).toBe(2_000);
    expect(cfg.limits.maxMessageBurst).toBe(20_000);
    expect(cfg.limits.maxMessageBurst).toBeGreaterThanOrEqual(cfg.sv2.maxChannelsPerConnection);
    expect(parseConfig({ ...minimal, limits: { maxMessagesPerSecond: 0 } }).limits.maxMessagesPerSecond).toBe(
      0,
    );
    const rate = errorOf(() => parseConfig({ ...minimal, limits: { maxMessagesPerSecond: -1 } }));
    expect(rate.paths).toEqual(['limits.maxMessagesPerSecond']);
    expect(rate.message).toContain('limits.maxMessagesPerSecond');
    expect(errorOf(() => parseConfig({ ...minimal, limits: { maxMessagesPerSecond: 1.5 } })).paths).toEqual([
      'limits.maxMessagesPerSecond',
    ]);
    expect(errorOf(() => parseConfig({ ...minimal, limits: { maxMessageBurst: 0 } })).paths).toEqual([
      'limits.maxMessageBurst',
    ]);
  });

  it('rejects unknown fields so typos do not silently fall back to defaults', () => {
    const err = errorOf(() => parseConfig({ ...minimal, vardiff: { targetShareInterval: 5 } }));
    expect(err.paths).toEqual(['vardiff.targetShareInterval']);
  });

  it('reports every mistake of a file at once, one line each', () => {
    const err = errorOf(() =>
      parseConfig({
        chain: 'regtest',
        node: { rpcUrl: 'http://127.0.0.1:8114', rpcTimeoutMs: 5 },
        sv2: { authorityKeyFile: 'authority.key' },
        vardiff: { targetShareInterval: 5 },
      }),
    );
    expect(err.paths).toEqual(['vardiff.targetShareInterval', 'chain', 'node.rpcTimeoutMs']);
    expect(err.message.split('\n')).toEqual([
      '3 problems:',
      '  vardiff.targetShareInterval: unknown field (did you mean vardiff.targetShareIntervalSeconds?); see docs/pool-config.md',
      "  chain: must be one of mainnet, testnet, dev, got 'regtest'",
      '  node.rpcTimeoutMs: 5 is out of range 100..600000',
    ]);
  });

  it('checks relations between fields', () => {
    const err = errorOf(() => parseConfig({ ...minimal, vardiff: { minDifficulty: 10, maxDifficulty: 5 } }));
    expect(err.paths).toEqual(['vardiff.minDifficulty']);
  });

  it('loads a YAML file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pool-config-'));
    const file = join(dir, 'pool.yaml');
    writeFileSync(
      file,
      [
        'chain: testnet',
        'node:',
        '  rpcUrl: http://ckb:8114',
        '  subscribeAddress: ckb:18114',
        'sv2:',
        '  listen: "[::]:3333"',
        '  authorityKeyFile: /secrets/authority.key',
        '  instanceId: 7',
        'pplns:',
        '  windowFactor: 0.5',
      ].join('\n'),
    );
    const cfg = loadPoolConfig(file);
    expect(cfg.chain).toBe('testnet');
    expect(cfg.node.subscribeAddress).toBe('ckb:18114');
    expect(cfg.sv2.instanceId).toBe(7);
    expect(cfg.sv2.authorityKeyFile).toBe('/secrets/authority.key');
    expect(cfg.ledger.path).toBe(join(dir, 'pool-ledger.sqlite'));
    expect(cfg.pplns.windowFactor).toBe(0.5);
  });

  it('reports unreadable and invalid YAML files', () => {
    expect(errorOf(() => loadPoolConfig('/nonexistent/pool.yaml')).message).toContain('cannot read');
    const dir = mkdtempSync(join(tmpdir(), 'pool-config-'));
    writeFileSync(join(dir, 'bad.yaml'), 'chain: [dev\n');
    expect(errorOf(() => loadPoolConfig(join(dir, 'bad.yaml'))).message).toContain('not valid YAML');
  });

  it('refuses a listen address that is not host:port, naming the field', () => {
    expect(
      errorOf(() =>
        parseConfig({ ...minimal, sv2: { ...minimal.sv2, listen: '0.0.0.0:99999' } }, '/etc/ckb-pool'),
      ),
    ).toMatchObject({
      paths: ['sv2.listen'],
    });
  });

  it('runs no JDS by default, and a JDS only with the payout lock and one instance', () => {
    expect(parseConfig(minimal).jd).toMatchObject({ listen: null, parentWaitMs: 2_000, tokenTtlSec: 600 });
    const lock = { codeHash: `0x${'9b'.repeat(32)}`, hashType: 'type', args: `0x${'11'.repeat(20)}` };
    const jd = { listen: '127.0.0.1:3337' };
    expect(errorOf(() => parseConfig({ ...minimal, jd })).message).toMatch(
      /^jd\.listen: needs node\.payoutLock/m,
    );
    const node = { ...minimal.node, payoutLock: lock };
    expect(parseConfig({ ...minimal, node, jd }).jd.listen).toBe('127.0.0.1:3337');
    expect(errorOf(() => parseConfig({ ...minimal, node, jd, instances: 2 })).message).toMatch(
      /^jd\.listen: needs instances: 1$/m,
    );
  });

  it('keeps payouts off (solo mode) by default and needs the wallet and operator when on', () => {
    expect(parseConfig(minimal, '/etc/ckb-pool').payouts).toEqual({
      enabled: false,
      threshold: 100,
      feePercent: 1,
      operatorAddress: null,
      walletKeyFile: null,
      maxFeeRate: 10_000,
      confirmations: 24,
      recheckDepth: 100,
      intervalMinutes: 60,
    });
    // Both missing fields are named at once.
    expect(errorOf(() => parseConfig({ ...minimal, payouts: { enabled: true } })).message).toMatch(
      /payouts\.walletKeyFile: is required when payouts are enabled\n.*payouts\.operatorAddress: is required/s,
    );
    expect(
      errorOf(() => parseConfig({ ...minimal, payouts: { enabled: true, walletKeyFile: 'wallet.key' } }))
        .message,
    ).toMatch(/^payouts\.operatorAddress: is required when payouts are enabled$/m);
    const on = parseConfig(
      { ...minimal, payouts: { enabled: true, walletKeyFile: 'wallet.key', operatorAddress: 'ckt1q' } },
      '/etc/ckb-pool',
    );
    expect(on.payouts).toMatchObject({ enabled: true, walletKeyFile: '/etc/ckb-pool/wallet.key' });
    expect(errorOf(() => parseConfig({ ...minimal, payouts: { threshold: 60 } })).message).toMatch(
      /payouts\.threshold/,
    );
    expect(errorOf(() => parseConfig({ ...minimal, payouts: { enabled: 'maybe' } })).message).toMatch(
      /expected true or false/,
    );
  });

  it('documents every field in docs/pool-config.md with the generated reference table', () => {
    const doc = readFileSync(new URL('../../../docs/pool-config.md', import.meta.url), 'utf8');
    for (const f of CONFIG_FIELDS) expect(doc).toContain(`\`${f.path}\``);
    expect(doc).toContain(configReferenceMarkdown());
  });
});
