import type Database from 'better-sqlite3';
import { balancesSql, payoutTablesSql, SQLITE } from './payout-schema.js';
import {
  type AccountBalance,
  type AccountPayout,
  type NewCredit,
  type NewPayoutBatch,
  type NewReward,
  OverdraftError,
  type PayoutBatchRow,
  type PayoutBatchStatus,
  type RewardRow,
  type RewardStatus,
} from './payout-types.js';

/**
 * The payout tables in the SQLite ledger (payout-types.ts says what they hold). Amounts are
 * INTEGER shannons read as bigint (`safeIntegers`), so no amount ever passes through a double.
 */

/** Schema version 3: block rewards, credits, payout batches and their outputs. */
export const PAYOUT_TABLES_SQL = payoutTablesSql(SQLITE);

const BALANCES_SQL = balancesSql(SQLITE);

const REWARD_COLUMNS = `block_id AS blockId, shannons, reward_block_number AS rewardBlockNumber,
  reward_block_hash AS rewardBlockHash, reward_epoch AS rewardEpoch, status, message,
  updated_at_ms AS updatedAtMs`;
const BATCH_COLUMNS = `id, tx_hash AS txHash, tx_json AS txJson, fee, status, message,
  created_at_ms AS createdAtMs, updated_at_ms AS updatedAtMs, committed_block AS committedBlock`;

type Big<T> = { [K in keyof T]: T[K] extends number ? bigint : T[K] };

function toBalance(r: Omit<AccountBalance, 'payable'> & { payable: bigint }): AccountBalance {
  return {
    account: r.account,
    balance: r.balance,
    immature: r.immature,
    paid: r.paid,
    payable: r.payable === 1n,
  };
}

/** Accepted blocks on the main chain whose reward is not recorded yet, oldest first. */
export const AWAITING_REWARD_WHERE = `WHERE status = 'accepted' AND chain_status IN ('main', 'confirmed')
  AND id NOT IN (SELECT block_id FROM block_rewards) ORDER BY id ASC`;

export class PayoutTables {
  constructor(private readonly db: Database.Database) {}

  /** Writes a block's reward and its credits together; false when it was already recorded. */
  recordReward(reward: NewReward, credits: NewCredit[], nowMs: number): boolean {
    return this.db.transaction(() => {
      const info = this.db
        .prepare(
          `INSERT INTO block_rewards(block_id, shannons, reward_block_number, reward_block_hash, reward_epoch,
             status, updated_at_ms) VALUES (?, ?, ?, ?, ?, 'immature', ?) ON CONFLICT(block_id) DO NOTHING`,
        )
        .run(
          reward.blockId,
          reward.shannons,
          reward.rewardBlockNumber,
          reward.rewardBlockHash,
          reward.rewardEpoch,
          nowMs,
        );
      if (info.changes === 0) return false;
      const ins = this.db.prepare(
        'INSERT INTO credits(block_id, account, kind, amount, payable) VALUES (?, ?, ?, ?, ?)',
      );
      for (const c of credits) ins.run(reward.blockId, c.account, c.kind, c.amount, c.payable ? 1 : 0);
      return true;
    })();
  }

  rewards(status?: RewardStatus): RewardRow[] {
    const stmt = this.db
      .prepare(
        `SELECT ${REWARD_COLUMNS} FROM block_rewards ${status ? 'WHERE status = ?' : ''} ORDER BY block_id ASC`,
      )
      .safeIntegers(true);
    const rows = (status ? stmt.all(status) : stmt.all()) as Big<RewardRow>[];
    return rows.map((r) => ({
      ...r,
      blockId: Number(r.blockId),
      rewardBlockNumber: Number(r.rewardBlockNumber),
      updatedAtMs: Number(r.updatedAtMs),
    }));
  }

  /** Moves an immature reward to matured or orphaned; false when it was not immature. */
  settleReward(
    blockId: number,
    status: Exclude<RewardStatus, 'immature'>,
    message: string | null,
    nowMs: number,
  ): boolean {
    const info = this.db
      .prepare(
        "UPDATE block_rewards SET status = ?, message = ?, updated_at_ms = ? WHERE block_id = ? AND status = 'immature'",
      )
      .run(status, message, nowMs, blockId);
    return info.changes > 0;
  }

  accountBalances(): AccountBalance[] {
    const rows = this.db
      .prepare(`${BALANCES_SQL} GROUP BY account ORDER BY account`)
      .safeIntegers(true)
      .all() as (Omit<AccountBalance, 'payable'> & { payable: bigint })[];
    return rows.map(toBalance);
  }

