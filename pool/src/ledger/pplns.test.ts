import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PARTS_TOTAL, pplnsSplit } from './pplns.js';

describe('PPLNS split', () => {
  it('covers exactly the window, counting the oldest share partially', () => {
    const shares = [
      { worker: 'a', difficulty: 40 },
      { worker: 'b', difficulty: 40 },
      { worker: 'a', difficulty: 40 },
      { worker: 'c', difficulty: 1000 },
    ];
    const split = pplnsSplit(shares, 100);
    expect(split.windowDifficulty).toBe(100);
    expect(split.shareCount).toBe(3);
    const a = split.entries.find((e) => e.worker === 'a');
    const b = split.entries.find((e) => e.worker === 'b');
    expect(a?.difficulty).toBe(60);
    expect(b?.difficulty).toBe(40);
    expect(a?.parts).toBe(PARTS_TOTAL * 0.6);
    expect(split.entries.some((e) => e.worker === 'c')).toBe(false);
  });

  it('uses what there is when the ledger holds less than the window', () => {
    const split = pplnsSplit([{ worker: 'x', difficulty: 5 }], 100);
    expect(split.windowDifficulty).toBe(5);
    expect(split.entries).toEqual([{ worker: 'x', difficulty: 5, parts: PARTS_TOTAL }]);
    expect(pplnsSplit([], 100).entries).toEqual([]);
  });

  it('always adds up to exactly PARTS_TOTAL, proportional within one part', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            worker: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g'),
            difficulty: fc.double({ min: 1e-3, max: 1e15, noNaN: true }),
          }),
          { minLength: 1, maxLength: 200 },
        ),
        fc.double({ min: 1e-3, max: 1e17, noNaN: true }),
        (shares, window) => {
          const split = pplnsSplit(shares, window);
          const sum = split.entries.reduce((a, e) => a + e.parts, 0);
          expect(sum).toBe(PARTS_TOTAL);
          for (const e of split.entries) {
            expect(Number.isInteger(e.parts)).toBe(true);
            const ideal = (e.difficulty / split.windowDifficulty) * PARTS_TOTAL;
            expect(Math.abs(e.parts - ideal)).toBeLessThan(split.entries.length + 1 + ideal * 1e-9);
          }
        },
      ),
    );
  });
});
