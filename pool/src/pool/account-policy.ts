import { accountOf } from '../payouts/accounts.js';
import { ErrorCodes } from '../sv2/messages/index.js';
import type { AccountsMode, Chain } from './config.js';

export type { AccountsMode } from './config.js';

/**
 * `accounts.mode` (docs/pool-config.md "Accounts"): which worker names the pool credits.
 *
 * - `address`: a name must start with an address of the pool's chain (`<address>[.<worker>]`),
 *   so every share is credited to an account that can be paid;
 * - `any`: every name is credited as it is; names that are not addresses are never paid
 *   (payouts skip them, visibly).
 */
export interface AccountPolicy {
  readonly mode: AccountsMode;
  /** The error code that refuses crediting shares to `name`, or null when it may be credited. */
  refusal(name: string): typeof ErrorCodes.notAnAddress | null;
}

export function accountPolicy(mode: AccountsMode, chain: Chain): AccountPolicy {
  if (mode === 'any') return { mode, refusal: () => null };
  return {
    mode,
    refusal: (name) => (accountOf(name, chain).kind === 'address' ? null : ErrorCodes.notAnAddress),
  };
}

/** The policy of a pool.yaml (its `accounts.mode`, `address` when a test config leaves it out). */
export function policyOf(config: { chain: Chain; accounts?: { mode?: AccountsMode } }): AccountPolicy {
  return accountPolicy(config.accounts?.mode ?? 'address', config.chain);
}
