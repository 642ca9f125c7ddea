import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { isChain } from '../../ckb/pow.js';
import { formatHashrate, summaryLine } from '../../miner/format.js';
import { startMiner } from '../../miner/miner.js';
import { type Command, UsageError } from '../command.js';

const help = `Usage: ckb-pool mine --url URL [--user NAME.WORKER] [--threads N] [--duration S]

A CPU miner for CKB (Eaglesong) with worker threads. It is a real miner: shares that meet the
network target are blocks. Mainnet hashrates are far beyond a CPU; it is meant for dev chains,
testing a pool end to end, and checking a pool or translator from the command line.

Options:
  --url URL           stratum2+tcp://HOST:PORT/AUTHORITY_PUBKEY (SV2, standard channel; the
                      key is checked against the pool's certificate) or stratum+tcp://HOST:PORT
                      (CKB Stratum V1, e.g. through \`ckb-pool translate\`). Required.
  --user NAME         User and worker, e.g. ckb1…address.rig1 (default cpu.<hostname-less pid>).
  --threads N         Hashing threads (default: CPUs available − 1, at least 1).
  --duration S        Stop after S seconds and print the summary (default: run until Ctrl-C).
  --chain CHAIN       PoW function: mainnet (default; also dev chains) or testnet (Eaglesong + ckbhash).
  --interval S        Seconds between progress lines (default 5).
  --log-level LEVEL   Log level of the JSON logs on stderr (default warn).
  -h, --help          Show this help.

Prints a progress line (hashrate, accepted/rejected shares) every --interval seconds on stderr
and a final JSON summary on stdout. Exit code 0; 1 when the pool refuses the worker name (a
pool in accounts.mode address wants --user <address>[.<worker>]), with the reason on stderr.
`;

const command: Command = {
  help,
  async run(argv) {
    let values: Record<string, string | undefined>;
    try {
      ({ values } = parseArgs({
        args: argv,
        options: {
          url: { type: 'string' },
          user: { type: 'string' },
          threads: { type: 'string' },
          duration: { type: 'string' },
          chain: { type: 'string' },
          interval: { type: 'string' },
          'log-level': { type: 'string' },
        },
        allowPositionals: false,
        strict: true,
      }) as { values: Record<string, string | undefined> });
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    if (!values.url) throw new UsageError('--url is required');
    if (!/^stratum2?\+tcp:\/\//.test(values.url))
      throw new UsageError('--url must start with stratum2+tcp:// or stratum+tcp://');
    const num = (name: string, def: number, min: number, max: number, int = true): number => {
      const raw = values[name];
      if (raw === undefined) return def;
      const n = Number(raw);
      if (!Number.isFinite(n) || n < min || n > max || (int && !Number.isInteger(n)))
        throw new UsageError(`--${name} must be ${int ? 'an integer' : 'a number'} ${min}..${max}`);
      return n;
    };
    const threads = num('threads', Math.max(1, availableParallelism() - 1), 1, 256);
    const duration = num('duration', 0, 0, 1e9, false);
    const interval = num('interval', 5, 0.2, 3600, false);
    const chain = values.chain ?? 'mainnet';
    if (!isChain(chain)) throw new UsageError('--chain must be mainnet, testnet or dev');
    const user = values.user ?? `cpu.${process.pid}`;
    const log = pino(
      { level: values['log-level'] ?? 'warn', base: { svc: 'ckb-pool-mine' } },
      pino.destination(2),
    );
    let miner: Awaited<ReturnType<typeof startMiner>>;
    try {
      miner = await startMiner({ url: values.url, user, threads, chain, log });
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    process.stderr.write(`ckb-pool mine: ${threads} thread(s) on ${values.url} as ${user}\n`);
    let lastHashes = 0;
    let lastAt = Date.now();
    const progress = setInterval(() => {
      const s = miner.stats();
      const now = Date.now();
      const rate = ((s.hashes - lastHashes) * 1000) / Math.max(1, now - lastAt);
      lastHashes = s.hashes;
      lastAt = now;
      process.stderr.write(`${summaryLine(s, rate)}\n`);
    }, interval * 1000);
    const refusal = await new Promise<string | null>((resolve) => {
      const timer = duration > 0 ? setTimeout(() => resolve(null), duration * 1000) : null;
      const stop = (reason: string | null) => {
        if (timer) clearTimeout(timer);
        resolve(reason);
      };
      process.once('SIGINT', () => stop(null));
      process.once('SIGTERM', () => stop(null));
      void miner.refused.then(stop);
    });
    clearInterval(progress);
    const s = miner.stats();
    await miner.close();
    process.stdout.write(`${JSON.stringify({ ...s, hashrateText: formatHashrate(s.hashrate) })}\n`);
    if (refusal === null) return 0;
    process.stderr.write(`ckb-pool mine: ${refusal}\n`);
    return 1;
  },
};
export default command;
