import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ExtranonceAllocator, extranoncePrefix, parseExtranoncePrefix } from './extranonce.js';

describe('extranonce allocation', () => {
  it('lays out instance id then a 3-byte big-endian channel index', () => {
    expect([...extranoncePrefix(7, 0x010203)]).toEqual([7, 1, 2, 3]);
    expect(parseExtranoncePrefix(Uint8Array.of(9, 0xff, 0, 1))).toEqual({
      instanceId: 9,
      channelIndex: 0xff0001,
    });
  });

  it('never hands out a prefix that is in use, and reuses the oldest freed index first', () => {
    const a = new ExtranonceAllocator(1, 4);
    const got = [a.allocate(), a.allocate(), a.allocate(), a.allocate()];
    expect(got).toEqual([0, 1, 2, 3]);
    expect(a.allocate()).toBeNull();
    a.release(2);
    a.release(0);
    expect(a.allocate()).toBe(2);
    expect(a.allocate()).toBe(0);
    expect(a.allocate()).toBeNull();
  });

  it('keeps allocated indexes disjoint under any allocate/release sequence', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constant(-1), fc.nat(40)), { maxLength: 300 }), (ops) => {
        const a = new ExtranonceAllocator(0, 32);
        const held = new Set<number>();
        for (const op of ops) {
          if (op === -1) {
            const i = a.allocate();
            if (i === null) {
              expect(held.size).toBe(32);
            } else {
              expect(held.has(i)).toBe(false);
              held.add(i);
            }
          } else if (held.has(op)) {
            a.release(op);
            held.delete(op);
          }
        }
        expect(a.size).toBe(held.size);
      }),
    );
  });

  it('rejects an instance id outside one byte', () => {
    expect(() => new ExtranonceAllocator(256)).toThrow(RangeError);
  });
});
