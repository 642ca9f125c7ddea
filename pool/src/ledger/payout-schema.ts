/**
 * The payout tables' one definition, written out for each backend. SQLite and PostgreSQL
 * differ only in column types (shannons are INTEGER in SQLite, NUMERIC(39,0) in PostgreSQL, so
 * no amount ever passes through a double) and in how a flag is summed; the tables, keys and
 * checks are the same, so a change here reaches both ledgers at once.
 */
export interface SqlDialect {
  /** A row id referenced by other tables. */
  id: string;
  /** The auto-numbered primary key of payout_batches. */
  serialKey: string;
  amount: string;
  flag: string;
  /** The constant `true` in a flag column. */
  flagTrue: string;
  /** The aggregate that is true when any flag is. */
  anyFlag: string;
  /** Appended to an aggregated amount (PostgreSQL returns it as text, read as bigint). */
  amountOut: string;
}

export const SQLITE: SqlDialect = {
  id: 'INTEGER',
  serialKey: 'INTEGER PRIMARY KEY',
  amount: 'INTEGER',
  flag: 'INTEGER',
  flagTrue: '1',
  anyFlag: 'MAX',
  amountOut: '',
};

export const POSTGRES: SqlDialect = {
  id: 'BIGINT',
  serialKey: 'BIGSERIAL PRIMARY KEY',
  amount: 'NUMERIC(39,0)',
  flag: 'BOOLEAN',
  flagTrue: 'TRUE',
  anyFlag: 'BOOL_OR',
  amountOut: '::text',
};

/** Schema version 3: block rewards, credits, payout batches and their outputs. */
export function payoutTablesSql(d: SqlDialect): string {
  return `
CREATE TABLE IF NOT EXISTS block_rewards (
  block_id ${d.id} PRIMARY KEY REFERENCES blocks(id),
  shannons ${d.amount} NOT NULL,
  reward_block_number ${d.id} NOT NULL,
  reward_block_hash TEXT NOT NULL,
  reward_epoch TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('immature','matured','orphaned')),
  message TEXT,
  updated_at_ms ${d.id} NOT NULL
);
CREATE TABLE IF NOT EXISTS credits (
  block_id ${d.id} NOT NULL REFERENCES block_rewards(block_id),
  account TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('miner','fee')),
  amount ${d.amount} NOT NULL CHECK (amount >= 0),
  payable ${d.flag} NOT NULL,
  PRIMARY KEY (block_id, account, kind)
);
CREATE INDEX IF NOT EXISTS credits_account ON credits(account);
CREATE TABLE IF NOT EXISTS payout_batches (
  id ${d.serialKey},
  tx_hash TEXT NOT NULL UNIQUE,
  tx_json TEXT NOT NULL,
  fee ${d.amount} NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending','committed','failed')),
  message TEXT,
  created_at_ms ${d.id} NOT NULL,
  updated_at_ms ${d.id} NOT NULL
);
CREATE TABLE IF NOT EXISTS payout_outputs (
  batch_id ${d.id} NOT NULL REFERENCES payout_batches(id),
  address TEXT NOT NULL,
  amount ${d.amount} NOT NULL CHECK (amount > 0),
  PRIMARY KEY (batch_id, address)
);
`;
}

/** Per account: matured credits − non-failed outputs, immature credits, committed outputs. */
export function balancesSql(d: SqlDialect): string {
  const out = d.amountOut;
  return `
SELECT account, SUM(balance)${out} AS balance, SUM(immature)${out} AS immature, SUM(paid)${out} AS paid,
  ${d.anyFlag}(payable) AS payable FROM (
  SELECT c.account, CASE WHEN r.status = 'matured' THEN c.amount ELSE 0 END AS balance,
    CASE WHEN r.status = 'immature' THEN c.amount ELSE 0 END AS immature, 0 AS paid, c.payable
  FROM credits c JOIN block_rewards r ON r.block_id = c.block_id
  UNION ALL
  SELECT o.address, -o.amount, 0, CASE WHEN b.status = 'committed' THEN o.amount ELSE 0 END, ${d.flagTrue}
  FROM payout_outputs o JOIN payout_batches b ON b.id = o.batch_id WHERE b.status != 'failed'
) AS t`;
}
