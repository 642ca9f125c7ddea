import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes } from '../ckb/hex.js';
import { Reader, Sv2DecodeError, Sv2EncodeError, Writer } from './binary.js';

const enc = (f: (w: Writer) => void): string => {
  const w = new Writer(1);
  f(w);
  return bytesToHex(w.finish());
};
const rd = (hex: string): Reader => new Reader(hexToBytes(hex));

function decodeError(f: () => unknown): Sv2DecodeError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(Sv2DecodeError);
    return e as Sv2DecodeError;
  }
  throw new Error('expected an Sv2DecodeError');
}

describe('SV2 binary types', () => {
  it('writes fixed-size integers little-endian', () => {
    expect(enc((w) => w.bool(true).bool(false))).toBe('0100');
    expect(enc((w) => w.u8(0xab))).toBe('ab');
    expect(enc((w) => w.u16(0x1234))).toBe('3412');
    expect(enc((w) => w.u24(0x123456))).toBe('563412');
    expect(enc((w) => w.u32(0xdeadbeef))).toBe('efbeadde');
    expect(enc((w) => w.u64(0x0102030405060708n))).toBe('0807060504030201');
    expect(enc((w) => w.f32(1e12))).toBe('a5d46853');
  });

  it('reads fixed-size integers little-endian', () => {
    const r = rd('01fe' + 'ab' + '3412' + '563412' + 'efbeadde' + '0807060504030201' + 'a5d46853');
    expect(r.bool()).toBe(true);
    // SRI reads only bit 0 of a BOOL: 0xfe is false.
    expect(r.bool()).toBe(false);
    expect(r.u8()).toBe(0xab);
    expect(r.u16()).toBe(0x1234);
    expect(r.u24()).toBe(0x123456);
    expect(r.u32()).toBe(0xdeadbeef);
    expect(r.u64()).toBe(0x0102030405060708n);
    expect(r.f32()).toBe(Math.fround(1e12));
    expect(r.remaining).toBe(0);
  });

  it('writes U256, PUBKEY and SIGNATURE as raw bytes, never reversed', () => {
    const b32 = Uint8Array.from({ length: 32 }, (_, i) => i);
    const b64 = Uint8Array.from({ length: 64 }, (_, i) => 255 - i);
    expect(enc((w) => w.u256(b32))).toBe(bytesToHex(b32));
    expect(enc((w) => w.pubkey(b32))).toBe(bytesToHex(b32));
    expect(enc((w) => w.signature(b64))).toBe(bytesToHex(b64));
    const r = new Reader(new Uint8Array([...b32, ...b64]));
    expect(r.u256()).toEqual(b32);
    expect(r.signature()).toEqual(b64);
  });

  it('prefixes strings and byte arrays with their length in the right width', () => {
    expect(enc((w) => w.str0_255('abc'))).toBe('03616263');
    expect(enc((w) => w.str0_255('é'))).toBe('02c3a9');
    expect(enc((w) => w.b0_32(new Uint8Array([1, 2])))).toBe('020102');
    expect(enc((w) => w.b0_255(new Uint8Array([9])))).toBe('0109');
    expect(enc((w) => w.b0_64k(new Uint8Array([9])))).toBe('010009');
    expect(enc((w) => w.b0_16m(new Uint8Array([9])))).toBe('01000009');
    expect(enc((w) => w.b0_16m(new Uint8Array(0)))).toBe('000000');
  });

  it('writes sequences with a count prefix and OPTION as a 0/1 count', () => {
    const u16 = (w: Writer, v: number) => {
      w.u16(v);
    };
    expect(enc((w) => w.seq0_255([1, 2], u16))).toBe('0201000200');
    expect(enc((w) => w.seq0_64k([0x4ccb], u16))).toBe('0100cb4c');
    expect(enc((w) => w.option(null, u16))).toBe('00');
    expect(enc((w) => w.option(7, u16))).toBe('010700');
  });

  it('refuses on encode every value outside its type', () => {
    const bad: Array<(w: Writer) => unknown> = [
      (w) => w.u8(256),
      (w) => w.u8(-1),
      (w) => w.u16(1.5),
      (w) => w.u24(0x1000000),
      (w) => w.u32(2 ** 32),
      (w) => w.u64(-1n),
      (w) => w.u64(2n ** 64n),
      (w) => w.u256(new Uint8Array(31)),
      (w) => w.pubkey(new Uint8Array(33)),
      (w) => w.signature(new Uint8Array(32)),
      (w) => w.str0_255('x'.repeat(256)),
      (w) => w.str0_255('é'.repeat(128)), // 256 bytes in UTF-8
      (w) => w.b0_32(new Uint8Array(33)),
      (w) => w.b0_255(new Uint8Array(256)),
      (w) => w.b0_64k(new Uint8Array(65536)),
      (w) => w.seq0_255(new Array(256).fill(0), () => {}),
      (w) => w.seq0_64k(new Array(65536).fill(0), () => {}),
    ];
    for (const f of bad) expect(() => f(new Writer())).toThrow(Sv2EncodeError);
  });

  it('accepts the largest value of each length-prefixed type', () => {
    expect(enc((w) => w.str0_255('x'.repeat(255))).length).toBe(2 * 256);
    expect(new Reader(new Writer().b0_32(new Uint8Array(32)).finish()).b0_32().length).toBe(32);
    const big = new Writer().b0_64k(new Uint8Array(65535)).finish();
    expect(new Reader(big).b0_64k().length).toBe(65535);
  });

  it('reports truncated input with a typed error and the offset', () => {
    expect(decodeError(() => rd('0102').u32()).code).toBe('truncated');
    expect(decodeError(() => rd('0102').u32()).offset).toBe(0);
    expect(decodeError(() => rd('05616263').str0_255()).code).toBe('truncated');
    expect(decodeError(() => rd('0300').b0_64k()).code).toBe('truncated');
    expect(decodeError(() => rd('').bool()).code).toBe('truncated');
    expect(decodeError(() => rd('00'.repeat(31)).u256()).code).toBe('truncated');
  });

  it('enforces B0_32 on decode, where the U8 prefix alone would allow 255', () => {
    const e = decodeError(() => rd(`21${'00'.repeat(33)}`).b0_32());
    expect(e.code).toBe('length-limit');
    expect(e.message).toMatch(/B0_32 length 33 exceeds 32/);
  });

  it('rejects an OPTION count other than 0 or 1', () => {
    expect(decodeError(() => rd('020000000000000000').option((r) => r.u32())).code).toBe('invalid-value');
  });

  it('rejects a sequence whose count cannot fit the bytes left before reading elements', () => {
    const e = decodeError(() => rd('ffff0000').seq0_64k((r) => r.u32(), 4));
    expect(e.code).toBe('truncated');
    expect(e.message).toMatch(/65535 elements/);
  });

  it('decodes invalid UTF-8 in a STR0_255 lossily instead of failing (SRI does not validate)', () => {
    expect(rd('02c328').str0_255()).toBe('\ufffd(');
  });

  it('round-trips every type for arbitrary values', () => {
    fc.assert(
      fc.property(
        fc.record({
          b: fc.boolean(),
          u8: fc.integer({ min: 0, max: 0xff }),
          u16: fc.integer({ min: 0, max: 0xffff }),
          u24: fc.integer({ min: 0, max: 0xffffff }),
          u32: fc.integer({ min: 0, max: 0xffffffff }),
          u64: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
          f32: fc.float(),
          u256: fc.uint8Array({ minLength: 32, maxLength: 32 }),
          sig: fc.uint8Array({ minLength: 64, maxLength: 64 }),
          s: fc.string({ unit: 'grapheme-ascii', maxLength: 255 }),
          b32: fc.uint8Array({ maxLength: 32 }),
          b255: fc.uint8Array({ maxLength: 255 }),
          b64k: fc.uint8Array({ maxLength: 300 }),
          b16m: fc.uint8Array({ maxLength: 300 }),
          seq: fc.array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 40 }),
          opt: fc.option(fc.integer({ min: 0, max: 0xffffffff })),
        }),
        (v) => {
          const u32 = (w: Writer, x: number) => {
            w.u32(x);
          };
          const w = new Writer(2);
          w.bool(v.b).u8(v.u8).u16(v.u16).u24(v.u24).u32(v.u32).u64(v.u64).f32(v.f32).u256(v.u256);
          w.signature(v.sig).str0_255(v.s).b0_32(v.b32).b0_255(v.b255).b0_64k(v.b64k).b0_16m(v.b16m);
          w.seq0_255(v.seq, u32).seq0_64k(v.seq, u32).option(v.opt, u32);
          const r = new Reader(w.finish());
          const back = {
            b: r.bool(),
            u8: r.u8(),
            u16: r.u16(),
            u24: r.u24(),
            u32: r.u32(),
            u64: r.u64(),
            f32: r.f32(),
            u256: r.u256(),
            sig: r.signature(),
            s: r.str0_255(),
            b32: r.b0_32(),
            b255: r.b0_255(),
            b64k: r.b0_64k(),
            b16m: r.b0_16m(),
            seq: r.seq0_255((x) => x.u32(), 4),
            seq64: r.seq0_64k((x) => x.u32(), 4),
            opt: r.option((x) => x.u32()),
          };
          expect(r.remaining).toBe(0);
          expect(back).toEqual({ ...v, seq64: v.seq });
        },
      ),
    );
  });

  it('never throws anything but Sv2DecodeError on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
        const readers: Array<(r: Reader) => unknown> = [
          (r) => r.str0_255(),
          (r) => r.b0_32(),
          (r) => r.b0_64k(),
          (r) => r.b0_16m(),
          (r) => r.seq0_255((x) => x.b0_255()),
          (r) => r.seq0_64k((x) => x.u256(), 32),
          (r) => r.option((x) => x.u64()),
        ];
        for (const read of readers) {
          try {
            read(new Reader(bytes));
          } catch (e) {
            expect(e).toBeInstanceOf(Sv2DecodeError);
          }
        }
      }),
    );
  });
});
