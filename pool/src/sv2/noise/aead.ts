/**
 * ChaCha20-Poly1305 (RFC 8439) with Noise's nonce layout: 12 bytes = 4 zero bytes ‖ LE64(n).
 * Interchangeable implementations, all tested against the handshake vector and each other:
 * node:crypto (OpenSSL), @noble/ciphers (pure JS), `js` (ours, chacha20poly1305.ts: no
 * per-message setup or allocation) and `auto` — ours for SV2-sized messages, OpenSSL for large
 * ones, the size where they cross measured in pool/bench/noise.bench.ts. `auto` is the default.
 *
 * Transport messages go through `forKey`: one reusable nonce buffer per CipherState instead of
 * a fresh one per message, and ciphertext written straight into the caller's frame buffer.
 * (A node:crypto KeyObject made once per key instead of raw key bytes measured no faster:
 * OpenSSL's per-message context setup dominates either way.)
 * One-shot `seal`/`open` serve the handshake's few messages.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { ChaCha20Poly1305Key } from './chacha20poly1305.js';

export const TAG_SIZE = 16;
/** Largest Noise message: 65535 bytes of ciphertext, i.e. 65519 of plaintext. */
export const MAX_NOISE_MESSAGE = 65535;
export const MAX_PLAINTEXT_CHUNK = MAX_NOISE_MESSAGE - TAG_SIZE;

export type AeadName = 'node' | 'noble' | 'js' | 'auto';

export interface Aead {
  readonly name: AeadName;
  /** ciphertext ‖ tag. */
  seal(key: Uint8Array, n: number, ad: Uint8Array, plaintext: Uint8Array): Uint8Array;
  /** The plaintext, or null when the tag does not verify. */
  open(key: Uint8Array, n: number, ad: Uint8Array, ciphertext: Uint8Array): Uint8Array | null;
  /** The same cipher bound to one key, for many messages (a transport CipherState). */
  forKey(key: Uint8Array): AeadKey;
}

/** An Aead bound to one key. Not reentrant: it reuses one nonce buffer. */
export interface AeadKey {
  /**
   * Writes ciphertext ‖ tag to `out` at `offset` (room for plaintext.length + 16 bytes is the
   * caller's job) and returns the number of bytes written.
   */
  sealInto(n: number, ad: Uint8Array, plaintext: Uint8Array, out: Uint8Array, offset: number): number;
  /**
   * `sealInto` of `src[start…end)` without making a view of it: a broadcast seals the same
   * plaintext frame for thousands of connections, and a subarray per message is garbage.
   */
  sealRangeInto(
    n: number,
    ad: Uint8Array,
    src: Uint8Array,
    start: number,
    end: number,
    out: Uint8Array,
    offset: number,
  ): number;
  /** The plaintext, or null when the tag does not verify. */
  open(n: number, ad: Uint8Array, ciphertext: Uint8Array): Uint8Array | null;
}

function checkNonce(n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`bad Noise nonce ${n}`);
}

/** Writes LE64(n) after the 4 zero bytes of a 12-byte nonce (n a checked safe integer). */
function setNonce(view: DataView, n: number): void {
  // LE64 from a safe integer: low 32 bits, then the rest.
  view.setUint32(4, n >>> 0, true);
  view.setUint32(8, Math.floor(n / 0x1_0000_0000), true);
}

export function nonce12(n: number): Uint8Array {
  checkNonce(n);
  const out = new Uint8Array(12);
  setNonce(new DataView(out.buffer), n);
  return out;
}

/** A reusable 12-byte nonce: `at(n)` rewrites it in place (the ciphers copy it at setup). */
class NonceBuffer {
  readonly bytes = new Uint8Array(12);
  private readonly view = new DataView(this.bytes.buffer);
  at(n: number): Uint8Array {
    checkNonce(n);
    setNonce(this.view, n);
    return this.bytes;
  }
}

function nodeSealInto(
  key: Uint8Array,
  nonce: Uint8Array,
  ad: Uint8Array,
  plaintext: Uint8Array,
  out: Uint8Array,
  offset: number,
): number {
  // chacha20-poly1305's tag length defaults to 16 in node:crypto.
  const c = createCipheriv('chacha20-poly1305', key, nonce);
  if (ad.length) c.setAAD(ad, { plaintextLength: plaintext.length });
  const body = c.update(plaintext);
  c.final();
  out.set(body, offset);
  out.set(c.getAuthTag(), offset + body.length);
  return body.length + TAG_SIZE;
}

function nodeOpen(
  key: Uint8Array,
  nonce: Uint8Array,
  ad: Uint8Array,
  ciphertext: Uint8Array,
): Uint8Array | null {
  if (ciphertext.length < TAG_SIZE) return null;
  const split = ciphertext.length - TAG_SIZE;
  const d = createDecipheriv('chacha20-poly1305', key, nonce);
  d.setAuthTag(ciphertext.subarray(split));
  if (ad.length) d.setAAD(ad, { plaintextLength: split });
  const body = d.update(ciphertext.subarray(0, split));
  try {
    d.final();
  } catch {
    return null;
  }
  return new Uint8Array(body.buffer, body.byteOffset, body.length);
}

export const nodeAead: Aead = {
  name: 'node',
  seal(key, n, ad, plaintext) {
    const out = new Uint8Array(plaintext.length + TAG_SIZE);
    nodeSealInto(key, nonce12(n), ad, plaintext, out, 0);
    return out;
  },
  open: (key, n, ad, ciphertext) => nodeOpen(key, nonce12(n), ad, ciphertext),
  forKey(key) {
    const nonce = new NonceBuffer();
    return {
      sealInto: (n, ad, plaintext, out, offset) => nodeSealInto(key, nonce.at(n), ad, plaintext, out, offset),
      sealRangeInto: (n, ad, src, start, end, out, offset) =>
        nodeSealInto(key, nonce.at(n), ad, src.subarray(start, end), out, offset),
      open: (n, ad, ciphertext) => nodeOpen(key, nonce.at(n), ad, ciphertext),
    };
  },
};

