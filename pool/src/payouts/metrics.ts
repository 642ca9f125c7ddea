import { Counter, Gauge, type Registry } from 'prom-client';

/**
 * Payout metrics, `ckb_pool_payout_*`, on the pool's registry. The bundle's alert rules read
 * them: wallet low, a batch pending too long (transaction stuck), a batch failed.
 */
export class PayoutMetrics {
  readonly rewards: Counter<'outcome'>;
  readonly droppedShannons: Counter;
  readonly walletShannons: Gauge;
  readonly pendingBatches: Gauge;
  readonly oldestPendingBatchSeconds: Gauge;
  readonly batches: Counter<'outcome'>;
  readonly paidShannons: Gauge;

  constructor(registry: Registry) {
    const registers = [registry];
    this.rewards = new Counter({
      name: 'ckb_pool_payout_rewards_total',
      help: 'Block rewards by outcome: recorded (read from the cellbase of block N+11), matured, orphaned (credits dropped).',
      labelNames: ['outcome'],
      registers,
    });
    this.droppedShannons = new Counter({
      name: 'ckb_pool_payout_dropped_shannons_total',
      help: 'Credits dropped because their block or reward block left the main chain, in shannons.',
      registers,
    });
    this.walletShannons = new Gauge({
      name: 'ckb_pool_payout_wallet_shannons',
      help: 'Spendable (matured) capacity of the pool wallet, in shannons.',
      registers,
    });
    this.pendingBatches = new Gauge({
      name: 'ckb_pool_payout_pending_batches',
      help: 'Payout batches written and sent but not yet seen committed.',
      registers,
    });
    this.oldestPendingBatchSeconds = new Gauge({
      name: 'ckb_pool_payout_oldest_pending_batch_seconds',
      help: 'Age of the oldest pending payout batch (0 when none): a transaction stuck in the pool.',
      registers,
    });
    this.batches = new Counter({
      name: 'ckb_pool_payout_batches_total',
      help: 'Payout batches by outcome: written, committed, failed (inputs spent elsewhere; debits restored).',
      labelNames: ['outcome'],
      registers,
    });
    this.paidShannons = new Gauge({
      name: 'ckb_pool_payout_paid_shannons',
      help: 'Total paid to miners in committed payout batches, in shannons.',
      registers,
    });
  }
}
