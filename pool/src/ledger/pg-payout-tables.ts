import type pg from 'pg';
import { balancesSql, POSTGRES, payoutTablesSql } from './payout-schema.js';
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
 * The payout tables in PostgreSQL: the same tables as payout-tables.ts, amounts as NUMERIC
 * (read as strings, turned into bigint). Batch writes take an advisory lock, so two hosts
 * running payouts at once debit one after the other and the overdraft check sees both.
 */

/** Advisory lock key of payout batch writes ("payouts" in ASCII). */
const PAYOUT_LOCK = 0x7061796f757473n;

export const PG_PAYOUT_TABLES_SQL = payoutTablesSql(POSTGRES);

const BALANCES_SQL = balancesSql(POSTGRES);

const REWARD_COLUMNS = `block_id AS "blockId", shannons::text AS shannons, reward_block_number AS "rewardBlockNumber",
  reward_block_hash AS "rewardBlockHash", reward_epoch AS "rewardEpoch", status, message,
  updated_at_ms AS "updatedAtMs"`;
const BATCH_COLUMNS = `id, tx_hash AS "txHash", tx_json AS "txJson", fee::text AS fee, status, message,
  created_at_ms AS "createdAtMs", updated_at_ms AS "updatedAtMs", committed_block AS "committedBlock"`;

type Text<T, K extends keyof T> = Omit<T, K> & { [P in K]: string };

export async function pgRecordReward(
  c: pg.ClientBase,
  r: NewReward,
  credits: NewCredit[],
  nowMs: number,
): Promise<boolean> {
  const ins = await c.query(
    `INSERT INTO block_rewards(block_id, shannons, reward_block_number, reward_block_hash, reward_epoch, status,
       updated_at_ms) VALUES ($1, $2, $3, $4, $5, 'immature', $6) ON CONFLICT (block_id) DO NOTHING`,
    [r.blockId, r.shannons.toString(), r.rewardBlockNumber, r.rewardBlockHash, r.rewardEpoch, nowMs],
  );
  if (ins.rowCount === 0) return false;
  for (const cr of credits) {
    await c.query(
      'INSERT INTO credits(block_id, account, kind, amount, payable) VALUES ($1, $2, $3, $4, $5)',
      [r.blockId, cr.account, cr.kind, cr.amount.toString(), cr.payable],
    );
  }
  return true;
}

export async function pgRewards(c: pg.Pool, status?: RewardStatus): Promise<RewardRow[]> {
  const r = await c.query<Text<RewardRow, 'shannons'>>(
    `SELECT ${REWARD_COLUMNS} FROM block_rewards ${status ? 'WHERE status = $1' : ''} ORDER BY block_id ASC`,
    status ? [status] : [],
  );
  return r.rows.map((row) => ({ ...row, shannons: BigInt(row.shannons) }));
}

export async function pgSettleReward(
  c: pg.Pool,
  blockId: number,
  status: Exclude<RewardStatus, 'immature'>,
  message: string | null,
  nowMs: number,
): Promise<boolean> {
  const r = await c.query(
    "UPDATE block_rewards SET status = $1, message = $2, updated_at_ms = $3 WHERE block_id = $4 AND status = 'immature'",
    [status, message, nowMs, blockId],
  );
  return (r.rowCount ?? 0) > 0;
}

type BalanceText = Text<AccountBalance, 'balance' | 'immature' | 'paid'>;

function toBalance(r: BalanceText): AccountBalance {
  return {
    account: r.account,
    balance: BigInt(r.balance),
    immature: BigInt(r.immature),
    paid: BigInt(r.paid),
    payable: r.payable,
  };
}

export async function pgAccountBalances(c: pg.ClientBase | pg.Pool): Promise<AccountBalance[]> {
  const r = await c.query<BalanceText>(`${BALANCES_SQL} GROUP BY account ORDER BY account COLLATE "C"`);
  return r.rows.map(toBalance);
}

export async function pgAccountBalance(c: pg.Pool, account: string): Promise<AccountBalance | null> {
  const r = await c.query<BalanceText>(`${BALANCES_SQL} WHERE account = $1 GROUP BY account`, [account]);
  const row = r.rows[0];
  return row ? toBalance(row) : null;
}

