/**
 * Payouts exactly once. A batch is built and signed, then written to the ledger — the signed
 * transaction, its hash and its outputs, which debit the balances in that same write — and
 * only then sent. Every run first settles the batches already written:
 *
 * - committed and `confirmations` deep → `committed` (paid);
 * - pending in the node's pool → wait: it can still confirm;
 * - unknown to the node (a restart, a dropped transaction) with every input still live → the
 *   same signed transaction is sent again (same hash: it can only be committed once);
 * - an input spent by another transaction while ours is not committed → `failed`, debits
 *   restored, logged as an error and counted: it can never confirm now.
 *
 * No new batch is built while one is pending, so no second transaction ever competes with one
 * that can still confirm.
 *
 * A `committed` batch is re-checked every run until its block is `recheckDepth` deep: if its
 * transaction is no longer committed on the main chain (a reorg), it goes back to `pending` —
 * still debited, no longer counted as paid — and the rules above take it from there: the node
 * re-pooled it (wait), forgot it (the same signed transaction is sent again) or, never for a
 * wallet only this payer spends, saw its inputs spent elsewhere. An input that is the output of
 * another pending batch of ours (a batch spending an earlier batch's change) is not "spent
 * elsewhere": it waits for that batch, oldest batch first. `CKB_POOL_PAYOUT_CRASH_AT` kills the process (SIGKILL) at a named
 * step, for the crash tests: after-write, after-send, after-confirm-read.
 */
import type { Logger } from 'pino';
import type { Chain } from '../ckb/chain.js';
import { type CkbRpcClient, CkbRpcError } from '../ckb/rpc.js';
import type { HeaderViewJson } from '../ckb/rpc-types.js';
import type { PayoutBatchRow } from '../ledger/payout-types.js';
import type { LedgerStore } from '../ledger/store.js';
import { buildBatch } from './batch.js';
import { nodeFeeRate } from './fee-rate.js';
import type { PayoutMetrics } from './metrics.js';
import { type PayoutOutputPlan, selectPayouts } from './selection.js';
import type { Wallet } from './wallet.js';
import { spendableWalletCells } from './wallet-cells.js';

export type CrashPoint = 'after-write' | 'after-send' | 'after-confirm-read';

export interface PayerOptions {
  rpc: CkbRpcClient;
  ledger: LedgerStore;
  log: Logger;
  metrics: PayoutMetrics;
  wallet: Wallet;
  chain: Chain;
  thresholdShannons: bigint;
  maxOutputs: number;
  maxFeeRate: bigint;
  /** Blocks a payout transaction must be below the tip before it counts as paid. */
  confirmations: number;
  /** Blocks a committed batch is re-checked against reorgs (at least `confirmations`). */
  recheckDepth?: number;
  cellbaseMaturity: bigint;
  /** Fault injection for tests; normally from CKB_POOL_PAYOUT_CRASH_AT. */
  crashAt?: string | null;
  now?: () => number;
}

export interface PayoutRun {
  /** `reorged`: committed batches whose transaction left the main chain, pending again. */
  settled: { committed: number; failed: number; resent: number; reorged?: number };
  pending: number;
  /** The batch written and sent by this run, if any. */
  batch: { id: number; txHash: string; outputs: number; amount: bigint; fee: bigint } | null;
  /** Why no batch was sent, when none was. */
  reason: string | null;
}

interface TxStatus {
  tx_status: { status: string; block_number: string | null; reason?: string | null };
}

export class Payer {
  constructor(private readonly opts: PayerOptions) {}

  private crash(point: CrashPoint): void {
    if (this.opts.crashAt === point) process.kill(process.pid, 'SIGKILL');
  }

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  /** The payouts the next batch would make (nothing written). */
  async preview(): Promise<PayoutOutputPlan[]> {
    return selectPayouts(await this.opts.ledger.accountBalances(), this.opts);
  }

