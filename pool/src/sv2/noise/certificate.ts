/**
 * SIGNATURE_NOISE_MESSAGE — the 74-byte certificate the pool sends (encrypted) in act 2:
 * `version U16 = 0 ‖ valid_from U32 ‖ not_valid_after U32 ‖ signature (64, BIP340)`, all LE.
 * The signature is by the pool's authority key over
 * SHA256(version ‖ valid_from ‖ not_valid_after ‖ x-only server static key), where the x-only
 * key is the one decoded from the static key's ElligatorSwift form (not the 64-byte encoding).
 */
import { schnorr } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { Sv2ConnectionError } from './errors.js';

export const CERTIFICATE_SIZE = 74;
export const CERTIFICATE_VERSION = 0;
/** The pool back-dates valid_from so clients whose clock runs a little behind accept it. */
export const CERTIFICATE_BACKDATE_SECONDS = 60;
/** Clock skew a client tolerates on either end of the validity period. */
export const CERTIFICATE_SKEW_SECONDS = 10;

export interface Certificate {
  version: number;
  /** Unix seconds. */
  validFrom: number;
  /** Unix seconds. */
  notValidAfter: number;
  /** 64-byte BIP340 signature. */
  signature: Uint8Array;
}

function u32(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 0 || v > 0xffff_ffff)
    throw new RangeError(`${name} must be a U32, got ${v}`);
  return v;
}

/** version ‖ valid_from ‖ not_valid_after ‖ x-only static key (42 bytes), the signed preimage. */
export function certificateSignedBytes(
  validFrom: number,
  notValidAfter: number,
  staticXonly: Uint8Array,
  version = CERTIFICATE_VERSION,
): Uint8Array {
  if (staticXonly.length !== 32) throw new RangeError('static key must be 32 bytes (x-only)');
  const out = new Uint8Array(42);
  const v = new DataView(out.buffer);
  v.setUint16(0, version, true);
  v.setUint32(2, u32('valid_from', validFrom), true);
  v.setUint32(6, u32('not_valid_after', notValidAfter), true);
  out.set(staticXonly, 10);
  return out;
}

/** The 32-byte message m that BIP340 signs. */
export function certificateHash(
  validFrom: number,
  notValidAfter: number,
  staticXonly: Uint8Array,
  version = CERTIFICATE_VERSION,
): Uint8Array {
  return sha256(certificateSignedBytes(validFrom, notValidAfter, staticXonly, version));
}

export function encodeCertificate(c: Certificate): Uint8Array {
  if (c.signature.length !== 64) throw new RangeError('certificate signature must be 64 bytes');
  const out = new Uint8Array(CERTIFICATE_SIZE);
  const v = new DataView(out.buffer);
  v.setUint16(0, c.version, true);
  v.setUint32(2, u32('valid_from', c.validFrom), true);
  v.setUint32(6, u32('not_valid_after', c.notValidAfter), true);
  out.set(c.signature, 10);
  return out;
}

export function decodeCertificate(bytes: Uint8Array): Certificate {
  if (bytes.length !== CERTIFICATE_SIZE) {
    throw new Sv2ConnectionError(
      'bad-certificate',
      `expected ${CERTIFICATE_SIZE} bytes, got ${bytes.length}`,
    );
  }
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return {
    version: v.getUint16(0, true),
    validFrom: v.getUint32(2, true),
    notValidAfter: v.getUint32(6, true),
    signature: bytes.slice(10, 74),
  };
}

export interface SignCertificateOptions {
  authoritySecret: Uint8Array;
  staticXonly: Uint8Array;
  validFrom: number;
  notValidAfter: number;
  /** BIP340 auxiliary randomness; random when omitted (fixed only for test vectors). */
  auxRand?: Uint8Array;
}

export function signCertificate(o: SignCertificateOptions): Certificate {
  const m = certificateHash(o.validFrom, o.notValidAfter, o.staticXonly);
  return {
    version: CERTIFICATE_VERSION,
    validFrom: o.validFrom,
    notValidAfter: o.notValidAfter,
    signature: schnorr.sign(m, o.authoritySecret, o.auxRand),
  };
}

/** A certificate valid from `now − 60 s` for `validitySeconds` after now. */
export function issueCertificate(o: {
  authoritySecret: Uint8Array;
  staticXonly: Uint8Array;
  nowSeconds: number;
  validitySeconds: number;
}): Certificate {
  return signCertificate({
    authoritySecret: o.authoritySecret,
    staticXonly: o.staticXonly,
    validFrom: Math.max(0, Math.floor(o.nowSeconds) - CERTIFICATE_BACKDATE_SECONDS),
    notValidAfter: Math.floor(o.nowSeconds) + o.validitySeconds,
  });
}

export interface VerifyCertificateOptions {
  /** Authority x-only key the client trusts; null skips the signature check (insecure, tests only). */
  authorityXonly: Uint8Array | null;
  /** The server static key (x-only, decoded from act 2). */
  staticXonly: Uint8Array;
  nowSeconds: number;
  skewSeconds?: number | undefined;
  /** Signature verification; defaults to noble's BIP340 verify. */
  verify?: (signature: Uint8Array, message: Uint8Array, pubkey: Uint8Array) => boolean;
}

/** Throws Sv2ConnectionError('bad-certificate' | 'certificate-…' | 'wrong-authority'). */
export function verifyCertificate(bytes: Uint8Array, o: VerifyCertificateOptions): Certificate {
  const c = decodeCertificate(bytes);
  if (c.version !== CERTIFICATE_VERSION) {
    throw new Sv2ConnectionError('bad-certificate', `unknown certificate version ${c.version}`);
  }
  if (c.validFrom > c.notValidAfter) {
    throw new Sv2ConnectionError('bad-certificate', 'valid_from is after not_valid_after');
  }
  if (o.authorityXonly) {
    const m = certificateHash(c.validFrom, c.notValidAfter, o.staticXonly, c.version);
    const verify = o.verify ?? ((sig, msg, pk) => schnorr.verify(sig, msg, pk));
    let ok = false;
    try {
      ok = verify(c.signature, m, o.authorityXonly);
    } catch {
      ok = false;
    }
    if (!ok) {
      throw new Sv2ConnectionError(
        'wrong-authority',
        'the certificate is not signed by the configured authority public key',
      );
    }
  }
  const skew = o.skewSeconds ?? CERTIFICATE_SKEW_SECONDS;
  const now = Math.floor(o.nowSeconds);
  if (now + skew < c.validFrom) {
    throw new Sv2ConnectionError(
      'certificate-not-yet-valid',
      `valid from ${c.validFrom}, local time ${now} (check the clocks)`,
    );
  }
  if (now - skew > c.notValidAfter) {
    throw new Sv2ConnectionError('certificate-expired', `expired at ${c.notValidAfter}, local time ${now}`);
  }
  return c;
}
