import { createCipheriv, createDecipheriv } from 'node:crypto';
import { poly1305 } from '@noble/ciphers/_poly1305.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChaCha20Poly1305Key } from './chacha20poly1305.js';
import { poly1305FullBlocks } from './poly1305.js';

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');

function nodeSeal(key: Uint8Array, nonce: Uint8Array, ad: Uint8Array, pt: Uint8Array): Uint8Array {
  const c = createCipheriv('chacha20-poly1305', key, nonce);
  if (ad.length) c.setAAD(ad, { plaintextLength: pt.length });
  return Uint8Array.from(Buffer.concat([c.update(pt), c.final(), c.getAuthTag()]));
}

function ours(key: Uint8Array, nonce: Uint8Array, ad: Uint8Array, pt: Uint8Array): Uint8Array {
  const k = new ChaCha20Poly1305Key(key);
  const [n0, n1, n2] = ChaCha20Poly1305Key.nonceWords(nonce);
  const out = new Uint8Array(pt.length + 16);
  expect(k.sealInto(n0, n1, n2, ad, pt, out, 0)).toBe(pt.length + 16);
  return out;
}

describe('ChaCha20-Poly1305 for small messages', () => {
  it('matches RFC 8439 §2.8.2 (the sunscreen vector), and opens it back', () => {
    const key = hex('808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f');
    const nonce = hex('070000004041424344454647');
    const ad = hex('50515253c0c1c2c3c4c5c6c7');
    const pt = new TextEncoder().encode(
      "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.",
    );
    const sealed = ours(key, nonce, ad, pt);
    expect(toHex(sealed.subarray(0, 16))).toBe('d31a8d34648e60db7b86afbc53ef7ec2');
    expect(toHex(sealed.subarray(pt.length))).toBe('1ae10b594f09e26a7e902ecbd0600691');
    const [n0, n1, n2] = ChaCha20Poly1305Key.nonceWords(nonce);
    expect(toHex(new ChaCha20Poly1305Key(key).open(n0, n1, n2, ad, sealed) ?? new Uint8Array())).toBe(
      toHex(pt),
    );
  });

  it('seals byte for byte like OpenSSL, and opens what OpenSSL sealed, for any key, nonce, AD and size', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 12, maxLength: 12 }),
        fc.uint8Array({ maxLength: 80 }),
        fc.uint8Array({ maxLength: 600 }),
        (key, nonce, ad, pt) => {
          const sealed = nodeSeal(key, nonce, ad, pt);
          expect(toHex(ours(key, nonce, ad, pt))).toBe(toHex(sealed));
          const [n0, n1, n2] = ChaCha20Poly1305Key.nonceWords(nonce);
          expect(toHex(new ChaCha20Poly1305Key(key).open(n0, n1, n2, ad, sealed) ?? hex('ff'))).toBe(
            toHex(pt),
          );
        },
      ),
      { numRuns: 400 },
    );
  });

  it('refuses any single flipped bit, a wrong nonce, a wrong AD and a short input, as OpenSSL does', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ maxLength: 200 }),
        fc.nat(),
        (key, pt, flip) => {
          const nonce = new Uint8Array(12);
          const sealed = ours(key, nonce, new Uint8Array(0), pt);
          const bit = flip % (sealed.length * 8);
          sealed[bit >> 3] ^= 1 << (bit & 7);
          const k = new ChaCha20Poly1305Key(key);
          expect(k.open(0, 0, 0, new Uint8Array(0), sealed)).toBeNull();
          const d = createDecipheriv('chacha20-poly1305', key, nonce);
          d.setAuthTag(sealed.subarray(pt.length));
          d.update(sealed.subarray(0, pt.length));
          expect(() => d.final()).toThrow();
          sealed[bit >> 3] ^= 1 << (bit & 7);
          expect(k.open(0, 0, 0, new Uint8Array(0), sealed)).not.toBeNull();
          expect(k.open(0, 1, 0, new Uint8Array(0), sealed)).toBeNull();
          expect(k.open(0, 0, 0, Uint8Array.of(0), sealed)).toBeNull();
        },
      ),
      { numRuns: 200 },
    );
    expect(
      new ChaCha20Poly1305Key(new Uint8Array(32)).open(0, 0, 0, new Uint8Array(0), new Uint8Array(15)),
    ).toBeNull();
  });

  it('reduces Poly1305 correctly where h lands at or above 2^130 - 5 (the edge cases of RFC 8439 A.3)', () => {
    const ff = 'ff'.repeat(16);
    // [r ‖ s, message]: each drives the accumulator onto the final modular reduction's edges.
    const cases: Array<[string, string]> = [
      [`02${'00'.repeat(31)}`, ff],
      [`02${'00'.repeat(15)}${ff}`, `02${'00'.repeat(15)}`],
      [`01${'00'.repeat(31)}`, `${ff}f0${'ff'.repeat(15)}11${'00'.repeat(15)}`],
      [`01${'00'.repeat(31)}`, `${ff}fb${'fe'.repeat(15)}${'01'.repeat(16)}`],
      [`02${'00'.repeat(31)}`, `fd${'ff'.repeat(15)}`],
      [
        `01${'00'.repeat(7)}04${'00'.repeat(23)}`,
        `e33594d7505e43b9${'00'.repeat(8)}33944f7a9b6a32c1${'00'.repeat(8)}${'00'.repeat(16)}01${'00'.repeat(15)}`,
      ],
      [ff + ff, ff.repeat(8)],
      [`${'00'.repeat(32)}`, ff.repeat(3)],
    ];
    for (const [key, msg] of cases) {
      expect(toHex(poly1305FullBlocks(hex(key), hex(msg)))).toBe(toHex(poly1305(hex(msg), hex(key))));
    }
    // Known answers from RFC 8439 A.3 (#5, #7, #8).
    expect(toHex(poly1305FullBlocks(hex(cases[0]?.[0] ?? ''), hex(ff)))).toBe(`03${'00'.repeat(15)}`);
    expect(toHex(poly1305FullBlocks(hex(cases[2]?.[0] ?? ''), hex(cases[2]?.[1] ?? '')))).toBe(
      `05${'00'.repeat(15)}`,
    );
    expect(toHex(poly1305FullBlocks(hex(cases[3]?.[0] ?? ''), hex(cases[3]?.[1] ?? '')))).toBe(
      '00'.repeat(16),
    );
  });

  it('agrees with @noble/ciphers Poly1305 for random keys and all-ones-heavy messages', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.integer({ min: 0, max: 12 }),
        fc.boolean(),
        (key, blocks, ones) => {
          const msg = new Uint8Array(blocks * 16).map((_, i) => (ones ? 0xff : (i * 37) & 0xff));
          expect(toHex(poly1305FullBlocks(key, msg))).toBe(toHex(poly1305(msg, key)));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('rejects keys and nonces of the wrong size with a RangeError', () => {
    expect(() => new ChaCha20Poly1305Key(new Uint8Array(31))).toThrow(RangeError);
    expect(() => ChaCha20Poly1305Key.nonceWords(new Uint8Array(8))).toThrow(RangeError);
  });
});
