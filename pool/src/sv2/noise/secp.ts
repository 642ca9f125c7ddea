/**
 * The secp256k1 arithmetic the Noise handshake needs, behind one small interface so the hot path
 * can use the fastest correct implementation available here:
 *
 * - `native`: the `secp256k1` npm package (N-API bindings to libsecp256k1, prebuilt linux-x64 /
 *   darwin-arm64 / win32-x64 binaries shipped inside the package; no compiler needed);
 * - `wasm`:   `tiny-secp256k1` (libsecp256k1 compiled to WebAssembly, loads synchronously);
 * - `noble`:  `@noble/curves` in BigInt — always available, the fallback.
 *
 * Only x-coordinates cross this interface: BIP324's ECDH is x-only, so `ecdhX` lifts `x` to
 * either point (the product's x does not depend on the sign of y). Every backend is checked
 * against the BIP324 `mid_x_shared` / `mid_shared_secret` vectors in the tests.
 */
import { createRequire } from 'node:module';
import { schnorr, secp256k1 } from '@noble/curves/secp256k1.js';
import { isSquare } from './field.js';

export type BackendName = 'native' | 'wasm' | 'noble';

export interface Secp256k1Backend {
  readonly name: BackendName;
  /** x(secret·G), 32 bytes big-endian. */
  publicX(secret: Uint8Array): Uint8Array;
  /** x(secret·lift_x(x)), 32 bytes. Throws if `x` is not the x-coordinate of a curve point. */
  ecdhX(x: Uint8Array, secret: Uint8Array): Uint8Array;
  /** Whether `x` (32 bytes, < p) is the x-coordinate of a curve point (x³ + 7 is a square). */
  isValidX(x: Uint8Array): boolean;
}

const Point = secp256k1.Point;

export const nobleBackend: Secp256k1Backend = {
  name: 'noble',
  publicX: (secret) => schnorr.getPublicKey(secret),
  ecdhX(x, secret) {
    const point = schnorr.utils.lift_x(Point.Fp.fromBytes(x));
    return Point.Fp.toBytes(point.multiply(Point.Fn.fromBytes(secret)).x);
  },
  isValidX(x) {
    const Fp = Point.Fp;
    const v = Fp.fromBytes(x);
    return isSquare(Fp.add(Fp.mul(Fp.mul(v, v), v), 7n));
  },
};

/** 0x02 ‖ x: the compressed (even-y) encoding libsecp256k1 parses; sign is irrelevant for x-only. */
function compressedEven(x: Uint8Array): Uint8Array {
  const p = new Uint8Array(33);
  p[0] = 2;
  p.set(x, 1);
  return p;
}

interface NativeSecp256k1 {
  publicKeyCreate(secret: Uint8Array, compressed?: boolean): Uint8Array;
  publicKeyVerify(pub: Uint8Array): boolean;
  ecdh(
    pub: Uint8Array,
    secret: Uint8Array,
    options: { hashfn: (x: Uint8Array, y: Uint8Array) => Uint8Array; xbuf: Uint8Array; ybuf: Uint8Array },
    output: Uint8Array,
  ): Uint8Array;
}

interface TinySecp256k1 {
  xOnlyPointFromScalar(d: Uint8Array): Uint8Array;
  pointMultiply(p: Uint8Array, tweak: Uint8Array, compressed?: boolean): Uint8Array | null;
  isPoint(p: Uint8Array): boolean;
}

const require = createRequire(import.meta.url);

function loadNative(): Secp256k1Backend {
  // `secp256k1/bindings` is the addon itself; the package's main entry silently falls back to
  // the pure-JS `elliptic` when the addon is missing, which would defeat the point.
  const lib = require('secp256k1/bindings') as NativeSecp256k1;
  // The hash callback returns the raw x, turning libsecp256k1's hashed ECDH into x-only ECDH.
  const opts = { hashfn: (x: Uint8Array) => x, xbuf: new Uint8Array(32), ybuf: new Uint8Array(32) };
  return {
    name: 'native',
    publicX: (secret) => lib.publicKeyCreate(secret, true).slice(1),
    ecdhX: (x, secret) => lib.ecdh(compressedEven(x), secret, opts, new Uint8Array(32)),
    isValidX: (x) => lib.publicKeyVerify(compressedEven(x)),
  };
}

function loadWasm(): Secp256k1Backend {
  const lib = require('tiny-secp256k1') as TinySecp256k1;
  return {
    name: 'wasm',
    publicX: (secret) => lib.xOnlyPointFromScalar(secret),
    ecdhX(x, secret) {
      const p = lib.pointMultiply(compressedEven(x), secret, true);
      if (!p) throw new Error('ecdh: product is the point at infinity');
      return p.slice(1);
    },
    isValidX: (x) => lib.isPoint(compressedEven(x)),
  };
}

const cache = new Map<BackendName, Secp256k1Backend | null>();

/** The named backend, or null when it cannot be loaded on this machine. */
export function loadBackend(name: BackendName): Secp256k1Backend | null {
  if (cache.has(name)) return cache.get(name) ?? null;
  let backend: Secp256k1Backend | null = null;
  try {
    backend = name === 'native' ? loadNative() : name === 'wasm' ? loadWasm() : nobleBackend;
    selfTest(backend);
  } catch {
    backend = null;
  }
  cache.set(name, backend);
  return backend;
}

/** Fastest first (measured in pool/bench/noise.bench.ts). */
export const BACKEND_PREFERENCE: readonly BackendName[] = ['native', 'wasm', 'noble'];

/**
 * The backend to use: `CKB_POOL_SECP256K1=native|wasm|noble` forces one (for tests and
 * benchmarks); otherwise the first of BACKEND_PREFERENCE that loads and passes its self-test.
 */
export function defaultBackend(): Secp256k1Backend {
  const forced = process.env.CKB_POOL_SECP256K1 as BackendName | undefined;
  if (forced) {
    const b = loadBackend(forced);
    if (!b) throw new Error(`CKB_POOL_SECP256K1=${forced}: that secp256k1 backend is not available`);
    return b;
  }
  for (const name of BACKEND_PREFERENCE) {
    const b = loadBackend(name);
    if (b) return b;
  }
  return nobleBackend;
}

// A fixed ECDH computed once with noble: a backend that loads but computes something else
// (a wrong build, a broken binary) is refused rather than trusted.
const SELF_TEST_SECRET = new Uint8Array(32).fill(7);
const SELF_TEST_OTHER = new Uint8Array(32).fill(11);
function selfTest(b: Secp256k1Backend): void {
  const other = nobleBackend.publicX(SELF_TEST_OTHER);
  const want = nobleBackend.publicX(
    Point.Fn.toBytes(Point.Fn.mul(Point.Fn.fromBytes(SELF_TEST_SECRET), Point.Fn.fromBytes(SELF_TEST_OTHER))),
  );
  const got = b.ecdhX(other, SELF_TEST_SECRET);
  if (!equalBytes(got, want) || !equalBytes(b.publicX(SELF_TEST_OTHER), other)) {
    throw new Error(`secp256k1 backend ${b.name} failed its self-test`);
  }
  if (!b.isValidX(other)) throw new Error(`secp256k1 backend ${b.name} rejects a valid x`);
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
  return d === 0;
}
