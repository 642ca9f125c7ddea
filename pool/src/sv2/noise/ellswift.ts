/**
 * BIP324 ElligatorSwift for the SV2 handshake: 64-byte public key encodings (`u ‖ t`), their
 * decoding to an x-coordinate, and the `v2_ecdh` shared secret.
 *
 * The formulas follow BIP324's reference (XSwiftEC / XSwiftECInv) and @scure/btc-signer's port;
 * they are re-stated here so the expensive "is x on the curve?" test can go to a faster
 * secp256k1 backend (libsecp256k1 parses a compressed point in ~15 µs; a BigInt Legendre
 * symbol costs ~250 µs). Field arithmetic stays in noble's Fp.
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { randomBytes } from '@noble/hashes/utils.js';
import { isSquare } from './field.js';
import type { Secp256k1Backend } from './secp.js';

const Fp = secp256k1.Point.Fp;
const Fn = secp256k1.Point.Fn;
// c = sqrt(-3), the root that is itself a square (what BIP324's reference picks).
const MINUS_3_SQRT = Fp.sqrt(Fp.create(-3n));
const INV_2 = Fp.inv(2n);

export const ELLSWIFT_SIZE = 64;

/** √v, or undefined when v is not a square (decided by the cheap Jacobi symbol first). */
function trySqrt(v: bigint): bigint | undefined {
  if (!isSquare(v)) return undefined;
  return Fp.sqrt(v);
}

function validX(backend: Secp256k1Backend, x: bigint): boolean {
  return backend.isValidX(Fp.toBytes(x));
}

/** XSwiftEC: the x-coordinate (32 bytes) that a 64-byte ElligatorSwift encoding stands for. */
export function ellswiftDecode(backend: Secp256k1Backend, ell: Uint8Array): Uint8Array {
  if (ell.length !== ELLSWIFT_SIZE)
    throw new RangeError(`ellswift encoding must be 64 bytes, got ${ell.length}`);
  // Both halves are read modulo p, so every 64-byte string decodes to some point.
  let u = Fp.create(Fp.fromBytes(ell.subarray(0, 32), true));
  let t = Fp.create(Fp.fromBytes(ell.subarray(32, 64), true));
  if (Fp.is0(u)) u = 1n;
  if (Fp.is0(t)) t = 1n;
  const u3plus7 = Fp.add(Fp.mul(Fp.mul(u, u), u), 7n);
  if (Fp.is0(Fp.add(u3plus7, Fp.mul(t, t)))) t = Fp.add(t, t);
  // BIP324: X = (u³ + 7 − t²)/(2t), Y = (X + t)/(c·u). With n = u³ + 7 − t², A = 2t, B = c·u,
  // D = n + t·A: Y = D/(A·B) and X/Y = n·B/D. Both divisions share one inversion of
  // (A·B)²·D (Montgomery's trick): inversions dominate this function's cost in BigInt.
  const n = Fp.sub(u3plus7, Fp.mul(t, t));
  const AB = Fp.mul(Fp.add(t, t), Fp.mul(MINUS_3_SQRT, u));
  const AB2 = Fp.mul(AB, AB);
  const D = Fp.add(n, Fp.mul(t, Fp.add(t, t)));
  // D = 0 means Y = 0; the reference's field division then yields X/Y = 0 (1/0 := 0).
  const inv = Fp.is0(D) ? 0n : Fp.inv(Fp.mul(AB2, D));
  const Y2 = Fp.mul(Fp.mul(D, D), Fp.mul(D, inv)); // D² / (A·B)²
  // Candidates in BIP324's order: x3 = u + 4Y², x2 = (-X/Y - u)/2, x1 = (X/Y - u)/2.
  const x3 = Fp.add(u, Fp.mul(Y2, 4n));
  if (validX(backend, x3)) return Fp.toBytes(x3);
  const xDivY = Fp.mul(Fp.mul(n, Fp.mul(MINUS_3_SQRT, u)), Fp.mul(AB2, inv)); // n·B / D
  const x2 = Fp.mul(Fp.sub(Fp.neg(xDivY), u), INV_2);
  if (validX(backend, x2)) return Fp.toBytes(x2);
  const x1 = Fp.mul(Fp.sub(xDivY, u), INV_2);
  // One of the three is always valid (BIP324); reaching the throw means a broken backend.
  if (validX(backend, x1)) return Fp.toBytes(x1);
  throw new Error('ellswift: no valid x among the three candidates (broken secp256k1 backend?)');
}