  async run(): Promise<PayoutRun> {
    const { rpc, ledger, log, metrics, wallet } = this.opts;
    const tip = await rpc.getTipHeader();
    const reorged = await this.recheckCommitted(tip);
    const settled = { committed: 0, failed: 0, resent: 0, reorged };
    const pending: PayoutBatchRow[] = [];
    // Oldest first: a batch spending an earlier batch's change is sent after it.
    const written = (await ledger.payoutBatches('pending', 1_000)).reverse();
    const ours = new Set(written.map((b) => b.txHash));
    for (const b of written) {
      const outcome = await this.reconcile(b, tip, ours);
      if (outcome === 'committed' || outcome === 'failed') settled[outcome] += 1;
      else {
        if (outcome === 'resent') settled.resent += 1;
        pending.push(b);
      }
    }
    await this.updateGauges(tip, pending);
    const result: PayoutRun = { settled, pending: pending.length, batch: null, reason: null };
    if (pending.length > 0) return { ...result, reason: 'a payout batch is still pending' };
    const outputs = await this.preview();
    if (outputs.length === 0) return { ...result, reason: 'no balance has reached the threshold' };
    const cells = await spendableWalletCells(
      rpc,
      jsonLock(wallet),
      this.opts.cellbaseMaturity,
      BigInt(tip.epoch),
    );
    const feeRate = await nodeFeeRate(rpc, this.opts.maxFeeRate);
    const built = await buildBatch({
      signer: wallet.signer,
      walletLock: wallet.lock,
      cells,
      outputs,
      feeRate,
    });
    const id = await ledger.createPayoutBatch(
      {
        txHash: built.txHash,
        txJson: built.txJson,
        fee: built.fee,
        outputs: outputs.map(({ address, amount }) => ({ address, amount })),
      },
      this.now(),
    );
    metrics.batches.inc({ outcome: 'written' });
    const amount = outputs.reduce((a, o) => a + o.amount, 0n);
    log.info(
      {
        batch: id,
        txHash: built.txHash,
        outputs: outputs.length,
        shannons: amount.toString(),
        fee: built.fee.toString(),
        feeRate: feeRate.toString(),
      },
      'payout batch written; sending',
    );
    this.crash('after-write');
    await this.send(id, built.txHash, built.txJson);
    this.crash('after-send');
    metrics.pendingBatches.set(1);
    return {
      ...result,
      pending: 1,
      batch: { id, txHash: built.txHash, outputs: outputs.length, amount, fee: built.fee },
    };
  }

  /** Sends a written batch; a refusal is logged and left for the next run to settle. */
  private async send(id: number, txHash: string, txJson: string): Promise<void> {
    try {
      await this.opts.rpc.call('send_transaction', [JSON.parse(txJson), 'passthrough']);
    } catch (err) {
      this.opts.log.warn(
        { batch: id, txHash, err: (err as Error).message },
        'send_transaction failed; the next run decides',
      );
    }
  }

  private async txStatus(hash: string): Promise<TxStatus['tx_status']> {
    const r = await this.opts.rpc.call<TxStatus | null>('get_transaction', [hash]);
    return r?.tx_status ?? { status: 'unknown', block_number: null };
  }

  /**
   * Committed batches not yet `recheckDepth` deep whose transaction is no longer committed on
   * the main chain go back to pending; returns how many. A transaction committed again in
   * another block keeps its status (its depth still counted from the first block).
   */
  private async recheckCommitted(tip: HeaderViewJson): Promise<number> {
    const { ledger, log, metrics } = this.opts;
    const depth = BigInt(this.opts.recheckDepth ?? this.opts.confirmations);
    const tipNumber = BigInt(tip.number);
    let reorged = 0;
    // At most one batch is committed per run, so the newest 100 reach far past any recheck depth.
    for (const b of await ledger.payoutBatches('committed', 100)) {
      // Batches committed before schema version 4 have no block: they were final then.
      if (b.committedBlock === null || tipNumber - BigInt(b.committedBlock) >= depth) continue;
      const st = await this.txStatus(b.txHash);
      if (st.status === 'committed') continue;
      const message = `reorg: ${b.txHash} left the main chain (was in block ${b.committedBlock}); pending again`;
      if (await ledger.reopenPayoutBatch(b.id, message, this.now())) {
        reorged += 1;
        metrics.batches.inc({ outcome: 'reorged' });
        log.warn(
          { batch: b.id, txHash: b.txHash, block: b.committedBlock, status: st.status },
          'committed payout batch left the main chain; pending again, to be re-sent unchanged',
        );
      }
    }
    return reorged;
  }

