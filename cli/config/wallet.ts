/**
 * The pool wallet (payouts on): the secp256k1 key of the node's `[block_assembler]` lock, which
 * receives every block reward and signs the payout batches. It lives in the secrets folder
 * (0600) beside the other secrets; `init` creates it or imports it from a file the operator
 * names (never from the command line, where `ps` and shell history would show it). Only its
 * address leaves this module: the key is never logged, printed, or put in an error message.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ccc } from '@ckb-ccc/core';
import { readWalletKey } from 'ckb-pool/payouts/wallet';
import { encodeFullAddress, type LockScript, payoutLock, SECP256K1_BLAKE160_CODE_HASH } from './address.js';
import { SecretsError, WALLET_KEY_FILE } from './secrets.js';
import type { Chain } from './types.js';

export { WALLET_KEY_FILE };

/** Order of the secp256k1 group: a key must be in [1, n-1]. */
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

/** A fresh key from the OS's CSPRNG (a draw outside [1, n-1] has odds of about 2^-128; drawn again). */
export function newWalletKey(): string {
  for (;;) {
    const hex = randomBytes(32).toString('hex');
    const k = BigInt(`0x${hex}`);
    if (k > 0n && k < SECP256K1_N) return `0x${hex}`;
  }
}

/** The default secp256k1-blake160 lock of `key`: args = blake160 of the compressed public key. */
export function walletLock(key: string): LockScript {
  // The signer derives the public key without a node; the client is never contacted.
  const signer = new ccc.SignerCkbPrivateKey(new ccc.ClientPublicTestnet(), key);
  return {
    codeHash: SECP256K1_BLAKE160_CODE_HASH,
    hashType: 'type',
    args: ccc.hashCkb(signer.publicKey).slice(0, 42),
  };
}

/** The full-format address of the wallet whose key is in `path` (the file must be 0600). */
export function walletAddressOf(path: string, chain: Chain): string {
  return encodeFullAddress(walletLock(readWalletKey(path)), chain);
}

export interface WalletResult {
  path: string;
  /** `created`: a new key; `imported`: copied from the operator's file; `kept`: already there. */
  outcome: 'created' | 'imported' | 'kept';
  address: string;
}

/**
 * Makes sure the secrets folder holds the pool wallet key. An existing key is kept (an import
 * over it is refused: replacing the key would strand the rewards it has received).
 */
export function ensureWalletKey(dir: string, chain: Chain, importFrom?: string): WalletResult {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, WALLET_KEY_FILE);
  if (existsSync(path)) {
    const address = walletAddressOf(path, chain);
    if (importFrom !== undefined && readWalletKey(importFrom) !== readWalletKey(path)) {
      throw new Error(
        `${path} already holds a different pool wallet key; move it away first if you really mean to replace it (its address ${address} keeps whatever it received)`,
      );
    }
    return { path, outcome: 'kept', address };
  }
  // readWalletKey refuses a file others may read and anything but 32 bytes of hex.
  const key = importFrom !== undefined ? readWalletKey(importFrom) : newWalletKey();
  writeFileSync(path, `${key}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(path, 0o600);
  return {
    path,
    outcome: importFrom !== undefined ? 'imported' : 'created',
    address: walletAddressOf(path, chain),
  };
}

/**
 * The wallet key a payouts bundle ships, after checking it is the key of `payoutAddress`: the
 * node's block assembler pays that address, and a pool that signs with another key could never
 * spend what it mines.
 */
export function payoutWalletKey(
  config: { chain: Chain; payoutAddress: string; secretsDir: string },
  secrets: { poolWalletKey?: string },
): string {
  const key = secrets.poolWalletKey;
  if (key === undefined) {
    throw new SecretsError(
      `payouts are enabled but ${join(config.secretsDir, WALLET_KEY_FILE)} is missing; run \`ckb-pool-deploy init\` to create (or --import-wallet-key to import) the pool wallet`,
    );
  }
  const address = encodeFullAddress(walletLock(key), config.chain);
  if (payoutLock(config.payoutAddress, config.chain).args !== walletLock(key).args) {
    throw new SecretsError(
      `payouts are enabled, so payoutAddress must be the pool wallet's address ${address} (the key in ${config.secretsDir}); it is ${config.payoutAddress}`,
    );
  }
  return key;
}