function nobleOpen(
  key: Uint8Array,
  nonce: Uint8Array,
  ad: Uint8Array,
  ciphertext: Uint8Array,
): Uint8Array | null {
  if (ciphertext.length < TAG_SIZE) return null;
  try {
    // An empty AAD authenticates exactly like no AAD (RFC 8439: zero-length, no padding).
    return chacha20poly1305(key, nonce, ad.length ? ad : undefined).decrypt(ciphertext);
  } catch {
    return null;
  }
}

export const nobleAead: Aead = {
  name: 'noble',
  seal: (key, n, ad, plaintext) => chacha20poly1305(key, nonce12(n), ad).encrypt(plaintext),
  open: (key, n, ad, ciphertext) => nobleOpen(key, nonce12(n), ad, ciphertext),
  forKey(key) {
    const nonce = new NonceBuffer();
    const sealInto = (n: number, ad: Uint8Array, plaintext: Uint8Array, out: Uint8Array, offset: number) => {
      const len = plaintext.length + TAG_SIZE;
      const target = out.subarray(offset, offset + len);
      chacha20poly1305(key, nonce.at(n), ad.length ? ad : undefined).encrypt(plaintext, target);
      return len;
    };
    return {
      sealInto,
      sealRangeInto: (n, ad, src, start, end, out, offset) =>
        sealInto(n, ad, src.subarray(start, end), out, offset),
      open: (n, ad, ciphertext) => nobleOpen(key, nonce.at(n), ad, ciphertext),
    };
  },
};

/**
 * Plaintext size up to which `auto` uses ours: above it OpenSSL's vectorised ChaCha wins over
 * its fixed setup cost (ours ÷ OpenSSL in noise.bench.ts: 3.4× at 64 B, 1.7× at 256 B, 0.9–1.1×
 * at 512 B, 0.5–0.6× at 1 KiB). 256 keeps a clear margin; SV2 mining messages are < 200 bytes.
 */
export const SMALL_MESSAGE_MAX = 256;

function checkedWords(n: number): number {
  checkNonce(n);
  return Math.floor(n / 0x1_0000_0000);
}

function jsOpen(
  k: ChaCha20Poly1305Key,
  n: number,
  ad: Uint8Array,
  ciphertext: Uint8Array,
): Uint8Array | null {
  const hi = checkedWords(n);
  return k.open(0, n >>> 0, hi, ad, ciphertext);
}

export const jsAead: Aead = {
  name: 'js',
  seal(key, n, ad, plaintext) {
    const out = new Uint8Array(plaintext.length + TAG_SIZE);
    new ChaCha20Poly1305Key(key).sealInto(0, n >>> 0, checkedWords(n), ad, plaintext, out, 0);
    return out;
  },
  open: (key, n, ad, ciphertext) => jsOpen(new ChaCha20Poly1305Key(key), n, ad, ciphertext),
  forKey(key) {
    const k = new ChaCha20Poly1305Key(key);
    return {
      sealInto: (n, ad, plaintext, out, offset) =>
        k.sealInto(0, n >>> 0, checkedWords(n), ad, plaintext, out, offset),
      sealRangeInto: (n, ad, src, start, end, out, offset) =>
        k.sealRangeInto(0, n >>> 0, checkedWords(n), ad, src, start, end, out, offset),
      open: (n, ad, ciphertext) => jsOpen(k, n, ad, ciphertext),
    };
  },
};

export const autoAead: Aead = {
  name: 'auto',
  seal: (key, n, ad, plaintext) =>
    plaintext.length <= SMALL_MESSAGE_MAX
      ? jsAead.seal(key, n, ad, plaintext)
      : nodeAead.seal(key, n, ad, plaintext),
  open: (key, n, ad, ciphertext) =>
    ciphertext.length - TAG_SIZE <= SMALL_MESSAGE_MAX
      ? jsAead.open(key, n, ad, ciphertext)
      : nodeAead.open(key, n, ad, ciphertext),
  forKey(key) {
    const small = jsAead.forKey(key);
    // Most connections never carry a large message: make OpenSSL's half on first use.
    let large: AeadKey | null = null;
    const big = () => {
      large ??= nodeAead.forKey(key);
      return large;
    };
    return {
      sealInto: (n, ad, plaintext, out, offset) =>
        (plaintext.length <= SMALL_MESSAGE_MAX ? small : big()).sealInto(n, ad, plaintext, out, offset),
      sealRangeInto: (n, ad, src, start, end, out, offset) =>
        (end - start <= SMALL_MESSAGE_MAX ? small : big()).sealRangeInto(n, ad, src, start, end, out, offset),
      open: (n, ad, ciphertext) =>
        (ciphertext.length - TAG_SIZE <= SMALL_MESSAGE_MAX ? small : big()).open(n, ad, ciphertext),
    };
  },
};

export const AEADS: Record<AeadName, Aead> = { node: nodeAead, noble: nobleAead, js: jsAead, auto: autoAead };

/** Faster in this repository's benchmark (see the module comment); override with CKB_POOL_AEAD. */
export function defaultAead(): Aead {
  const forced = process.env.CKB_POOL_AEAD as AeadName | undefined;
  if (forced) {
    const a = AEADS[forced];
    if (!a) throw new Error(`CKB_POOL_AEAD=${forced}: expected one of ${Object.keys(AEADS).join(', ')}`);
    return a;
  }
  return autoAead;
}
