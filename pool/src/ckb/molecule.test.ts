import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytesToHex } from './hex.js';
import {
  bytesVec,
  dynvec,
  fixvec,
  MoleculeError,
  option,
  readBytes,
  readDynvec,
  readFixvec,
  readOption,
  readTable,
  readU32,
  readU64,
  readU128,
  table,
  u32le,
  u64le,
  u128le,
} from './molecule.js';
import { JsonFieldError, jsonBytes, jsonUint } from './molecule-json.js';

const h = (b: Uint8Array) => bytesToHex(b);

describe('Molecule encoders', () => {
  it('write the layouts of the Molecule spec', () => {
    expect(h(u32le(0x12345678))).toBe('78563412');
    expect(h(u64le(0x0102030405060708n))).toBe('0807060504030201');
    expect(h(bytesVec(Uint8Array.of(0xab, 0xcd)))).toBe('02000000abcd');
    expect(h(fixvec([Uint8Array.of(1, 2), Uint8Array.of(3, 4)]))).toBe('020000000102' + '0304');
    expect(h(dynvec([]))).toBe('04000000');
    // dynvec of two Bytes: size 23 (0x17), offsets 12 and 17.
    expect(h(dynvec([bytesVec(Uint8Array.of(1)), bytesVec(Uint8Array.of(2, 3))]))).toBe(
      '170000000c00000011000000' + '0100000001' + '020000000203',
    );
    expect(h(table([]))).toBe('04000000');
    expect(h(option(null))).toBe('');
    expect(h(option(Uint8Array.of(7)))).toBe('07');
  });

  it('reject integers outside their width', () => {
    expect(() => u32le(-1)).toThrow(RangeError);
    expect(() => u32le(2 ** 32)).toThrow(RangeError);
    expect(() => u32le(1.5)).toThrow(RangeError);
    expect(() => u64le(2n ** 64n)).toThrow(RangeError);
    expect(() => u128le(2n ** 128n)).toThrow(RangeError);
    expect(() => u128le(-1n)).toThrow(RangeError);
  });

  it('round-trip integers', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 0xffffffff }),
        fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
        fc.bigInt({ min: 0n, max: 2n ** 128n - 1n }),
        (a, b, c) => {
          expect(readU32(u32le(a))).toBe(a);
          expect(readU64(u64le(b))).toBe(b);
          expect(readU128(u128le(c))).toBe(c);
        },
      ),
    );
  });
});

describe('Molecule decoders', () => {
  const items = fc.array(fc.uint8Array({ maxLength: 20 }), { maxLength: 6 });

  it('read back what the encoders wrote', () => {
    fc.assert(
      fc.property(items, fc.uint8Array({ maxLength: 30 }), (xs, data) => {
        expect(readDynvec(dynvec(xs), 'v')).toEqual(xs);
        expect(readBytes(bytesVec(data), 'b')).toEqual(data);
        expect(readOption(option(data.length ? data : null))).toEqual(data.length ? data : null);
        if (xs.length > 0) expect(readTable(table(xs), xs.length, 't')).toEqual(xs);
        const fixed = xs.map((x) => Uint8Array.from({ length: 3 }, (_, i) => x[i] ?? 0));
        expect(readFixvec(fixvec(fixed), 3, 'f')).toEqual(fixed);
      }),
    );
  });

  it('read a table with extra fields only in compatible mode', () => {
    const t = table([Uint8Array.of(1), Uint8Array.of(2), Uint8Array.of(3)]);
    expect(() => readTable(t, 2, 'T')).toThrow(/T: expected 2 fields, got 3/);
    expect(readTable(t, 2, 'T', true)).toHaveLength(3);
    expect(() => readTable(t, 4, 'T', true)).toThrow(/T: expected 4 fields, got 3/);
  });

  it('reject malformed headers, naming the value', () => {
    const good = dynvec([Uint8Array.of(1), Uint8Array.of(2)]);
    const tamper = (at: number, v: number) => {
      const b = good.slice();
      b.set(u32le(v), at);
      return b;
    };
    expect(() => readDynvec(good.subarray(0, 3), 'X')).toThrow(/X: 3 bytes is shorter than the size header/);
    expect(() => readDynvec(tamper(0, 99), 'X')).toThrow(/X: size header says 99 bytes/);
    expect(() => readDynvec(tamper(4, 6), 'X')).toThrow(/X: bad first offset 6/);
    expect(() => readDynvec(tamper(4, 40), 'X')).toThrow(/X: first offset 40 beyond size/);
    expect(() => readDynvec(tamper(8, 9), 'X')).toThrow(/X: offsets out of order/);
    expect(() => readFixvec(Uint8Array.of(2, 0, 0, 0, 1, 2, 3), 2, 'F')).toThrow(
      /F: 2 items of 2 bytes need 8/,
    );
    expect(() => readBytes(Uint8Array.of(5, 0, 0, 0, 1), 'B')).toThrow(
      /B: length header says 5 bytes, got 1/,
    );
    expect(() => readBytes(Uint8Array.of(5, 0, 0, 0, 1), 'B')).toThrow(MoleculeError);
  });
});

describe('JSON primitives', () => {
  it('check widths and sizes, naming the field', () => {
    expect(jsonUint('0xffffffff', 32, 'a')).toBe(0xffffffffn);
    expect(() => jsonUint('0x100000000', 32, 'a')).toThrow(/^a: 0x100000000 does not fit in 32 bits$/);
    expect(() => jsonUint('0X1', 64, 'b')).toThrow(JsonFieldError);
    expect(() => jsonUint('0xA', 64, 'b')).toThrow(/^b: /);
    expect(jsonBytes('0x', 'c')).toEqual(new Uint8Array(0));
    expect(() => jsonBytes('0xabc', 'c')).toThrow(/^c: hex has an odd number of digits/);
    expect(() => jsonBytes('0xab', 'c', 2)).toThrow(/^c: expected 2 bytes \(4 hex digits\), got 1$/);
  });
});
