import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JobNonceSet, nonceKey } from './duplicates.js';

describe('duplicate detection', () => {
  it('flags the second submission of the same nonce', () => {
    const s = new JobNonceSet(10);
    const n = Uint8Array.from({ length: 16 }, (_, i) => i);
    expect(s.checkAndAdd(n)).toBe('new');
    expect(s.checkAndAdd(n.slice())).toBe('duplicate');
  });

  it('stops growing at the cap and says so instead of forgetting', () => {
    const s = new JobNonceSet(3);
    for (let i = 0; i < 3; i++) expect(s.checkAndAdd(Uint8Array.of(i, ...new Uint8Array(15)))).toBe('new');
    expect(s.checkAndAdd(Uint8Array.of(9, ...new Uint8Array(15)))).toBe('full');
    expect(s.size).toBe(3);
    expect(s.checkAndAdd(Uint8Array.of(1, ...new Uint8Array(15)))).toBe('duplicate');
  });

  it('maps distinct nonces to distinct keys', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        (a, b) => {
          const same = a.every((x, i) => x === b[i]);
          expect(nonceKey(a) === nonceKey(b)).toBe(same);
        },
      ),
    );
  });
});
