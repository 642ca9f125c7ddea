import { describe, expect, it } from 'vitest';
import type { TranslatorJob } from './jobs.js';
import { MAX_SHARES_PER_JOB, rememberShare } from './shares.js';

const job = (): TranslatorJob => ({
  v1Id: '1',
  epoch: 1,
  upstreamJobId: 1,
  ordinal: 1,
  powHash: new Uint8Array(32),
  midstate: new Uint32Array(8),
  height: 1n,
  parentHash: new Uint8Array(32),
});

describe('the translator remembers shares per job', () => {
  it('finds a replayed nonce a duplicate, on the same channel prefix only', () => {
    const j = job();
    const suffix = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12);
    expect(rememberShare(j, Uint8Array.of(0, 0, 0, 1), suffix)).toBe('new');
    expect(rememberShare(j, Uint8Array.of(0, 0, 0, 1), suffix)).toBe('duplicate');
    expect(rememberShare(j, Uint8Array.of(0, 0, 0, 2), suffix)).toBe('new');
    expect(rememberShare(job(), Uint8Array.of(0, 0, 0, 1), suffix)).toBe('new');
  });

  it('refuses to remember more than its bound per job (such shares are answered stale, never forwarded)', () => {
    const j = job();
    j.seen = new Set(Array.from({ length: MAX_SHARES_PER_JOB }, (_, i) => `k${i}`));
    expect(rememberShare(j, Uint8Array.of(9, 9, 9, 9), new Uint8Array(12))).toBe('full');
  });
});
