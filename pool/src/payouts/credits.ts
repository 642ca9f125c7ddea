/**
 * A block's reward turned into credits, pure: the pool fee (basis points of the reward) goes to
 * the operator address, the rest is shared by the block's PPLNS split (integer parts of
 * PARTS_TOTAL), workers credited under their account (accounts.ts). Every shannon is credited
 * exactly once: the rounding dust of the split goes to the operator with the fee.
 */
import type { Chain } from '../ckb/chain.js';
import type { NewCredit } from '../ledger/payout-types.js';
import { PARTS_TOTAL } from '../ledger/pplns.js';
import { creditKey } from './accounts.js';

export interface CreditPolicy {
  chain: Chain;
  /** Pool fee in basis points (1 % = 100). */
  feeBasisPoints: number;
  /** Canonical address that receives the fee and the rounding dust. */
  operatorAddress: string;
}

export function feeBasisPoints(feePercent: number): number {
  if (!(feePercent >= 0 && feePercent <= 100))
    throw new RangeError(`pool fee ${feePercent} % is not in 0..100`);
  return Math.round(feePercent * 100);
}

export function creditsFor(
  reward: bigint,
  split: readonly { worker: string; parts: number }[],
  policy: CreditPolicy,
): NewCredit[] {
  const fee = (reward * BigInt(policy.feeBasisPoints)) / 10_000n;
  const shared = reward - fee;
  const miners = new Map<string, { amount: bigint; payable: boolean }>();
  let given = 0n;
  for (const s of split) {
    const amount = (shared * BigInt(s.parts)) / BigInt(PARTS_TOTAL);
    const { key, payable } = creditKey(s.worker, policy.chain);
    const cur = miners.get(key);
    if (cur) cur.amount += amount;
    else miners.set(key, { amount, payable });
    given += amount;
  }
  const out: NewCredit[] = [...miners]
    .filter(([, m]) => m.amount > 0n)
    .map(([account, m]) => ({ account, amount: m.amount, payable: m.payable, kind: 'miner' }));
  const operator = reward - given;
  if (operator > 0n)
    out.push({ account: policy.operatorAddress, amount: operator, payable: true, kind: 'fee' });
  return out;
}
