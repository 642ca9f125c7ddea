import { accountOf } from '../payouts/accounts.js';
import type { AccountRefusal } from './channel.js';
import type { AccountsMode, Chain } from './config.js';

export type { AccountsMode } from './config.js';

/**
 * `accounts.mode` (docs/pool-config.md "Accounts"): which worker names the pool credits, and
 * under which name.
 *
 * - `address`: a name must start with an address of the pool's chain (`<address>[.<worker>]`),
 *   so every share is credited to an account that can be paid;
 * - `registered`: a name, or its part before the first '.', must be in the ledger's registry
 *   (`ckb-pool accounts register`); its shares are credited to `<address>[.<worker>]`, so the
 *   ledger, API, hashrate, PPLNS and payouts all see the address, as in `address` mode;
 * - `any`: every name is credited as it is; names that are not addresses are never paid
 *   (payouts skip them, visibly).
 */
export interface AccountPolicy {
  readonly mode: AccountsMode;
  /** The error code that refuses crediting shares to `name`, or null when it may be credited. */
  refusal(name: string): AccountRefusal | null;
  /**
   * The name a share of `name` is credited under (`name` itself except in `registered` mode),
   * or null when it may not be credited now (a registration removed since the check).
   */
  credited(name: string): string | null;
}

/** Registered names → canonical addresses: what the `registered` policy reads, synchronously. */
export interface AccountDirectory {
  addressOf(name: string): string | undefined;
}

export function accountPolicy(mode: AccountsMode, chain: Chain, directory?: AccountDirectory): AccountPolicy {
  if (mode === 'any') return { mode, refusal: () => null, credited: (name) => name };
  if (mode === 'registered') {
    if (!directory) throw new Error('accounts.mode registered needs the registry of the ledger');
    return registeredPolicy(directory);
  }
  return {
    mode,
    refusal: (name) => (accountOf(name, chain).kind === 'address' ? null : 'not-an-address'),
    credited: (name) => name,
  };
}

function registeredPolicy(directory: AccountDirectory): AccountPolicy {
  const credited = (name: string): string | null => {
    const dot = name.indexOf('.');
    const address = directory.addressOf(dot < 0 ? name : name.slice(0, dot));
    if (address === undefined) return null;
    return dot < 0 ? address : `${address}${name.slice(dot)}`;
  };
  return {
    mode: 'registered',
    refusal: (name) => (credited(name) === null ? 'unregistered-name' : null),
    credited,
  };
}

/** The policy of a pool.yaml (its `accounts.mode`, `address` when a test config leaves it out). */
export function policyOf(
  config: { chain: Chain; accounts?: { mode?: AccountsMode } },
  directory?: AccountDirectory,
): AccountPolicy {
  return accountPolicy(config.accounts?.mode ?? 'address', config.chain, directory);
}
