/**
 * Child process for the payout runner test (payouts/runner.test.ts): a pool host on the
 * PostgreSQL ledger at argv[2] that takes the payout runner lock, says so on stdout, and then
 * waits to be killed.
 */
import { PgLedger } from '../../src/ledger/pg-ledger.js';

const ledger = await PgLedger.open(process.argv[2] as string, { flushIntervalMs: 0 });
process.stdout.write(`${JSON.stringify({ held: await ledger.holdPayoutRunner() })}\n`);
setInterval(() => {}, 60_000);
