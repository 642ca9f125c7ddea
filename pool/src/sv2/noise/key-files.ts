/**
 * Authority key files: one base58check string and a newline each.
 * `authority-secret.key` (mode 0600) holds the secret; `authority-public.key` the public key
 * that miners configure. The secret is written exclusively, so an existing key is never
 * replaced by accident (a new authority key invalidates every miner's configuration).
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AuthorityKeyError,
  type AuthorityKeypair,
  authorityPublicFromSecret,
  decodeAuthorityPubkey,
  decodeAuthoritySecret,
  encodeAuthorityPubkey,
  encodeAuthoritySecret,
} from './keys.js';

export const SECRET_KEY_FILE = 'authority-secret.key';
export const PUBLIC_KEY_FILE = 'authority-public.key';

export interface WrittenKeyFiles {
  secretPath: string;
  publicPath: string;
  publicKey: string;
}

/** Writes both files into `dir` (created if needed). Refuses to overwrite unless `force`. */
export function writeAuthorityKeyFiles(dir: string, kp: AuthorityKeypair, force = false): WrittenKeyFiles {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const secretPath = join(dir, SECRET_KEY_FILE);
  const publicPath = join(dir, PUBLIC_KEY_FILE);
  if (!force && existsSync(secretPath)) {
    throw new AuthorityKeyError(`${secretPath} already exists; pass --force to replace the authority key`);
  }
  const publicKey = encodeAuthorityPubkey(kp.publicXonly);
  // 'wx' fails if the file appeared meanwhile; with force, 'w' replaces it (mode re-applied below).
  writeFileSync(secretPath, `${encodeAuthoritySecret(kp.secret)}\n`, {
    mode: 0o600,
    flag: force ? 'w' : 'wx',
  });
  chmodSync(secretPath, 0o600);
  writeFileSync(publicPath, `${publicKey}\n`, { mode: 0o644 });
  return { secretPath, publicPath, publicKey };
}

export interface KeyFileContents {
  kind: 'secret' | 'public';
  /** x-only public key. */
  publicXonly: Uint8Array;
  /** Only for a secret key file. */
  secret?: Uint8Array;
}

/** Reads either kind of key file (told apart by length); errors name the file. */
export function readAuthorityKeyFile(path: string): KeyFileContents {
  let text: string;
  try {
    text = readFileSync(path, 'utf8').trim();
  } catch (e) {
    throw new AuthorityKeyError(
      `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  // The two kinds differ in decoded length (34 vs 32 bytes); try public first.
  let publicError: Error;
  try {
    return { kind: 'public', publicXonly: decodeAuthorityPubkey(text) };
  } catch (e) {
    publicError = e as Error;
  }
  let secret: Uint8Array;
  try {
    secret = decodeAuthoritySecret(text);
  } catch {
    throw new AuthorityKeyError(`${path}: ${publicError.message}`);
  }
  return { kind: 'secret', secret, publicXonly: authorityPublicFromSecret(secret) };
}
