import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  beBytesToUint,
  bytesToHex0x,
  hexToBytes,
  leBytesToUint,
  parseMinimalHex,
  toMinimalHex,
  uintToLeBytes,
} from './hex.js';

describe('hex as CKB JSON writes it', () => {
  it('writes numbers minimally and refuses padded ones', () => {
    expect(toMinimalHex(0)).toBe('0x0');
    expect(toMinimalHex(0x1f)).toBe('0x1f');
    expect(() => parseMinimalHex('0x01')).toThrow(/leading zeros/);
    expect(() => parseMinimalHex('0x')).toThrow();
    expect(() => parseMinimalHex('0xAB')).toThrow();
    expect(parseMinimalHex('0x0')).toBe(0n);
  });

  it('round-trips any byte string and any u128', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
        expect(hexToBytes(bytesToHex0x(b))).toEqual(b);
      }),
    );
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }), (n) => {
        expect(parseMinimalHex(toMinimalHex(n))).toBe(n);
        const le = uintToLeBytes(n, 16);
        expect(leBytesToUint(le)).toBe(n);
        expect(beBytesToUint(le.slice().reverse())).toBe(n);
      }),
    );
  });

  it('rejects odd-length and non-hex input', () => {
    expect(() => hexToBytes('0xabc')).toThrow(/odd/);
    expect(() => hexToBytes('zz')).toThrow(/not a hex/);
  });
});
