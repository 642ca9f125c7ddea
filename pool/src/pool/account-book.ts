import type { Chain } from '../ckb/chain.js';
import type { LedgerStore } from '../ledger/store.js';
import { accountOf } from '../payouts/accounts.js';
import type { AccountBook, PayoutView } from './miner-view.js';

/**
 * The API's view of balances and payouts, read from the ledger the payout engine writes:
 * an account's balance, immature credits and paid total (payouts credit the canonical full
 * address, so the address a miner types is canonicalised first), and the outputs of the
 * latest payout batches. One miner's page reads that miner's rows only, never every balance.
 */

/** A page shows at most this many payouts; the API's list is no longer. */
const PAYOUTS_SHOWN = 100;

export function ledgerAccountBook(ledger: LedgerStore, chain: Chain, enabled: boolean): AccountBook {
  return {
    enabled,
    async account(address) {
      const a = accountOf(address, chain);
      const key = a.kind === 'address' ? a.address : address;
      const [row, paidOut] = await Promise.all([
        ledger.accountBalance(key),
        ledger.accountPayouts(key, PAYOUTS_SHOWN),
      ]);
      return {
        balance: row?.balance ?? 0n,
        immature: row?.immature ?? 0n,
        paid: row?.paid ?? 0n,
        payouts: paidOut.map((p) => ({
          txHash: p.txHash,
          amount: p.amount,
          status: p.status,
          time: p.updatedAtMs,
          address: key,
        })),
      };
    },
    async recentPayouts(limit) {
      const out: PayoutView[] = [];
      for (const b of await ledger.payoutBatches(undefined, Math.min(limit, PAYOUTS_SHOWN))) {
        for (const o of b.outputs) {
          out.push({
            txHash: b.txHash,
            amount: o.amount,
            status: b.status,
            time: b.updatedAtMs,
            address: o.address,
          });
        }
      }
      return out.slice(0, limit);
    },
  };
}
