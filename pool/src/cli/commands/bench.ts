import { parseArgs } from 'node:util';
import { EAGLESONG_GOAL_HPS, measureEaglesong } from '../../ckb/eaglesong-bench.js';
import { type Command, UsageError } from '../command.js';

const BENCHES = ['eaglesong'] as const;

const help = `Usage: ckb-pool bench <name> [options]

Measures performance on this machine and prints one JSON object on stdout.

Benchmarks:
  eaglesong        Eaglesong PoW on one core, in hashes per CPU second of the process:
                   "hashes_per_second" is the fastest PoW path this runtime has ("fast_path":
                   4 nonces per step in WebAssembly SIMD, else plain JS), next to the scalar JS
                   path, the CPU miner's nonce scan, and baselines measured in the same run:
                   the generic sponge ("hashes_per_second_generic", two permutations per
                   hash) and a plain RFC-style port ("hashes_per_second_reference"), with
                   ratios. Goal: ${EAGLESONG_GOAL_HPS} H/s ("meets_goal").

Options:
  --seconds S      Total measuring time in CPU seconds, after a short warm-up (default 5).
                   Variants run interleaved in 100 ms slices; each reports its median.
  -h, --help       Show this help.
`;

const command: Command = {
  summary: 'Measure performance (eaglesong: PoW hashes per second on one core).',
  help,
  async run(argv) {
    let parsed: ReturnType<typeof parse>;
    try {
      parsed = parse(argv);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const [name, ...extra] = parsed.positionals;
    if (!name) throw new UsageError(`name a benchmark: ${BENCHES.join(', ')}`);
    if (!(BENCHES as readonly string[]).includes(name)) {
      throw new UsageError(`unknown benchmark '${name}' (known: ${BENCHES.join(', ')})`);
    }
    if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}'`);
    const seconds = parsed.values.seconds === undefined ? 5 : Number(parsed.values.seconds);
    if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 3600) {
      throw new UsageError(
        `--seconds must be a number of seconds between 0 and 3600, got '${parsed.values.seconds}'`,
      );
    }
    const result = measureEaglesong({ seconds });
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return 0;
  },
};

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    options: { seconds: { type: 'string' } },
    allowPositionals: true,
    strict: true,
  });
}

export default command;
