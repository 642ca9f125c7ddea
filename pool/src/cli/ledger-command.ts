/**
 * What the commands that read pool.yaml and work on its ledger share (`ckb-pool accounts`,
 * `ckb-pool payouts`): `ACTION [ARGS] --config FILE` parsing, the config as a usage error, and
 * a ledger opened for one command and closed after it.
 */
import { parseArgs } from 'node:util';
import { openLedger } from '../ledger/open.js';
import type { LedgerStore } from '../ledger/store.js';
import { ConfigError, loadPoolConfig, type PoolConfig } from '../pool/config.js';
import { UsageError } from './command.js';

/** `argv` as the action, its arguments and the `--config` file; a usage error otherwise. */
export function parseLedgerCommand(argv: string[]): { action?: string; args: string[]; configFile?: string } {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { config: { type: 'string' } },
      allowPositionals: true,
      strict: true,
    });
    const [action, ...args] = positionals;
    return {
      ...(action === undefined ? {} : { action }),
      args,
      ...(values.config === undefined ? {} : { configFile: values.config }),
    };
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** pool.yaml from `--config`; a missing flag or an invalid file is a usage error naming it. */
export function loadConfigOption(file: string | undefined): PoolConfig {
  if (!file) throw new UsageError('--config FILE is required');
  try {
    return loadPoolConfig(file);
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(`${file}: ${err.message}`);
    throw err;
  }
}

/** Runs `fn` on the config's ledger (no background flushing) and closes it afterwards. */
export async function withLedger<T>(config: PoolConfig, fn: (l: LedgerStore) => Promise<T>): Promise<T> {
  const ledger = await openLedger(config.ledger, { flushIntervalMs: 0 });
  try {
    return await fn(ledger);
  } finally {
    await ledger.close();
  }
}
