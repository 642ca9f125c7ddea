import { bech32, bech32m } from '@scure/base';
import type { Chain } from '../ckb/chain.js';

/**
 * Accounts are CKB addresses: a miner that names its workers `<address>[.<worker>]` is
 * credited, shown and (with payouts) paid under the address. An address is checked by its
 * checksum and the human-readable prefix of the pool's chain (`ckb` on mainnet, `ckt` on
 * testnet and dev chains); anything else is not an account.
 */

/** CKB full-format addresses are bech32m; the deprecated short ones bech32. Both fit here. */
const MAX_ADDRESS_LENGTH = 1023;

export function addressPrefix(chain: Chain): 'ckb' | 'ckt' {
  return chain === 'mainnet' ? 'ckb' : 'ckt';
}

/** True when `s` is a well-formed CKB address of `chain` (checksum and prefix). */
export function isAddressOf(s: string, chain: Chain): boolean {
  if (s.length > MAX_ADDRESS_LENGTH || s !== s.toLowerCase()) return false;
  for (const codec of [bech32m, bech32]) {
    try {
      return codec.decode(s as `${string}1${string}`, MAX_ADDRESS_LENGTH).prefix === addressPrefix(chain);
    } catch {}
  }
  return false;
}

/** The account a worker name credits, or null when it does not start with an address. */
export function accountOf(workerName: string, chain: Chain): string | null {
  const dot = workerName.indexOf('.');
  const head = dot === -1 ? workerName : workerName.slice(0, dot);
  return isAddressOf(head, chain) ? head : null;
}
