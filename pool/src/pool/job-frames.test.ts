import { describe, expect, it } from 'vitest';
import { encodeMessage } from '../sv2/messages/index.js';
import { type Job, newCkbJobFrame, newCkbJobMessage } from './jobs.js';

/** The fields a NewCkbJob is built from, nothing else of a job. */
function job(id: number): Job {
  return {
    id,
    height: 100_000n + BigInt(id),
    powHash: new Uint8Array(32).map((_, i) => (i * 13 + id) & 0xff),
    parentHash: new Uint8Array(32).map((_, i) => (i * 29 + id) & 0xff),
    compactTarget: 0x1d00ffff + id,
    frames: new Map(),
  } as unknown as Job;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('NewCkbJob frames of a job', () => {
  it('are byte for byte the encoder output for every channel, also past the cache', () => {
    for (const j of [job(1), job(77)]) {
      // 200 standard channels of one connection, clean and not, then the group channel again.
      const ids = [1, ...Array.from({ length: 200 }, (_, i) => i + 2), 0xffff_ffff, 1];
      for (const clean of [true, false]) {
        for (const id of ids) {
          expect(hex(newCkbJobFrame(j, id, clean))).toBe(hex(encodeMessage(newCkbJobMessage(j, id, clean))));
        }
      }
      expect(j.frames.size).toBe(64);
    }
  });

  it('are encoded once per channel id while the cache has room', () => {
    const j = job(3);
    expect(newCkbJobFrame(j, 1, true)).toBe(newCkbJobFrame(j, 1, true));
    expect(newCkbJobFrame(j, 1, false)).not.toBe(newCkbJobFrame(j, 1, true));
  });
});
