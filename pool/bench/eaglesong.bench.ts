/**
 * Eaglesong PoW throughput on one core.
 * Prints one JSON line. BENCH_SECONDS sets the measuring time (default 5).
 */
import { measureEaglesong } from './eaglesong-measure.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
process.stdout.write(`${JSON.stringify(measureEaglesong({ seconds }))}\n`);