  private async reconcile(
    b: PayoutBatchRow,
    tip: HeaderViewJson,
    ours: ReadonlySet<string>,
  ): Promise<'committed' | 'failed' | 'resent' | 'waiting'> {
    const { ledger, log, metrics } = this.opts;
    let st = await this.txStatus(b.txHash);
    if (st.status === 'pending' || st.status === 'proposed') return 'waiting';
    if (st.status !== 'committed') {
      const dead = await this.spentInput(b, ours);
      if (!dead) return (await this.resend(b)) ? 'resent' : 'waiting';
      st = await this.txStatus(b.txHash); // it may have been committed between the two reads
      if (st.status !== 'committed') {
        const message = `input ${dead} was spent by another transaction; ${b.txHash} can never confirm`;
        if (await ledger.settlePayoutBatch(b.id, 'failed', message, this.now())) {
          metrics.batches.inc({ outcome: 'failed' });
          log.error(
            { batch: b.id, txHash: b.txHash, reason: message },
            'payout batch failed; its debits are restored',
          );
        }
        return 'failed';
      }
    }
    const depth = BigInt(tip.number) - BigInt(st.block_number ?? tip.number);
    if (depth < BigInt(this.opts.confirmations)) return 'waiting';
    this.crash('after-confirm-read');
    const block = st.block_number === null ? null : Number(BigInt(st.block_number));
    if (await ledger.settlePayoutBatch(b.id, 'committed', null, this.now(), block)) {
      metrics.batches.inc({ outcome: 'committed' });
      log.info(
        { batch: b.id, txHash: b.txHash, block: st.block_number, outputs: b.outputs.length },
        'payout batch committed',
      );
    }
    return 'committed';
  }

  /**
   * The first input of the batch that is no longer live, or null. An output of another pending
   * batch of ours (`ours`) is not live until that batch commits: it waits, it is not spent.
   */
  private async spentInput(b: PayoutBatchRow, ours: ReadonlySet<string>): Promise<string | null> {
    const tx = JSON.parse(b.txJson) as { inputs: { previous_output: { tx_hash: string; index: string } }[] };
    for (const i of tx.inputs) {
      if (ours.has(i.previous_output.tx_hash)) continue;
      const r = await this.opts.rpc.call<{ status: string }>('get_live_cell', [i.previous_output, false]);
      if (r.status !== 'live') return `${i.previous_output.tx_hash}:${BigInt(i.previous_output.index)}`;
    }
    return null;
  }

  private async resend(b: PayoutBatchRow): Promise<boolean> {
    try {
      await this.opts.rpc.call('send_transaction', [JSON.parse(b.txJson), 'passthrough']);
      this.opts.log.info(
        { batch: b.id, txHash: b.txHash },
        'payout batch unknown to the node; sent again unchanged',
      );
      return true;
    } catch (err) {
      if (err instanceof CkbRpcError && err.code === -1107) return true; // already in the pool
      this.opts.log.warn(
        { batch: b.id, txHash: b.txHash, err: (err as Error).message },
        'resending a payout batch failed',
      );
      return false;
    }
  }

  private async updateGauges(tip: HeaderViewJson, pending: PayoutBatchRow[]): Promise<void> {
    const { metrics, ledger, rpc, wallet } = this.opts;
    metrics.pendingBatches.set(pending.length);
    const oldest = pending.reduce((a, b) => Math.min(a, b.createdAtMs), Number.POSITIVE_INFINITY);
    metrics.oldestPendingBatchSeconds.set(pending.length ? Math.max(0, (this.now() - oldest) / 1000) : 0);
    const paid = (await ledger.accountBalances()).reduce((a, b) => a + b.paid, 0n);
    metrics.paidShannons.set(Number(paid));
    const cells = await spendableWalletCells(
      rpc,
      jsonLock(wallet),
      this.opts.cellbaseMaturity,
      BigInt(tip.epoch),
    );
    metrics.walletShannons.set(Number(cells.reduce((a, c) => a + c.capacity, 0n)));
  }
}

function jsonLock(w: Wallet): { code_hash: string; hash_type: string; args: string } {
  return { code_hash: w.lock.codeHash, hash_type: w.lock.hashType, args: w.lock.args };
}
