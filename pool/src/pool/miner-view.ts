import { ApiRequestError } from '../api/http.js';
import type { Chain } from '../ckb/chain.js';
import type { BlockSummary } from '../ledger/reader.js';
import type { Awaitable, LedgerReadSide, SeriesPoint } from '../ledger/store.js';
import { isAddressOf } from '../workers/accounts.js';

/**
 * What a miner sees of its account (`GET /api/v1/miners/:address`, the web page per address)
 * and the hashrate charts: figures from the ledger's read side, the in-memory hashrate and the
 * payout book. Amounts are shannons as decimal strings, so no client loses precision.
 */

export interface PayoutView {
  txHash: string;
  /** Shannons. */
  amount: bigint;
  status: string;
  /** When the payout was made (ms). */
  time: number;
  address?: string;
}

/** Balances and payouts per address; the solo book (payouts off) owes nobody anything. */
export interface AccountBook {
  readonly enabled: boolean;
  account(
    address: string,
  ): Awaitable<{ balance: bigint; immature: bigint; paid: bigint; payouts: PayoutView[] }>;
  recentPayouts(limit: number): Awaitable<PayoutView[]>;
}

export const SOLO_BOOK: AccountBook = {
  enabled: false,
  account: () => ({ balance: 0n, immature: 0n, paid: 0n, payouts: [] }),
  recentPayouts: () => [],
};

export interface MinerViewParts {
  chain: Chain;
  ledger: LedgerReadSide;
  book: AccountBook;
  /** Hashrate windows of one worker name (in-memory tracker). */
  rates(worker: string): Record<string, number>;
  /** Channels open under a worker name now. */
  online(worker: string): { channels: number; difficulty: number } | undefined;
}

/** Charts: a window and the bucket that gives it about 60–100 points. */
export const SERIES_WINDOWS = {
  '1h': { ms: 3_600_000, bucketMs: 60_000 },
  '24h': { ms: 86_400_000, bucketMs: 900_000 },
} as const;
export type SeriesWindow = keyof typeof SERIES_WINDOWS;

const MAX_WORKERS = 500;
const MAX_BLOCKS = 50;
const MAX_PAYOUTS = 50;

function checkAddress(address: string, chain: Chain): void {
  if (!isAddressOf(address, chain))
    throw new ApiRequestError(`not a CKB address of this pool's chain (${chain}): ${address.slice(0, 120)}`);
}

function payoutJson(p: PayoutView) {
  return { txHash: p.txHash, amount: p.amount.toString(), status: p.status, time: p.time };
}

function blockJson(b: BlockSummary) {
  return {
    height: b.height,
    hash: b.hash,
    worker: b.worker,
    status: b.status,
    chainStatus: b.chainStatus,
    jobSource: b.jobSource,
    foundAtMs: b.foundAtMs,
  };
}

/** The account's answer, or null when the address never mined here (404). */
export async function minerView(p: MinerViewParts, address: string) {
  checkAddress(address, p.chain);
  const rows = await p.ledger.accountWorkers(address, MAX_WORKERS);
  const account = await p.book.account(address);
  if (rows.length === 0 && account.paid === 0n && account.balance === 0n) return null;
  const hashrate: Record<string, number> = {};
  const workers = rows.map((w) => {
    const rates = p.rates(w.name);
    for (const [k, v] of Object.entries(rates)) hashrate[k] = (hashrate[k] ?? 0) + v;
    const seen = w.acceptedShares + w.rejectedShares;
    return {
      name: w.name,
      hashrate: rates,
      acceptedShares: w.acceptedShares,
      rejectedShares: w.rejectedShares,
      acceptRate: seen === 0 ? null : w.acceptedShares / seen,
      lastShareAtMs: w.lastShareAtMs,
      online: p.online(w.name) ?? { channels: 0, difficulty: 0 },
    };
  });
  const blocks = await p.ledger.accountBlocks(address, MAX_BLOCKS);
  return {
    address,
    hashrate,
    workers,
    balance: account.balance.toString(),
    immature: account.immature.toString(),
    paid: account.paid.toString(),
    payouts: account.payouts.slice(0, MAX_PAYOUTS).map(payoutJson),
    blocks: blocks.map(blockJson),
    payoutsEnabled: p.book.enabled,
  };
}

/** Hashrate (H/s) per bucket over a window, of the pool or of one address. */
export async function hashrateSeries(
  p: MinerViewParts,
  window: string,
  address: string | null,
  nowMs = Date.now(),
): Promise<{ window: SeriesWindow; bucketMs: number; points: { atMs: number; hashrate: number }[] }> {
  if (!(window in SERIES_WINDOWS)) throw new ApiRequestError('window must be 1h or 24h');
  if (address !== null) checkAddress(address, p.chain);
  const w = SERIES_WINDOWS[window as SeriesWindow];
  const since = nowMs - w.ms;
  const rows: SeriesPoint[] = await p.ledger.difficultySeries(
    address,
    since - (since % w.bucketMs),
    w.bucketMs,
  );
  return {
    window: window as SeriesWindow,
    bucketMs: w.bucketMs,
    points: rows.map((r) => ({ atMs: r.atMs, hashrate: r.difficulty / (w.bucketMs / 1000) })),
  };
}

export async function recentPayouts(book: AccountBook, limit = 20) {
  return (await book.recentPayouts(limit)).map((p) => ({ ...payoutJson(p), address: p.address ?? null }));
}
