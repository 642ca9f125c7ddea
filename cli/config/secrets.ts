/**
 * The deployment's secrets folder: created once by `init`, never overwritten, read by `render`.
 * The SV2 authority key uses the pool's own key-file format (`ckb-pool keys generate`).
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readWalletKey } from 'ckb-pool/payouts/wallet';
import {
  PUBLIC_KEY_FILE,
  readAuthorityKeyFile,
  SECRET_KEY_FILE,
  writeAuthorityKeyFiles,
} from 'ckb-pool/sv2/noise/key-files';
import {
  encodeAuthorityPubkey,
  encodeAuthoritySecret,
  generateAuthorityKeypair,
} from 'ckb-pool/sv2/noise/keys';

/** The pool wallet's key (payouts on; created or imported by init, cli/config/wallet.ts). */
export const WALLET_KEY_FILE = 'pool-wallet-key';
export const AUTHORITY_SECRET_FILE = SECRET_KEY_FILE;
export const AUTHORITY_PUBLIC_FILE = PUBLIC_KEY_FILE;
export const GRAFANA_PASSWORD_FILE = 'grafana-admin-password';
/** Shared by the node and the pool: the node's notify URL carries it, the pool checks it. */
export const NOTIFY_SECRET_FILE = 'notify-secret';

/** 24 random bytes → 32 URL-safe characters: no quoting trouble in URLs, TOML, YAML or files. */
const newToken = (): string => randomBytes(24).toString('base64url');
const TOKEN_FILES = [GRAFANA_PASSWORD_FILE, NOTIFY_SECRET_FILE] as const;

export interface DeploymentSecrets {
  /** base58check authority secret, as in the key file. */
  authoritySecret: string;
  /** base58check authority public key (miners pin it in the pool URL). */
  authorityPublicKey: string;
  grafanaAdminPassword: string;
  /** Authenticates the node's block-assembler notify POSTs to the pool. */
  notifySecret: string;
  /** The pool wallet's key (payouts), when the folder holds one (wallet.ts). */
  poolWalletKey?: string;
}

export class SecretsError extends Error {}

export interface EnsureResult {
  created: string[];
  kept: string[];
  authorityPublicKey: string;
}

/** Creates whatever secret is missing in `dir` (mode 0700, files 0600); existing ones are kept. */
export function ensureSecrets(dir: string): EnsureResult {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const created: string[] = [];
  const kept: string[] = [];
  const secretPath = join(dir, AUTHORITY_SECRET_FILE);
  if (existsSync(secretPath)) {
    kept.push(secretPath);
    const { publicXonly } = readAuthorityKeyFile(secretPath);
    const publicPath = join(dir, AUTHORITY_PUBLIC_FILE);
    if (!existsSync(publicPath))
      writeFileSync(publicPath, `${encodeAuthorityPubkey(publicXonly)}\n`, { mode: 0o644 });
  } else {
    const written = writeAuthorityKeyFiles(dir, generateAuthorityKeypair());
    created.push(written.secretPath);
  }
  for (const name of TOKEN_FILES) {
    const path = join(dir, name);
    if (existsSync(path)) kept.push(path);
    else {
      writeFileSync(path, `${newToken()}\n`, { mode: 0o600, flag: 'wx' });
      created.push(path);
    }
  }
  return { created, kept, authorityPublicKey: readSecrets(dir).authorityPublicKey };
}

/** Reads the secrets `render` needs; errors say how to create them. */
export function readSecrets(dir: string): DeploymentSecrets {
  const secretPath = join(dir, AUTHORITY_SECRET_FILE);
  for (const p of [secretPath, ...TOKEN_FILES.map((f) => join(dir, f))]) {
    if (!existsSync(p))
      throw new SecretsError(`${p} is missing; run \`ckb-pool-deploy init\` to create the secrets`);
    const mode = statSync(p).mode & 0o777;
    if (mode & 0o077)
      throw new SecretsError(`${p} is readable by others (mode ${mode.toString(8)}); run chmod 600 ${p}`);
  }
  const key = readAuthorityKeyFile(secretPath);
  if (key.kind !== 'secret' || !key.secret)
    throw new SecretsError(`${secretPath} holds a public key, not the secret`);
  const walletPath = join(dir, WALLET_KEY_FILE);
  return {
    authoritySecret: encodeAuthoritySecret(key.secret),
    authorityPublicKey: encodeAuthorityPubkey(key.publicXonly),
    grafanaAdminPassword: readToken(join(dir, GRAFANA_PASSWORD_FILE), 16),
    notifySecret: readToken(join(dir, NOTIFY_SECRET_FILE), 32),
    // Its messages name the file and the problem, never the key.
    ...(existsSync(walletPath) ? { poolWalletKey: readWalletSecret(walletPath) } : {}),
  };
}

function readWalletSecret(path: string): string {
  try {
    return readWalletKey(path);
  } catch (e) {
    throw new SecretsError((e as Error).message);
  }
}

function readToken(path: string, minLength: number): string {
  const value = readFileSync(path, 'utf8').trim();
  if (value.length < minLength || !/^[A-Za-z0-9_-]+$/.test(value)) {
    throw new SecretsError(`${path} must hold at least ${minLength} characters of A-Z a-z 0-9 _ -`);
  }
  return value;
}
