import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeWithShared, readSharedJson } from '../../test/shared.js';
import { referenceEaglesong, referencePermutation } from '../../test/support/eaglesong-reference.js';
import {
  eaglesong,
  eaglesongPermutation,
  eaglesongPow,
  eaglesongPowInto,
  nonceToWords,
  powMidstate,
  powWordsToBytes,
  wordsToNonce,
} from './eaglesong.js';
import { EAGLESONG_INJECTION } from './eaglesong-constants.js';
import { bytesToHex, hexToBytes } from './hex.js';

const text = (s: string) => new TextEncoder().encode(s);

describe('Eaglesong', () => {
  it('hashes the RFC 0010 examples', () => {
    expect(bytesToHex(eaglesong(new Uint8Array(0)))).toBe(
      '9e4452fc7aed93d7240b7b55263792befd1be09252b456401122ba71a56f62a0',
    );
    expect(bytesToHex(eaglesong(text('abc')))).toBe(
      '1e93baa3ff9f8afa381430b7811d428c5b4514f39f6a78d00511b20305067b68',
    );
    expect(bytesToHex(eaglesong(text('Hello, world!\n')))).toBe(
      '64867e2441d162615dc2430b6bcb4d3f4b95e4d0db529fca1eece73c077d72d6',
    );
  });

  it('hashes the 48-byte stratum example (pow_hash ‖ nonce) the same on both paths', () => {
    const input = hexToBytes(
      'd5a74fba920ad0d35ec5726f26327547cbc82180e356e5ccf6cf2e6bd75f8a6600c904bd000000000000000000114026',
    );
    const expected = '000034965758f32a266558876abba7be3ea343086bf048c9fc3c854e77a2f360';
    expect(bytesToHex(eaglesong(input))).toBe(expected);
    expect(bytesToHex(eaglesongPow(powMidstate(input.subarray(0, 32)), input.subarray(32)))).toBe(expected);
  });

  it('agrees with the plain reference permutation on random states', () => {
    fc.assert(
      fc.property(fc.uint32Array({ minLength: 16, maxLength: 16 }), (words) => {
        const fast = Uint32Array.from(words);
        const slow = Uint32Array.from(words);
        eaglesongPermutation(fast);
        referencePermutation(slow);
        expect(fast).toEqual(slow);
      }),
      { numRuns: 200 },
    );
  });

  it('agrees with the plain reference sponge on random inputs and output lengths', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.integer({ min: 0, max: 100 }), (input, outLen) => {
        expect(bytesToHex(eaglesong(input, outLen))).toBe(bytesToHex(referenceEaglesong(input, outLen)));
      }),
      { numRuns: 150 },
    );
  });

  it('squeezes longer outputs whose first 32 bytes are the normal hash', () => {
    const long = eaglesong(text('abc'), 80);
    expect(long.length).toBe(80);
    expect(long.subarray(0, 32)).toEqual(eaglesong(text('abc')));
    expect(eaglesong(text('abc'), 0).length).toBe(0);
    expect(() => eaglesong(text('abc'), -1)).toThrow(RangeError);
  });

  it('computes pow_hash ‖ nonce with one permutation from the midstate, on bytes and on words', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        (powHash, nonce) => {
          const message = new Uint8Array(48);
          message.set(powHash);
          message.set(nonce, 32);
          const expected = bytesToHex(referenceEaglesong(message));
          const mid = powMidstate(powHash);
          expect(bytesToHex(eaglesongPow(mid, nonce))).toBe(expected);
          const outWords = new Uint32Array(8);
          eaglesongPowInto(mid, nonceToWords(nonce), outWords);
          expect(bytesToHex(powWordsToBytes(outWords))).toBe(expected);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('leaves the midstate untouched and writes into the caller’s buffer', () => {
    const mid = powMidstate(new Uint8Array(32).fill(0xab));
    const before = mid.slice();
    const out = new Uint8Array(32);
    const returned = eaglesongPow(mid, new Uint8Array(16).fill(1), out);
    expect(returned).toBe(out);
    expect(mid).toEqual(before);
    expect(bytesToHex(out)).toBe(
      bytesToHex(
        eaglesong(new Uint8Array([...new Uint8Array(32).fill(0xab), ...new Uint8Array(16).fill(1)])),
      ),
    );
  });

  it('converts nonces to big-endian words and back', () => {
    expect(Array.from(nonceToWords(hexToBytes('000102030405060708090a0b0c0d0e0f')))).toEqual([
      0x00010203, 0x04050607, 0x08090a0b, 0x0c0d0e0f,
    ]);
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (nonce) => {
        expect(wordsToNonce(nonceToWords(nonce))).toEqual(nonce);
      }),
    );
  });

  it('refuses a pow_hash or nonce of the wrong length', () => {
    expect(() => powMidstate(new Uint8Array(31))).toThrow(/32 bytes/);
    expect(() => eaglesongPow(powMidstate(new Uint8Array(32)), new Uint8Array(15))).toThrow(/16 bytes/);
  });
});

describeWithShared('reference/ckb/eaglesong-injection-constants.json', 'Eaglesong constants', () => {
  it('match the published 43 × 16 injection constants', () => {
    const { constants } = readSharedJson<{ constants: number[] }>(
      'reference/ckb/eaglesong-injection-constants.json',
    );
    expect(constants.length).toBe(688);
    expect(Array.from(EAGLESONG_INJECTION)).toEqual(constants);
  });
});

interface Vector {
  input_hex?: string;
  input_text?: string;
  eaglesong: string;
}

describeWithShared('reference/ckb/eaglesong-vectors.json', 'Eaglesong official vectors', () => {
  const { vectors } = readSharedJson<{ vectors: Vector[] }>('reference/ckb/eaglesong-vectors.json');
  it('reproduces every vector', () => {
    expect(vectors.length).toBeGreaterThan(10);
    for (const v of vectors) {
      const input = v.input_hex !== undefined ? hexToBytes(v.input_hex) : text(v.input_text ?? '');
      expect(bytesToHex(eaglesong(input)), v.input_text ?? v.input_hex).toBe(v.eaglesong);
    }
  });
});

interface RealHeader {
  chain: string;
  computed: { eaglesong_input: string; eaglesong_output: string };
}

describeWithShared('reference/ckb/real-headers.json', 'Eaglesong on real CKB headers', () => {
  const { headers } = readSharedJson<{ headers: RealHeader[] }>('reference/ckb/real-headers.json');
  it('reproduces the Eaglesong output of all 127 headers on the generic and the midstate path', () => {
    expect(headers.length).toBe(127);
    for (const h of headers) {
      const input = hexToBytes(h.computed.eaglesong_input);
      expect(input.length).toBe(48);
      const expected = h.computed.eaglesong_output.slice(2);
      expect(bytesToHex(eaglesong(input))).toBe(expected);
      expect(bytesToHex(eaglesongPow(powMidstate(input.subarray(0, 32)), input.subarray(32)))).toBe(expected);
    }
  });
});
