import type { Chain } from '../ckb/chain.js';
import type { LedgerStore } from '../ledger/store.js';
import { accountOf } from '../payouts/accounts.js';
import type { AccountBook, PayoutView } from './miner-view.js';

/**
 * The API's view of balances and payouts, read from the ledger the payout engine writes:
 * an account's balance, immature credits and paid total (payouts credit the canonical full
 * address, so the address a miner types is canonicalised first), and the outputs of the
 * latest payout batches.
 */

const BATCHES_SHOWN = 100;

export function ledgerAccountBook(ledger: LedgerStore, chain: Chain, enabled: boolean): AccountBook {
  const payouts = async (address: string | null): Promise<PayoutView[]> => {
    const out: PayoutView[] = [];
    for (const b of await ledger.payoutBatches(undefined, BATCHES_SHOWN)) {
      for (const o of b.outputs) {
        if (address !== null && o.address !== address) continue;
        out.push({
          txHash: b.txHash,
          amount: o.amount,
          status: b.status,
          time: b.updatedAtMs,
          address: o.address,
        });
      }
    }
    return out;
  };
  return {
    enabled,
    async account(address) {
      const a = accountOf(address, chain);
      const key = a.kind === 'address' ? a.address : address;
      const row = (await ledger.accountBalances()).find((b) => b.account === key);
      return {
        balance: row?.balance ?? 0n,
        immature: row?.immature ?? 0n,
        paid: row?.paid ?? 0n,
        payouts: await payouts(key),
      };
    },
    async recentPayouts(limit) {
      return (await payouts(null)).slice(0, limit);
    },
  };
}
