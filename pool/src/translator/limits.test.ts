import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  parseTranslatorLimits,
  TRANSLATOR_LIMIT_DEFAULTS,
  translatorLimitsMarkdown,
  V1Admission,
} from './limits.js';

describe('translator limits', () => {
  it('admits connections up to the per-IP and total caps, naming the one that refuses, and frees them on leave', () => {
    const a = new V1Admission(3, 2);
    expect(a.admit('10.0.0.1')).toBeNull();
    expect(a.admit('10.0.0.1')).toBeNull();
    expect(a.admit('10.0.0.1')).toBe('per_ip');
    expect(a.admit('10.0.0.2')).toBeNull();
    expect(a.full).toBe(true);
    expect(a.admit('10.0.0.3')).toBe('total');
    a.leave('10.0.0.1');
    expect(a.full).toBe(false);
    expect(a.admit('10.0.0.1')).toBeNull();
    expect(a.connections).toBe(3);
  });

  it('keeps the shared upstream budget below the pool per-connection defaults (2,000/s, burst 20,000)', () => {
    expect(TRANSLATOR_LIMIT_DEFAULTS.upstreamMessagesPerSecond).toBeLessThan(2_000);
    expect(TRANSLATOR_LIMIT_DEFAULTS.upstreamMessageBurst).toBeLessThan(20_000);
    expect(TRANSLATOR_LIMIT_DEFAULTS.maxMessagesPerSecond * 10).toBeLessThan(2_000);
  });

  it('fills defaults and refuses out-of-range values by their yaml name', () => {
    const fail = (m: string) => new Error(m);
    expect(parseTranslatorLimits({ v1: {}, upstream: {} }, fail)).toEqual(TRANSLATOR_LIMIT_DEFAULTS);
    expect(() => parseTranslatorLimits({ v1: { idleTimeoutMs: 5 }, upstream: {} }, fail)).toThrow(
      'v1.idleTimeoutMs must be an integer 1000..86400000',
    );
    expect(translatorLimitsMarkdown()).toContain('`upstream.maxMessagesPerSecond`');
  });
});

describe('translator limits documentation', () => {
  it('lists every limit in docs/pool-config.md with the generated table', () => {
    const doc = readFileSync(new URL('../../../docs/pool-config.md', import.meta.url), 'utf8');
    expect(doc).toContain(translatorLimitsMarkdown());
  });
});
