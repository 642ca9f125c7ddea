import { describe, expect, it } from 'vitest';
import { workerTotals } from './worker-totals.js';

describe('workerTotals', () => {
  it('sums each worker’s shares and difficulty and keeps its first and last share time', () => {
    const totals = workerTotals([
      { worker: 'a', difficulty: 2, timeMs: 30, height: 1 },
      { worker: 'b', difficulty: 5, timeMs: 10, height: 1 },
      { worker: 'a', difficulty: 3, timeMs: 20, height: 1 },
      { worker: 'a', difficulty: 1, timeMs: 40, height: 2 },
    ]);
    expect([...totals]).toEqual([
      ['a', { n: 3, d: 6, first: 20, last: 40 }],
      ['b', { n: 1, d: 5, first: 10, last: 10 }],
    ]);
  });

  it('gives nothing for no shares', () => {
    expect(workerTotals([]).size).toBe(0);
  });
});
