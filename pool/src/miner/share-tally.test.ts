import { describe, expect, it } from 'vitest';
import { ShareTally } from './share-tally.js';

describe('ShareTally', () => {
  it('counts accepted shares, blocks among them, and rejections by reason', () => {
    const t = new ShareTally();
    t.accept();
    t.accept(true);
    t.reject('stale-share');
    t.reject('stale-share');
    t.reject('timeout');
    expect([t.accepted, t.blocks, t.rejected]).toEqual([2, 1, 3]);
    expect(t.rejectReasons()).toEqual({ 'stale-share': 2, timeout: 1 });
  });
});