  accountBalance(account: string): AccountBalance | null {
    const r = this.db
      .prepare(`${BALANCES_SQL} WHERE account = ? GROUP BY account`)
      .safeIntegers(true)
      .get(account) as (Omit<AccountBalance, 'payable'> & { payable: bigint }) | undefined;
    return r ? toBalance(r) : null;
  }

  /** The newest `limit` outputs paying `address`, newest batch first. */
  accountPayouts(address: string, limit: number): AccountPayout[] {
    const rows = this.db
      .prepare(
        `SELECT b.tx_hash AS txHash, o.amount, b.status, b.updated_at_ms AS updatedAtMs
         FROM payout_outputs o JOIN payout_batches b ON b.id = o.batch_id
         WHERE o.address = ? ORDER BY b.id DESC LIMIT ?`,
      )
      .safeIntegers(true)
      .all(address, limit) as (Omit<AccountPayout, 'updatedAtMs'> & { updatedAtMs: bigint })[];
    return rows.map((r) => ({ ...r, updatedAtMs: Number(r.updatedAtMs) }));
  }

  private balanceOf(account: string): bigint {
    const r = this.db
      .prepare(`${BALANCES_SQL} WHERE account = ? GROUP BY account`)
      .safeIntegers(true)
      .get(account) as { balance: bigint } | undefined;
    return r?.balance ?? 0n;
  }

  /**
   * Writes a signed batch and its outputs in one transaction: this write is the debit. Refuses
   * (OverdraftError, nothing written) an output above its account's balance.
   */
  createPayoutBatch(batch: NewPayoutBatch, nowMs: number): number {
    return this.db.transaction(() => {
      for (const o of batch.outputs) {
        const balance = this.balanceOf(o.address);
        if (o.amount > balance) throw new OverdraftError(o.address, o.amount, balance);
      }
      const info = this.db
        .prepare(
          `INSERT INTO payout_batches(tx_hash, tx_json, fee, status, created_at_ms, updated_at_ms)
           VALUES (?, ?, ?, 'pending', ?, ?)`,
        )
        .run(batch.txHash, batch.txJson, batch.fee, nowMs, nowMs);
      const id = Number(info.lastInsertRowid);
      const ins = this.db.prepare('INSERT INTO payout_outputs(batch_id, address, amount) VALUES (?, ?, ?)');
      for (const o of batch.outputs) ins.run(id, o.address, o.amount);
      return id;
    })();
  }

  payoutBatches(status?: PayoutBatchStatus, limit = 100): PayoutBatchRow[] {
    const where = status ? 'WHERE status = ?' : '';
    const params: unknown[] = status ? [status, limit] : [limit];
    const rows = this.db
      .prepare(`SELECT ${BATCH_COLUMNS} FROM payout_batches ${where} ORDER BY id DESC LIMIT ?`)
      .safeIntegers(true)
      .all(...params) as Big<Omit<PayoutBatchRow, 'outputs'>>[];
    const outs = this.db
      .prepare('SELECT address, amount FROM payout_outputs WHERE batch_id = ? ORDER BY address')
      .safeIntegers(true);
    return rows.map((r) => ({
      ...r,
      id: Number(r.id),
      createdAtMs: Number(r.createdAtMs),
      updatedAtMs: Number(r.updatedAtMs),
      committedBlock: r.committedBlock === null ? null : Number(r.committedBlock),
      outputs: outs.all(r.id) as { address: string; amount: bigint }[],
    }));
  }

  /** Settles a pending batch; `failed` restores its debits. False when it was not pending. */
  settlePayoutBatch(
    id: number,
    status: Exclude<PayoutBatchStatus, 'pending'>,
    message: string | null,
    nowMs: number,
    committedBlock: number | null = null,
  ): boolean {
    const info = this.db
      .prepare(
        `UPDATE payout_batches SET status = ?, message = ?, updated_at_ms = ?, committed_block = ?
         WHERE id = ? AND status = 'pending'`,
      )
      .run(status, message, nowMs, status === 'committed' ? committedBlock : null, id);
    return info.changes > 0;
  }

  /** A committed batch whose block left the main chain: pending again. False when not committed. */
  reopenPayoutBatch(id: number, message: string, nowMs: number): boolean {
    const info = this.db
      .prepare(
        `UPDATE payout_batches SET status = 'pending', message = ?, updated_at_ms = ?, committed_block = NULL
         WHERE id = ? AND status = 'committed'`,
      )
      .run(message, nowMs, id);
    return info.changes > 0;
  }
}
