/**
 * The pool's authority key as people handle it:
 * - public key: base58check(0x01 0x00 ‖ x-only key), i.e. a LE U16 version = 1 prefix (SV2 spec
 *   §4.7, SRI key-utils); checksum = first 4 bytes of SHA256d;
 * - secret key: base58check(32-byte secret), no prefix (SRI key-utils);
 * - pool URL: stratum2+tcp://HOST:PORT/AUTHORITY_PUBKEY.
 */
import { schnorr } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { createBase58check } from '@scure/base';

const b58c = createBase58check(sha256);
const PUBKEY_PREFIX = Uint8Array.of(0x01, 0x00);

export class AuthorityKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AuthorityKeyError';
  }
}

export interface AuthorityKeypair {
  secret: Uint8Array;
  /** x-only public key, 32 bytes. */
  publicXonly: Uint8Array;
}

export function generateAuthorityKeypair(): AuthorityKeypair {
  const secret = schnorr.utils.randomSecretKey();
  return { secret, publicXonly: schnorr.getPublicKey(secret) };
}

export function authorityPublicFromSecret(secret: Uint8Array): Uint8Array {
  return schnorr.getPublicKey(secret);
}

function isValidXonly(x: Uint8Array): boolean {
  try {
    schnorr.utils.lift_x(schnorr.Point.Fp.fromBytes(x));
    return true;
  } catch {
    return false;
  }
}

export function encodeAuthorityPubkey(xonly: Uint8Array): string {
  if (xonly.length !== 32)
    throw new AuthorityKeyError(`an authority public key is 32 bytes, got ${xonly.length}`);
  const payload = new Uint8Array(34);
  payload.set(PUBKEY_PREFIX, 0);
  payload.set(xonly, 2);
  return b58c.encode(payload);
}

function decodeB58c(text: string, what: string): Uint8Array {
  const s = text.trim();
  if (!s) throw new AuthorityKeyError(`${what} is empty`);
  const bad = s.match(/[^1-9A-HJ-NP-Za-km-z]/);
  if (bad) throw new AuthorityKeyError(`${what} contains '${bad[0]}', which is not a base58 character`);
  try {
    return b58c.decode(s);
  } catch {
    throw new AuthorityKeyError(`${what} has a wrong checksum (mistyped or truncated?)`);
  }
}

/** The x-only key from its base58check text. Errors say what is wrong with the text. */
export function decodeAuthorityPubkey(text: string): Uint8Array {
  const raw = decodeB58c(text, 'authority public key');
  if (raw.length !== 34) {
    throw new AuthorityKeyError(
      `authority public key decodes to ${raw.length} bytes, expected 34 (0x01 0x00 and a 32-byte key)` +
        (raw.length === 32 ? '; this looks like a secret key — never share that' : ''),
    );
  }
  if (raw[0] !== 0x01 || raw[1] !== 0x00) {
    throw new AuthorityKeyError(
      `authority public key has version prefix 0x${raw[0].toString(16).padStart(2, '0')} 0x${raw[1]
        .toString(16)
        .padStart(2, '0')}, expected 0x01 0x00`,
    );
  }
  const x = raw.slice(2);
  if (!isValidXonly(x)) throw new AuthorityKeyError('authority public key is not a point on secp256k1');
  return x;
}

export function encodeAuthoritySecret(secret: Uint8Array): string {
  if (secret.length !== 32) throw new AuthorityKeyError('an authority secret key is 32 bytes');
  return b58c.encode(secret);
}

export function decodeAuthoritySecret(text: string): Uint8Array {
  const raw = decodeB58c(text, 'authority secret key');
  if (raw.length !== 32) {
    throw new AuthorityKeyError(`authority secret key decodes to ${raw.length} bytes, expected 32`);
  }
  try {
    schnorr.getPublicKey(raw);
  } catch {
    throw new AuthorityKeyError('authority secret key is out of range (0 or ≥ the curve order)');
  }
  return raw;
}

export const POOL_URL_SCHEME = 'stratum2+tcp:';

export interface PoolUrl {
  host: string;
  port: number;
  /** x-only authority key. */
  authorityPubkey: Uint8Array;
}

export function formatPoolUrl(u: PoolUrl): string {
  if (!Number.isInteger(u.port) || u.port < 1 || u.port > 65535) {
    throw new AuthorityKeyError(`port must be 1..65535, got ${u.port}`);
  }
  const host = u.host.includes(':') && !u.host.startsWith('[') ? `[${u.host}]` : u.host;
  return `stratum2+tcp://${host}:${u.port}/${encodeAuthorityPubkey(u.authorityPubkey)}`;
}

export function parsePoolUrl(text: string): PoolUrl {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw new AuthorityKeyError(`not a URL: ${text} (expected stratum2+tcp://HOST:PORT/AUTHORITY_PUBKEY)`);
  }
  if (url.protocol !== POOL_URL_SCHEME) {
    throw new AuthorityKeyError(`URL scheme must be stratum2+tcp://, got ${url.protocol}//`);
  }
  if (!url.hostname) throw new AuthorityKeyError('URL has no host');
  if (!url.port) throw new AuthorityKeyError('URL has no port (stratum2+tcp://HOST:PORT/AUTHORITY_PUBKEY)');
  const key = url.pathname.replace(/^\//, '');
  if (!key) throw new AuthorityKeyError('URL has no authority public key after the port');
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return { host, port: Number(url.port), authorityPubkey: decodeAuthorityPubkey(key) };
}