export async function pgAccountPayouts(c: pg.Pool, address: string, limit: number): Promise<AccountPayout[]> {
  const r = await c.query<{ txHash: string; amount: string; status: PayoutBatchStatus; updatedAtMs: string }>(
    `SELECT b.tx_hash AS "txHash", o.amount::text AS amount, b.status, b.updated_at_ms AS "updatedAtMs"
     FROM payout_outputs o JOIN payout_batches b ON b.id = o.batch_id
     WHERE o.address = $1 ORDER BY b.id DESC LIMIT $2`,
    [address, limit],
  );
  return r.rows.map((row) => ({ ...row, amount: BigInt(row.amount), updatedAtMs: Number(row.updatedAtMs) }));
}

export async function pgCreatePayoutBatch(
  c: pg.ClientBase,
  batch: NewPayoutBatch,
  nowMs: number,
): Promise<number> {
  await c.query('SELECT pg_advisory_xact_lock($1)', [PAYOUT_LOCK.toString()]);
  for (const o of batch.outputs) {
    const r = await c.query<BalanceText>(`${BALANCES_SQL} WHERE account = $1 GROUP BY account`, [o.address]);
    const balance = r.rows[0] ? BigInt(r.rows[0].balance) : 0n;
    if (o.amount > balance) throw new OverdraftError(o.address, o.amount, balance);
  }
  const ins = await c.query<{ id: number }>(
    `INSERT INTO payout_batches(tx_hash, tx_json, fee, status, created_at_ms, updated_at_ms)
     VALUES ($1, $2, $3, 'pending', $4, $4) RETURNING id`,
    [batch.txHash, batch.txJson, batch.fee.toString(), nowMs],
  );
  const id = (ins.rows[0] as { id: number }).id;
  for (const o of batch.outputs) {
    await c.query('INSERT INTO payout_outputs(batch_id, address, amount) VALUES ($1, $2, $3)', [
      id,
      o.address,
      o.amount.toString(),
    ]);
  }
  return id;
}

export async function pgPayoutBatches(
  c: pg.Pool,
  status?: PayoutBatchStatus,
  limit = 100,
): Promise<PayoutBatchRow[]> {
  const r = await c.query<Text<Omit<PayoutBatchRow, 'outputs'>, 'fee'>>(
    `SELECT ${BATCH_COLUMNS} FROM payout_batches ${status ? 'WHERE status = $2' : ''} ORDER BY id DESC LIMIT $1`,
    status ? [limit, status] : [limit],
  );
  const out: PayoutBatchRow[] = [];
  for (const row of r.rows) {
    const o = await c.query<{ address: string; amount: string }>(
      'SELECT address, amount::text AS amount FROM payout_outputs WHERE batch_id = $1 ORDER BY address COLLATE "C"',
      [row.id],
    );
    out.push({
      ...row,
      fee: BigInt(row.fee),
      outputs: o.rows.map((x) => ({ address: x.address, amount: BigInt(x.amount) })),
    });
  }
  return out;
}

export async function pgSettlePayoutBatch(
  c: pg.Pool,
  id: number,
  status: Exclude<PayoutBatchStatus, 'pending'>,
  message: string | null,
  nowMs: number,
  committedBlock: number | null = null,
): Promise<boolean> {
  const r = await c.query(
    `UPDATE payout_batches SET status = $1, message = $2, updated_at_ms = $3, committed_block = $5
     WHERE id = $4 AND status = 'pending'`,
    [status, message, nowMs, id, status === 'committed' ? committedBlock : null],
  );
  return (r.rowCount ?? 0) > 0;
}

/** A committed batch whose block left the main chain: pending again. False when not committed. */
export async function pgReopenPayoutBatch(
  c: pg.Pool,
  id: number,
  message: string,
  nowMs: number,
): Promise<boolean> {
  const r = await c.query(
    `UPDATE payout_batches SET status = 'pending', message = $1, updated_at_ms = $2, committed_block = NULL
     WHERE id = $3 AND status = 'committed'`,
    [message, nowMs, id],
  );
  return (r.rowCount ?? 0) > 0;
}
