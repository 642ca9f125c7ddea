/**
 * The pool wallet: the secp256k1 key of the `[block_assembler]` lock, in a file of its own
 * (mode 0600). The key is read once and handed to CCC's signer; it is never logged, printed
 * or put in an error message.
 */
import { readFileSync, statSync } from 'node:fs';
import { ccc } from '@ckb-ccc/core';
import type { Chain } from '../ckb/chain.js';

/** Reads a 32-byte hex key (0x optional, surrounding whitespace ignored) from a private file. */
export function readWalletKey(path: string): string {
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o077) !== 0)
    throw new Error(
      `${path}: the pool wallet key file must not be readable by others (mode ${mode.toString(8)}; use 600)`,
    );
  const text = readFileSync(path, 'utf8').trim();
  const hex = text.startsWith('0x') ? text.slice(2) : text;
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new Error(`${path}: not a 32-byte hex secp256k1 key`);
  return `0x${hex.toLowerCase()}`;
}

/** CCC's client for the pool's node: dev and testnet use testnet addresses and scripts. */
export function cccClient(chain: Chain, rpcUrl: string): ccc.Client {
  return chain === 'mainnet'
    ? new ccc.ClientPublicMainnet({ url: rpcUrl })
    : new ccc.ClientPublicTestnet({ url: rpcUrl });
}

export interface Wallet {
  signer: ccc.SignerCkbPrivateKey;
  /** Its secp256k1-blake160 lock: the block assembler's, where change goes back to. */
  lock: ccc.Script;
}

export async function openWallet(keyFile: string, chain: Chain, rpcUrl: string): Promise<Wallet> {
  const signer = new ccc.SignerCkbPrivateKey(cccClient(chain, rpcUrl), readWalletKey(keyFile));
  return { signer, lock: (await signer.getRecommendedAddressObj()).script };
}
