/**
 * Noise SymmetricState and CipherState for `Noise_NX_Secp256k1+EllSwift_ChaChaPoly_SHA256`
 * (Noise spec §5.1–5.2 with SV2's choices: SHA-256, Noise HKDF, no prologue mixed in).
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { type Aead, type AeadKey, TAG_SIZE } from './aead.js';

export const PROTOCOL_NAME = 'Noise_NX_Secp256k1+EllSwift_ChaChaPoly_SHA256';
/** ck0 = SHA256(name) (the name is longer than 32 bytes, so it is hashed). */
export const INITIAL_CK = sha256(new TextEncoder().encode(PROTOCOL_NAME));
/** h0 = SHA256(ck0): SV2 has an empty prologue and does not mix it. */
export const INITIAL_H = sha256(INITIAL_CK);

const EMPTY = new Uint8Array(0);
const ONE = Uint8Array.of(1);

/** Noise HKDF with two outputs: t = HMAC(ck, ikm); o1 = HMAC(t, 0x01); o2 = HMAC(t, o1 ‖ 0x02). */
export function hkdf2(ck: Uint8Array, ikm: Uint8Array): [Uint8Array, Uint8Array] {
  const t = hmac(sha256, ck, ikm);
  const o1 = hmac(sha256, t, ONE);
  const buf = new Uint8Array(33);
  buf.set(o1, 0);
  buf[32] = 2;
  return [o1, hmac(sha256, t, buf)];
}

/** Called with every intermediate value (for the transcript vector test and debugging). */
export type HandshakeTrace = (step: string, value: Uint8Array) => void;

/** One direction of transport encryption: a key and a nonce counter starting at 0. */
export class CipherState {
  /** Next nonce. SV2 has no rekey; Noise reserves 2^64−1, unreachable with a JS safe integer. */
  n = 0;
  /** The key set up once for every message of this direction (see Aead.forKey). */
  private readonly bound: AeadKey;
  constructor(
    readonly key: Uint8Array,
    readonly aead: Aead,
  ) {
    this.bound = aead.forKey(key);
  }

  encrypt(plaintext: Uint8Array, ad: Uint8Array = EMPTY): Uint8Array {
    const out = new Uint8Array(plaintext.length + TAG_SIZE);
    this.encryptInto(plaintext, out, 0, ad);
    return out;
  }

  /** Writes ciphertext ‖ tag at `out[offset]` (plaintext.length + 16 bytes); returns that length. */
  encryptInto(plaintext: Uint8Array, out: Uint8Array, offset: number, ad: Uint8Array = EMPTY): number {
    const written = this.bound.sealInto(this.n, ad, plaintext, out, offset);
    this.n++;
    return written;
  }

  /** `encryptInto` of `src[start…end)` (no view of it made; the broadcast hot path). */
  encryptRangeInto(src: Uint8Array, start: number, end: number, out: Uint8Array, offset: number): number {
    const written = this.bound.sealRangeInto(this.n, EMPTY, src, start, end, out, offset);
    this.n++;
    return written;
  }

  /** The plaintext, or null on authentication failure (the nonce then does not advance). */
  decrypt(ciphertext: Uint8Array, ad: Uint8Array = EMPTY): Uint8Array | null {
    const pt = this.bound.open(this.n, ad, ciphertext);
    if (pt) this.n++;
    return pt;
  }
}

export class SymmetricState {
  h: Uint8Array = INITIAL_H;
  ck: Uint8Array = INITIAL_CK;
  private k: Uint8Array | null = null;
  private n = 0;

  constructor(
    private readonly aead: Aead,
    private readonly trace?: HandshakeTrace,
  ) {}

  mixHash(data: Uint8Array, label?: string): void {
    const buf = new Uint8Array(32 + data.length);
    buf.set(this.h, 0);
    buf.set(data, 32);
    this.h = sha256(buf);
    if (label) this.trace?.(label, this.h);
  }

  mixKey(ikm: Uint8Array, label?: string): void {
    const [ck, k] = hkdf2(this.ck, ikm);
    this.ck = ck;
    this.k = k;
    this.n = 0;
    if (label) {
      this.trace?.(`${label} -> ck`, ck);
      this.trace?.(`${label} -> k`, k);
    }
  }

  /** With no key yet the "ciphertext" is the plaintext (act 1's empty payload). */
  encryptAndHash(plaintext: Uint8Array, label?: string): Uint8Array {
    const c = this.k ? this.aead.seal(this.k, this.n++, this.h, plaintext) : plaintext;
    this.mixHash(c, label);
    return c;
  }

  /** null on authentication failure. */
  decryptAndHash(ciphertext: Uint8Array, label?: string): Uint8Array | null {
    let p: Uint8Array | null = ciphertext;
    if (this.k) {
      p = this.aead.open(this.k, this.n, this.h, ciphertext);
      if (!p) return null;
      this.n++;
    }
    this.mixHash(ciphertext, label);
    return p;
  }

  /** (k1, k2) = HKDF(ck, ""): k1 encrypts initiator → responder, k2 responder → initiator. */
  split(): [Uint8Array, Uint8Array] {
    return hkdf2(this.ck, EMPTY);
  }
}
