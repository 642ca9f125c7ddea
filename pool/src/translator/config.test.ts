import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../config-engine/errors.js';
import { encodeAuthorityPubkey, generateAuthorityKeypair } from '../sv2/noise/keys.js';
import {
  parseTranslatorConfig,
  TRANSLATOR_LIMIT_DEFAULTS,
  translatorLimitsMarkdown,
  translatorVardiffMarkdown,
} from './config.js';
import { MINER_VARDIFF_DEFAULTS } from './miner-vardiff.js';

const key = encodeAuthorityPubkey(generateAuthorityKeypair().publicXonly);
const url = `stratum2+tcp://pool:3334/${key}`;

describe('translator.yaml', () => {
  it('reads the layout the deploy bundle writes, with defaults for the rest', () => {
    const c = parseTranslatorConfig({
      chain: 'testnet',
      v1: { listen: '0.0.0.0:3333' },
      upstream: { url },
      log: { level: 'info' },
    });
    expect(c).toMatchObject({
      chain: 'testnet',
      listen: '0.0.0.0:3333',
      upstreams: [url],
      mode: 'per-worker',
      metricsListen: '127.0.0.1:9101',
    });
  });

  it('takes a list of upstreams for failover and the aggregated mode', () => {
    const c = parseTranslatorConfig({
      upstream: { url: [url, url.replace('pool', 'backup')], mode: 'aggregated' },
    });
    expect(c.upstreams).toHaveLength(2);
    expect(c.mode).toBe('aggregated');
  });

  it('names the field that is wrong', () => {
    expect(() => parseTranslatorConfig({})).toThrow(/upstream.url/);
    expect(() => parseTranslatorConfig({ upstream: { url: 'stratum+tcp://x:1' } })).toThrow(
      /upstream.url: item 1:/,
    );
    expect(() => parseTranslatorConfig({ upstream: { url, mode: 'solo' } })).toThrow(/upstream.mode/);
    expect(() => parseTranslatorConfig({ upstream: { url }, v1: { listen: 'nope' } })).toThrow(ConfigError);
    expect(() => parseTranslatorConfig({ upstream: { url }, extra: 1 })).toThrow(/extra: unknown field/);
  });

  it('fails back to the first URL by default (probe every 30 s, two healthy probes), takes its own settings, and false or 0 turns it off', () => {
    expect(parseTranslatorConfig({ upstream: { url } }).failback).toEqual({
      probeIntervalMs: 30_000,
      healthyProbes: 2,
    });
    expect(
      parseTranslatorConfig({ upstream: { url, failback: { probeIntervalMs: 5_000, healthyProbes: 3 } } })
        .failback,
    ).toEqual({ probeIntervalMs: 5_000, healthyProbes: 3 });
    expect(parseTranslatorConfig({ upstream: { url, failback: false } }).failback).toBe(false);
    expect(parseTranslatorConfig({ upstream: { url, failback: { probeIntervalMs: 0 } } }).failback).toBe(
      false,
    );
    expect(() => parseTranslatorConfig({ upstream: { url, failback: { healthyProbes: 0 } } })).toThrow(
      /upstream.failback.healthyProbes/,
    );
    expect(() => parseTranslatorConfig({ upstream: { url, failback: { interval: 1 } } })).toThrow(
      /upstream.failback.interval: unknown field/,
    );
    expect(() => parseTranslatorConfig({ upstream: { url, failBack: false } })).toThrow(
      /upstream.failBack: unknown field \(did you mean upstream.failback\?\)/,
    );
  });

  it('reads the per-miner and shared-upstream limits, with safe defaults, and names a bad one', () => {
    const d = parseTranslatorConfig({ upstream: { url } });
    expect(d.limits).toMatchObject({
      maxConnectionsPerIp: 1_000,
      idleTimeoutMs: 300_000,
      maxAuthorizes: 16,
      maxMessagesPerSecond: 50,
      upstreamMessagesPerSecond: 1_500,
    });
    const c = parseTranslatorConfig({
      v1: { maxConnectionsPerIp: 7, idleTimeoutMs: 5_000 },
      upstream: { url, maxMessagesPerSecond: 100, maxMessageBurst: 200 },
    });
    expect(c.limits).toMatchObject({
      maxConnectionsPerIp: 7,
      idleTimeoutMs: 5_000,
      upstreamMessageBurst: 200,
    });
    expect(() => parseTranslatorConfig({ upstream: { url }, v1: { maxAuthorizes: 0 } })).toThrow(
      /v1.maxAuthorizes/,
    );
    expect(() => parseTranslatorConfig({ upstream: { url }, v1: { maxConections: 5 } })).toThrow(
      /v1.maxConections/,
    );
  });

  it('reports every mistake of a file at once, one line each', () => {
    let err: unknown;
    try {
      parseTranslatorConfig(
        { chain: 'regtest', v1: { listen: 'nope', maxConections: 5 }, upstream: { url } },
        'translator.yaml',
      );
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message.split('\n')).toEqual([
      'translator.yaml: 3 problems:',
      '  v1.maxConections: unknown field (did you mean v1.maxConnections?); see docs/pool-config.md',
      "  chain: must be one of mainnet, testnet, dev, got 'regtest'",
      "  v1.listen: expected host:port, got 'nope'",
    ]);
  });

  it('turns the metrics listener off with null and keeps it on by default', () => {
    expect(parseTranslatorConfig({ upstream: { url } }).metricsListen).toBe('127.0.0.1:9101');
    expect(parseTranslatorConfig({ upstream: { url }, metrics: { listen: null } }).metricsListen).toBeNull();
  });

  it('keeps the shared upstream budget below the pool per-connection defaults (2,000/s, burst 20,000)', () => {
    expect(TRANSLATOR_LIMIT_DEFAULTS.upstreamMessagesPerSecond).toBeLessThan(2_000);
    expect(TRANSLATOR_LIMIT_DEFAULTS.upstreamMessageBurst).toBeLessThan(20_000);
    expect(TRANSLATOR_LIMIT_DEFAULTS.maxMessagesPerSecond * 10).toBeLessThan(2_000);
  });

  it('lists every limit in docs/pool-config.md with the generated table', () => {
    const doc = readFileSync(new URL('../../../docs/pool-config.md', import.meta.url), 'utf8');
    expect(translatorLimitsMarkdown()).toContain('`upstream.maxMessagesPerSecond`');
    expect(doc).toContain(translatorLimitsMarkdown());
  });

  it('reads v1.vardiff with defaults for what it leaves out, and refuses min above max', () => {
    const c = parseTranslatorConfig({
      upstream: { url },
      v1: { vardiff: { startDifficulty: 4096, maxStep: 8 } },
    });
    expect(c.vardiff).toEqual({ ...MINER_VARDIFF_DEFAULTS, startDifficulty: 4096, maxStep: 8 });
    expect(() =>
      parseTranslatorConfig({ upstream: { url }, v1: { vardiff: { minDifficulty: 10, maxDifficulty: 5 } } }),
    ).toThrow(/v1.vardiff.minDifficulty/);
  });

  it('documents every v1.vardiff field in docs/miners.md with the generated table', () => {
    const doc = readFileSync(new URL('../../../docs/miners.md', import.meta.url), 'utf8');
    expect(translatorVardiffMarkdown()).toContain('`v1.vardiff.startDifficulty`');
    expect(doc).toContain(translatorVardiffMarkdown());
  });
});
