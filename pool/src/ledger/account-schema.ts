/**
 * Schema version 4, for both backends: the registry of `accounts.mode: registered` (a worker
 * name, or the prefix before its first '.', mapped to a CKB address of the pool's chain), and
 * the block a payout batch was committed in, so a committed batch is re-checked against reorgs
 * until it is `payouts.recheckDepth` deep (payouts/payer.ts). Kept apart from the older steps so
 * a change here reaches both ledgers at once.
 */

/** The registry table; `idType` is the backend's type of a millisecond time. */
export function accountTablesSql(idType: string): string {
  return `
CREATE TABLE IF NOT EXISTS registered_accounts (
  name TEXT PRIMARY KEY,
  address TEXT NOT NULL,
  created_at_ms ${idType} NOT NULL
);
`;
}

/** A registered name and the address its shares are credited to. */
export interface RegisteredAccount {
  name: string;
  address: string;
  createdAtMs: number;
}
