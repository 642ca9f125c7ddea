import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestPostgres } from '../../../test/support/postgres.js';
import { PgLedger } from '../../ledger/pg-ledger.js';
import command from './payouts.js';

/** `ckb-pool payouts run` next to serving pool hosts on one PostgreSQL ledger. */

const pgServer = await startTestPostgres();
afterAll(() => pgServer.server?.stop());
const skip = pgServer.skip;
if (skip) console.warn(`SKIP payouts run runner-lock tests: ${skip}`);

describe('ckb-pool payouts run on a shared PostgreSQL ledger', () => {
  it.skipIf(skip)('ckb-pool payouts run is refused while a pool host holds the lock', async () => {
    const url = await (pgServer.server as NonNullable<typeof pgServer.server>).newDatabase();
    const dir = mkdtempSync(join(tmpdir(), 'payout-runner-cli-'));
    const config = join(dir, 'pool.yaml');
    writeFileSync(
      config,
      `chain: dev\nnode:\n  rpcUrl: http://127.0.0.1:1\nsv2:\n  authorityKeyFile: authority.key\nledger:\n  url: ${url}\npayouts:\n  enabled: true\n  walletKeyFile: wallet.key\n  operatorAddress: ckt1q\n`,
    );
    const serving = await PgLedger.open(url, { flushIntervalMs: 0 });
    expect(await serving.holdPayoutRunner()).toBe(true);
    await expect(command.run(['run', '--config', config])).rejects.toThrow(/holds the payout runner lock/);
    await serving.close();
    // Free again: the command gets past the lock (and stops at the settings check instead).
    await expect(command.run(['run', '--config', config])).rejects.toThrow(
      /operatorAddress is not an address/,
    );
  });
});
