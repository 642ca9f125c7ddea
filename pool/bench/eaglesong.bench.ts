/**
 * Eaglesong PoW throughput on one core (same measurement as `ckb-pool bench eaglesong`).
 * Prints one JSON line. BENCH_SECONDS sets the measuring time (default 5).
 */
import { measureEaglesong } from '../src/ckb/eaglesong-bench.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
process.stdout.write(`${JSON.stringify(measureEaglesong({ seconds }))}\n`);
