import { blake2b } from '@noble/hashes/blake2.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ckbhash, zeroHash } from './hash.js';
import { bytesToHex } from './hex.js';

describe('ckbhash', () => {
  it('hashes the empty input to the node BLANK_HASH constant', () => {
    // ckb util/hash/src/lib.rs BLANK_HASH (decimal bytes 68, 244, 198, ... 22, 62).
    expect(bytesToHex(ckbhash())).toBe('44f4c69744d5f8c55d642062949dcae49bc4e7ef43d388c5a12f42b5633d163e');
    expect(ckbhash(new Uint8Array(0))).toEqual(ckbhash());
  });

  it('differs from plain blake2b-256 (the personalization matters)', () => {
    const data = new TextEncoder().encode('ckb');
    expect(ckbhash(data)).not.toEqual(blake2b(data, { dkLen: 32 }));
  });

  it('hashes the parts as if they were concatenated', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 5 }), (parts) => {
        const joined = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
        let at = 0;
        for (const p of parts) {
          joined.set(p, at);
          at += p.length;
        }
        expect(ckbhash(...parts)).toEqual(ckbhash(joined));
      }),
    );
  });

  it('gives a fresh 32-byte zero hash for empty commitments', () => {
    const z = zeroHash();
    expect(z).toEqual(new Uint8Array(32));
    z[0] = 1;
    expect(zeroHash()[0]).toBe(0);
  });
});
