import { describe, expect, it } from 'vitest';
import { AEADS, type AeadName, nonce12, TAG_SIZE } from './aead.js';
import { CipherState } from './symmetric.js';

const KEY = new Uint8Array(32).map((_, i) => 200 - i);
const NAMES = Object.keys(AEADS) as AeadName[];

describe('ChaCha20-Poly1305 bound to a key (transport CipherState)', () => {
  it('lays out the Noise nonce as 4 zero bytes then LE64(n)', () => {
    expect(Buffer.from(nonce12(0x1_0000_0002 + 0x100)).toString('hex')).toBe('000000000201000001000000');
  });

  for (const name of NAMES) {
    it(`seals and opens like the one-shot AEAD for every nonce, including above 2^32 (${name})`, () => {
      const one = AEADS[name];
      const cs = new CipherState(KEY, one);
      const rx = new CipherState(KEY, AEADS[name === 'node' ? 'noble' : 'node']);
      const ad = Uint8Array.of(1, 2, 3);
      for (const n of [0, 1, 0xffff_ffff, 0x1_0000_0000, 2 ** 40 + 7]) {
        cs.n = n;
        rx.n = n;
        const pt = new Uint8Array(37).map((_, i) => i ^ n);
        const ct = cs.encrypt(pt, n % 2 ? ad : undefined);
        expect(Buffer.from(ct)).toEqual(Buffer.from(one.seal(KEY, n, n % 2 ? ad : new Uint8Array(0), pt)));
        // encryptInto writes exactly its ciphertext at the offset and nothing around it.
        cs.n = n;
        const out = new Uint8Array(ct.length + 8).fill(0xee);
        expect(cs.encryptInto(pt, out, 4, n % 2 ? ad : undefined)).toBe(pt.length + TAG_SIZE);
        expect(Buffer.from(out.subarray(4, 4 + ct.length))).toEqual(Buffer.from(ct));
        expect([...out.subarray(0, 4), ...out.subarray(4 + ct.length)].every((b) => b === 0xee)).toBe(true);
        expect(cs.n).toBe(n + 1);
        expect(Buffer.from(rx.decrypt(ct, n % 2 ? ad : undefined) ?? [])).toEqual(Buffer.from(pt));
        expect(rx.n).toBe(n + 1);
      }
    });

    it(`refuses a wrong nonce or a flipped bit without advancing the nonce (${name})`, () => {
      const tx = new CipherState(KEY, AEADS[name]);
      const ct = tx.encrypt(Uint8Array.of(9, 9, 9));
      const rx = new CipherState(KEY, AEADS[name]);
      rx.n = 1;
      expect(rx.decrypt(ct)).toBeNull();
      rx.n = 0;
      ct[0] ^= 1;
      expect(rx.decrypt(ct)).toBeNull();
      expect(rx.n).toBe(0);
      expect(rx.decrypt(new Uint8Array(TAG_SIZE - 1))).toBeNull();
    });
  }
});
