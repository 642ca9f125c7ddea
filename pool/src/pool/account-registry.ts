import type { Logger } from 'pino';
import type { Chain } from '../ckb/chain.js';
import { openLedger } from '../ledger/open.js';
import type { LedgerStore } from '../ledger/store.js';
import { addressOf, parseAddress } from '../payouts/accounts.js';
import { workerNameProblem } from '../workers/names.js';
import type { AccountDirectory } from './account-policy.js';
import type { PoolConfig } from './config.js';

/**
 * The registry of `accounts.mode: registered`, as the pool reads it: the ledger's table held in
 * memory and re-read every REFRESH_MS. A cache rather than a read at each channel open, because
 * the answer is needed synchronously on paths that never wait for the database (a 0x4CCB
 * declaration, every share: a removed name stops being credited too), and because several pool
 * hosts on one PostgreSQL ledger then all pick up a registration made on any of them (or by
 * the CLI) within REFRESH_MS, well inside a miner's reconnect back-off.
 */

/** How often a running pool re-reads the registry. */
export const REFRESH_MS = 5_000;

export class AccountRegistry implements AccountDirectory {
  private byName = new Map<string, string>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly ledger: Pick<LedgerStore, 'registeredAccounts'>,
    private readonly log: Logger,
  ) {}

  addressOf(name: string): string | undefined {
    return this.byName.get(name);
  }

  get size(): number {
    return this.byName.size;
  }

  /** Reads the table again; on a database error the last copy stays (logged). */
  async refresh(): Promise<void> {
    try {
      const rows = await this.ledger.registeredAccounts();
      this.byName = new Map(rows.map((r) => [r.name, r.address]));
    } catch (err) {
      this.log.warn(
        { err: (err as Error).message },
        'reading registered accounts failed; keeping the last copy',
      );
    }
  }

  /** Reads the table now, then every `intervalMs`. */
  async start(intervalMs = REFRESH_MS): Promise<void> {
    await this.refresh();
    this.log.info({ accounts: this.byName.size }, 'registered accounts loaded');
    this.timer = setInterval(() => void this.refresh(), intervalMs);
    this.timer.unref();
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}

/**
 * A registration as the ledger stores it, or an error saying what is wrong: the name must be a
 * valid worker name without '.', since `name.<worker>` names are matched by their part before
 * the first '.'; the address must belong to the pool's chain and is stored in its canonical
 * full form, the key payouts credit.
 */
export function checkRegistration(
  name: string,
  address: string,
  chain: Chain,
): { name: string; address: string } {
  const problem = workerNameProblem(name);
  if (problem !== null) throw new Error(`name '${name}': ${problem}`);
  if (name.includes('.'))
    throw new Error(
      `name '${name}' contains '.': register the account part only; '${name.slice(0, name.indexOf('.'))}' covers every '${name.slice(0, name.indexOf('.'))}.<worker>'`,
    );
  if (parseAddress(name, chain))
    throw new Error(`name '${name}' is itself an address; register a short name that maps to one`);
  const lock = parseAddress(address, chain);
  if (!lock) throw new Error(`'${address}' is not a CKB address of the ${chain} chain`);
  return { name, address: addressOf(lock, chain) };
}

/**
 * The registry of an acceptor instance (`instances` > 1): instances hold no ledger, so each
 * reads the registry table itself through a connection of its own (the SQLite file in WAL
 * mode, or one PostgreSQL connection), loaded before the instance listens. Null unless
 * `accounts.mode` is `registered`; close() also closes that connection.
 */
export async function openInstanceRegistry(
  config: PoolConfig,
  log: Logger,
): Promise<{ registry: AccountRegistry; close(): Promise<void> } | null> {
  if (config.accounts.mode !== 'registered') return null;
  const { path, url, passwordFile } = config.ledger;
  const ledger = await openLedger({ path, url, passwordFile }, { flushIntervalMs: 0 });
  const registry = new AccountRegistry(ledger, log.child({ part: 'accounts' }));
  await registry.start();
  return {
    registry,
    async close() {
      registry.close();
      await ledger.close();
    },
  };
}
