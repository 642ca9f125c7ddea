/**
 * Who a payout batch pays, pure: every address whose balance reached the threshold, its whole
 * balance, at most `maxOutputs` of them (the rest wait for the next batch). A worker name that
 * is not an address is never paid; an output below the lock's occupied capacity (61 CKB for
 * the default lock) could not exist on chain, so such a balance waits too.
 */
import type { ccc } from '@ckb-ccc/core';
import type { Chain } from '../ckb/chain.js';
import type { AccountBalance } from '../ledger/payout-types.js';
import { parseAddress } from './accounts.js';

export const SHANNONS_PER_CKB = 100_000_000n;
/** A cell with the default secp256k1-blake160 lock and no data occupies 61 CKB. */
export const MIN_CELL_SHANNONS = 61n * SHANNONS_PER_CKB;

export interface PayoutOutputPlan {
  address: string;
  amount: bigint;
  lock: ccc.Script;
}

/** Capacity a data-less cell with `lock` occupies: 8 (capacity) + 32 + 1 + args bytes, in CKB. */
export function occupiedShannons(lock: ccc.Script): bigint {
  const argsBytes = BigInt((lock.args.length - 2) / 2);
  return (8n + 32n + 1n + argsBytes) * SHANNONS_PER_CKB;
}

export function selectPayouts(
  balances: readonly AccountBalance[],
  opts: { chain: Chain; thresholdShannons: bigint; maxOutputs: number },
): PayoutOutputPlan[] {
  const out: PayoutOutputPlan[] = [];
  for (const b of balances) {
    if (out.length >= opts.maxOutputs) break;
    if (!b.payable || b.balance < opts.thresholdShannons) continue;
    const lock = parseAddress(b.account, opts.chain);
    if (!lock || b.balance < occupiedShannons(lock)) continue;
    out.push({ address: b.account, amount: b.balance, lock });
  }
  return out;
}
