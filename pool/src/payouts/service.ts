/**
 * The payout engine assembled from settings: the reward tracker and the payer over one ledger
 * and one node. One `cycle()` records and matures rewards, then settles written batches and
 * sends at most one new one; `ckb-pool payouts run` runs one cycle, `serve` runs them on a
 * schedule.
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Chain } from '../ckb/chain.js';
import type { CkbRpcClient } from '../ckb/rpc.js';
import type { LedgerStore } from '../ledger/store.js';
import { parseAddress } from './accounts.js';
import { feeBasisPoints } from './credits.js';
import { PayoutMetrics } from './metrics.js';
import { Payer, type PayoutRun } from './payer.js';
import { RewardTracker, readCellbaseMaturity } from './rewards.js';
import { MIN_CELL_SHANNONS } from './selection.js';
import { openWallet, type Wallet } from './wallet.js';

export interface PayoutSettings {
  chain: Chain;
  rpcUrl: string;
  walletKeyFile: string;
  /** Pool fee in percent, to `operatorAddress`. */
  feePercent: number;
  operatorAddress: string;
  thresholdShannons: bigint;
  /** Shannons per 1000 bytes. */
  maxFeeRate: bigint;
  confirmations: number;
  /** Blocks a committed batch is re-checked against reorgs (default: `confirmations`). */
  recheckDepth?: number;
  maxOutputs?: number;
}

/** Most outputs in one batch: about 100 KB of transaction, well inside a block. */
export const MAX_BATCH_OUTPUTS = 1_000;

export interface PayoutService {
  wallet: Wallet;
  tracker: RewardTracker;
  payer: Payer;
  metrics: PayoutMetrics;
  cycle(): Promise<PayoutRun>;
}

export function checkPayoutSettings(s: PayoutSettings): void {
  if (s.thresholdShannons < MIN_CELL_SHANNONS)
    throw new Error(
      `payouts.threshold must be at least 61 CKB (the smallest cell); got ${s.thresholdShannons} shannons`,
    );
  if (!parseAddress(s.operatorAddress, s.chain))
    throw new Error(`payouts.operatorAddress is not an address of the ${s.chain} chain`);
  feeBasisPoints(s.feePercent);
}

export async function openPayoutService(
  s: PayoutSettings,
  deps: { rpc: CkbRpcClient; ledger: LedgerStore; log: Logger; registry: Registry; crashAt?: string | null },
): Promise<PayoutService> {
  checkPayoutSettings(s);
  const wallet = await openWallet(s.walletKeyFile, s.chain, s.rpcUrl);
  const cellbaseMaturity = await readCellbaseMaturity(deps.rpc);
  const metrics = new PayoutMetrics(deps.registry);
  const log = deps.log.child({ component: 'payouts' });
  const tracker = new RewardTracker({
    rpc: deps.rpc,
    ledger: deps.ledger,
    log,
    metrics,
    poolLock: { code_hash: wallet.lock.codeHash, hash_type: wallet.lock.hashType, args: wallet.lock.args },
    policy: {
      chain: s.chain,
      feeBasisPoints: feeBasisPoints(s.feePercent),
      operatorAddress: s.operatorAddress,
    },
    cellbaseMaturity,
    confirmations: s.confirmations,
  });
  const payer = new Payer({
    rpc: deps.rpc,
    ledger: deps.ledger,
    log,
    metrics,
    wallet,
    chain: s.chain,
    thresholdShannons: s.thresholdShannons,
    maxOutputs: s.maxOutputs ?? MAX_BATCH_OUTPUTS,
    maxFeeRate: s.maxFeeRate,
    confirmations: s.confirmations,
    recheckDepth: Math.max(s.recheckDepth ?? s.confirmations, s.confirmations),
    cellbaseMaturity,
    crashAt: deps.crashAt ?? null,
  });
  return {
    wallet,
    tracker,
    payer,
    metrics,
    async cycle() {
      await tracker.step();
      return payer.run();
    },
  };
}
