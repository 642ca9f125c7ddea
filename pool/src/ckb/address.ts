import { bech32m } from '@scure/base';
import type { Chain } from './chain.js';

/**
 * CKB addresses in the full format of RFC 0021 (bech32m, format type 0x00): code hash, hash
 * type and args of a lock script. Mainnet uses the prefix `ckb`, testnet and dev chains `ckt`.
 */

const HASH_TYPE_BYTE: Record<number, number> = { 0: 0x00, 1: 0x01, 2: 0x02, 4: 0x04 };

export interface LockScript {
  codeHash: Uint8Array;
  /** 0 data, 1 type, 2 data1, 4 data2 (the node's numbering). */
  hashType: number;
  args: Uint8Array;
}

export function encodeFullAddress(lock: LockScript, chain: Chain): string {
  const hashType = HASH_TYPE_BYTE[lock.hashType];
  if (hashType === undefined) throw new RangeError(`unknown hash type ${lock.hashType}`);
  if (lock.codeHash.length !== 32) throw new RangeError('a code hash has 32 bytes');
  const payload = new Uint8Array(1 + 32 + 1 + lock.args.length);
  payload[0] = 0x00;
  payload.set(lock.codeHash, 1);
  payload[33] = hashType;
  payload.set(lock.args, 34);
  return bech32m.encode(chain === 'mainnet' ? 'ckb' : 'ckt', bech32m.toWords(payload), 1023);
}