/** XSwiftECInv(x, u, case): a t with XSwiftEC(u, t) = x, or undefined (exported for its vectors). */
export function swiftInv(
  backend: Secp256k1Backend,
  x: bigint,
  u: bigint,
  ellCase: number,
): bigint | undefined {
  let v: bigint;
  let s: bigint;
  const u2 = Fp.mul(u, u);
  const u3 = Fp.mul(u2, u);
  if ((ellCase & 2) === 0) {
    if (validX(backend, Fp.sub(Fp.neg(x), u))) return undefined;
    v = x;
    const num = Fp.neg(Fp.add(u3, 7n));
    const den = Fp.add(Fp.add(u2, Fp.mul(u, v)), Fp.mul(v, v));
    // s = num/den must be a square (w = √s below); num·den has the same Jacobi symbol, so
    // test it before paying for the inversion. (den ≠ 0 once −x−u is not a valid x; guarded.)
    if (Fp.is0(den) || !isSquare(Fp.mul(num, den))) return undefined;
    s = Fp.div(num, den);
  } else {
    s = Fp.sub(x, u);
    if (Fp.is0(s)) return undefined;
    // w = √s is needed below: test s first, before the square root for r.
    if (!isSquare(s)) return undefined;
    const r = trySqrt(Fp.mul(Fp.neg(s), Fp.add(Fp.mul(4n, Fp.add(u3, 7n)), Fp.mul(Fp.mul(3n, s), u2))));
    if (r === undefined) return undefined;
    if (ellCase & 1 && Fp.is0(r)) return undefined;
    v = Fp.mul(Fp.add(Fp.neg(u), Fp.div(r, s)), INV_2);
  }
  const w = trySqrt(s);
  if (w === undefined) return undefined;
  const last = ellCase & 5;
  const t0 = last & 1 ? Fp.add(1n, MINUS_3_SQRT) : Fp.sub(1n, MINUS_3_SQRT);
  const w0 = last === 0 || last === 5 ? Fp.neg(w) : w;
  return Fp.mul(w0, Fp.add(Fp.mul(Fp.mul(u, t0), INV_2), v));
}

/**
 * A uniformly random 64-byte encoding of the curve point with x-coordinate `x` (BIP324
 * `ellswift_create` after the scalar multiplication). `random(n)` is injectable for tests.
 */
export function ellswiftEncode(
  backend: Secp256k1Backend,
  xBytes: Uint8Array,
  random: (n: number) => Uint8Array = randomBytes,
): Uint8Array {
  const x = Fp.fromBytes(xBytes);
  if (!validX(backend, x)) throw new RangeError('ellswift: x is not the x-coordinate of a curve point');
  return encodeValidX(backend, x, random);
}

/** ellswiftEncode for an x already known to be on the curve (e.g. x(secret·G)). */
function encodeValidX(backend: Secp256k1Backend, x: bigint, random: (n: number) => Uint8Array): Uint8Array {
  for (;;) {
    const r = random(33);
    const u = Fp.create(Fp.fromBytes(r.subarray(0, 32), true));
    if (Fp.is0(u)) continue;
    const t = swiftInv(backend, x, u, r[32] & 7);
    if (t === undefined) continue;
    const out = new Uint8Array(64);
    out.set(Fp.toBytes(u), 0);
    out.set(Fp.toBytes(t), 32);
    return out;
  }
}

/** A Noise keypair as the handshake uses it. */
export interface EllswiftKeypair {
  /** 32-byte secret scalar in [1, n−1]. */
  secret: Uint8Array;
  /** The public key as sent on the wire (64 bytes). */
  ellswift: Uint8Array;
  /** x-only public key (32 bytes) = ellswiftDecode(ellswift). */
  xonly: Uint8Array;
}

export function ellswiftKeygen(backend: Secp256k1Backend, secret?: Uint8Array): EllswiftKeypair {
  const sk = secret ?? secp256k1.utils.randomSecretKey();
  if (sk.length !== 32 || !Fn.isValidNot0(Fn.fromBytes(sk, true))) {
    throw new RangeError('secret key must be 32 bytes in [1, n-1]');
  }
  const xonly = backend.publicX(sk);
  return { secret: sk, ellswift: encodeValidX(backend, Fp.fromBytes(xonly), randomBytes), xonly };
}

const ECDH_TAG = sha256(new TextEncoder().encode('bip324_ellswift_xonly_ecdh'));

/**
 * BIP324 `v2_ecdh`: TaggedHash("bip324_ellswift_xonly_ecdh", ell_initiator ‖ ell_responder ‖ x).
 * The initiator's encoding always comes first, whichever side computes it.
 * `theirX` may be passed when the peer's encoding was already decoded (saves a decode).
 */
export function v2Ecdh(
  backend: Secp256k1Backend,
  ourSecret: Uint8Array,
  ellInitiator: Uint8Array,
  ellResponder: Uint8Array,
  initiating: boolean,
  theirX?: Uint8Array,
): Uint8Array {
  const theirs = initiating ? ellResponder : ellInitiator;
  const x = backend.ecdhX(theirX ?? ellswiftDecode(backend, theirs), ourSecret);
  const buf = new Uint8Array(64 + 128 + 32);
  buf.set(ECDH_TAG, 0);
  buf.set(ECDH_TAG, 32);
  buf.set(ellInitiator, 64);
  buf.set(ellResponder, 128);
  buf.set(x, 192);
  return sha256(buf);
}
