import { describe, expect, it } from 'vitest';
import { ShareBatchDecoder, ShareBatchEncoder, ShareBatchError, type ShareColumns } from './share-batch.js';

type Seen = Array<[string, number, number, number] | [string, number]>;

function reader() {
  const seen: Seen = [];
  const decoder = new ShareBatchDecoder();
  const read = (b: ShareColumns) =>
    decoder.read(structuredClone(b), {
      share: (w, d, t, h) => seen.push([w, d, t, h]),
      rejected: (w, t) => seen.push([w, t]),
    });
  return { seen, read };
}

describe('share batches between an instance and the primary', () => {
  it('delivers every share and rejection with its worker, in order, through structured clone', () => {
    const enc = new ShareBatchEncoder();
    enc.addShare('alice.1', 16, 1_000, 5);
    enc.addRejected('bob', 1_001);
    enc.addShare('bob', 32, 1_002, 5);
    const r = reader();
    r.read(enc.take());
    expect(r.seen).toEqual([
      ['alice.1', 16, 1_000, 5],
      ['bob', 32, 1_002, 5],
      ['bob', 1_001],
    ]);
  });

  it('sends a worker name once, then only its index', () => {
    const enc = new ShareBatchEncoder();
    enc.addShare('alice.1', 1, 1, 1);
    enc.addShare('alice.1', 1, 2, 1);
    const first = enc.take();
    expect(first.names).toEqual(['alice.1']);
    enc.addShare('alice.1', 1, 3, 1);
    enc.addShare('carol', 1, 4, 1);
    const second = enc.take();
    expect(second.names).toEqual(['carol']);
    expect([...second.workers]).toEqual([0, 1]);
    const r = reader();
    r.read(first);
    r.read(second);
    expect(r.seen.map((s) => s[0])).toEqual(['alice.1', 'alice.1', 'alice.1', 'carol']);
  });

  it('starts the name table over once it is full, and the primary follows', () => {
    const enc = new ShareBatchEncoder(2);
    const r = reader();
    enc.addShare('a', 1, 1, 1);
    enc.addShare('b', 1, 2, 1);
    r.read(enc.take());
    enc.addShare('c', 1, 3, 1);
    const after = enc.take();
    expect(after.reset).toBe(true);
    expect([...after.workers]).toEqual([0]);
    r.read(after);
    expect(r.seen.map((s) => s[0])).toEqual(['a', 'b', 'c']);
  });

  it('lets a restarted instance start from nothing: its first batch resets the primary’s table', () => {
    const r = reader();
    const before = new ShareBatchEncoder();
    before.addShare('old', 1, 1, 1);
    r.read(before.take());
    const restarted = new ShareBatchEncoder();
    restarted.addShare('new', 1, 2, 1);
    r.read(restarted.take());
    expect(r.seen.map((s) => s[0])).toEqual(['old', 'new']);
  });

  it('refuses a batch naming an index it was never told, and delivers none of it', () => {
    const enc = new ShareBatchEncoder();
    enc.addShare('a', 1, 1, 1);
    const b = enc.take();
    const r = reader();
    expect(() => r.read({ ...b, workers: Uint32Array.of(0, 1), values: new Float64Array(6) })).toThrow(
      ShareBatchError,
    );
    expect(() => r.read({ ...b, values: new Float64Array(2) })).toThrow(/different lengths/);
    expect(r.seen).toEqual([]);
  });
});
