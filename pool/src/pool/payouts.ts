/**
 * Payouts inside `serve` and for `ckb-pool payouts`: pool.yaml's `payouts` section turned
 * into the payout engine's settings (pool/src/payouts), and the schedule serve runs.
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { CkbRpcClient } from '../ckb/rpc.js';
import type { LedgerStore } from '../ledger/store.js';
import { PayoutSchedule } from '../payouts/schedule.js';
import { openPayoutService, type PayoutService, type PayoutSettings } from '../payouts/service.js';
import type { PoolConfig } from './config.js';

export function payoutSettings(config: PoolConfig): PayoutSettings {
  const p = config.payouts;
  if (p.walletKeyFile === null || p.operatorAddress === null)
    throw new Error('payouts.walletKeyFile and payouts.operatorAddress are required for payouts');
  return {
    chain: config.chain,
    rpcUrl: config.node.rpcUrl,
    walletKeyFile: p.walletKeyFile,
    feePercent: p.feePercent,
    operatorAddress: p.operatorAddress,
    thresholdShannons: BigInt(Math.round(p.threshold * 1e8)),
    maxFeeRate: BigInt(p.maxFeeRate),
    confirmations: p.confirmations,
    recheckDepth: Math.max(p.recheckDepth, p.confirmations),
  };
}

export function openPayouts(
  config: PoolConfig,
  ledger: LedgerStore,
  registry: Registry,
  log: Logger,
): Promise<PayoutService> {
  const rpc = new CkbRpcClient(config.node.rpcUrl, { timeoutMs: config.node.rpcTimeoutMs });
  return openPayoutService(payoutSettings(config), {
    rpc,
    ledger,
    log,
    registry,
    crashAt: process.env.CKB_POOL_PAYOUT_CRASH_AT ?? null,
  });
}

/** Starts the payout schedule when payouts are enabled; null in solo mode. */
export async function startPayoutSchedule(
  config: PoolConfig,
  ledger: LedgerStore,
  registry: Registry,
  log: Logger,
): Promise<PayoutSchedule | null> {
  if (!config.payouts.enabled) return null;
  const service = await openPayouts(config, ledger, registry, log);
  const schedule = new PayoutSchedule(
    () => service.cycle(),
    config.payouts.intervalMinutes * 60_000,
    log,
    // Several hosts on one PostgreSQL ledger: only the runner lock's holder pays.
    async () => ledger.holdPayoutRunner(),
  );
  schedule.start();
  log.info(
    { wallet: service.wallet.lock.args, intervalMinutes: config.payouts.intervalMinutes },
    'payouts enabled',
  );
  return schedule;
}
