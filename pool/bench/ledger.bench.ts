/**
 * Ledger writer throughput, batched, on SQLite and PostgreSQL (goal ≥ 100,000 shares/s each, so
 * the ledger never bounds the pool). Prints one JSON line. BENCH_LEDGER_SHARES sets the count.
 */
import { ledgerThroughput } from './ledger-throughput.js';

const shares = Number(process.env.BENCH_LEDGER_SHARES ?? 200_000);
const result = await ledgerThroughput(shares);
process.stdout.write(
  `${JSON.stringify({ bench: 'ledger', ledgerSharesPerSecond: result, goal: 100_000 })}\n`,
);
