import { describe, expect, it } from 'vitest';
import { WorkBook, type WorkInput } from './work-book.js';

const parent = (n: number) => new Uint8Array(32).fill(n);
const input = (source: 'pool' | 'declared', height: bigint, upstreamJobId: number): WorkInput => ({
  source,
  upstreamJobId,
  height,
  powHash: new Uint8Array(32).fill(upstreamJobId),
  parentHash: parent(Number(height)),
  compactTarget: 0x207fffff,
});

describe('the JD client’s work book', () => {
  it('mines the pool’s job until a declared job on the same parent is accepted', () => {
    const book = new WorkBook();
    const pool = book.poolJob(input('pool', 10n, 1));
    expect(pool?.source).toBe('pool');
    expect(pool?.job.clean).toBe(true);
    const declared = book.declaredJob(input('declared', 10n, 50));
    expect(declared?.source).toBe('declared');
    expect(declared?.job.clean).toBe(false); // same parent: earlier shares stay valid
    expect(book.active?.upstreamJobId).toBe(50);
    // A pool update on the same parent does not take the miners off their own block.
    expect(book.poolJob(input('pool', 10n, 2))).toBeNull();
    expect(book.active?.source).toBe('declared');
  });

  it('moves to the pool’s job at once when the pool sees a newer parent', () => {
    const book = new WorkBook();
    book.poolJob(input('pool', 10n, 1));
    book.declaredJob(input('declared', 10n, 50));
    const next = book.poolJob(input('pool', 11n, 3));
    expect(next?.source).toBe('pool');
    expect(next?.job.clean).toBe(true);
    // A declaration that arrives for the old parent is stale and not mined.
    expect(book.declaredJob(input('declared', 10n, 51))).toBeNull();
  });

  it('falls back to the latest pool job and maps job ids back to the pool’s', () => {
    const book = new WorkBook();
    const pool = book.poolJob(input('pool', 10n, 7));
    const declared = book.declaredJob(input('declared', 10n, 50));
    const back = book.fallBack();
    expect(back?.source).toBe('pool');
    expect(back?.upstreamJobId).toBe(7);
    expect(book.job(pool!.job.jobId)?.upstreamJobId).toBe(7);
    expect(book.job(declared!.job.jobId)?.upstreamJobId).toBe(50);
    expect(book.fallBack()).toBeNull(); // already on the pool's job
    book.reset();
    expect(book.job(pool!.job.jobId)).toBeNull();
    expect(book.active).toBeNull();
  });
});
