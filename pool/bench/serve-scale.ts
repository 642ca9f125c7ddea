/**
 * Issue 17's instance figures from real `ckb-pool serve` process trees: the same dev chain,
 * config and load with `instances: 1` (one process) and `instances: 2` (a primary and two
 * forked instances), CPU from /proc for each whole tree (serve-tree.ts).
 *
 * Both trees run side by side and are measured in turns: share windows in the order 1 2 2 1 1 2…,
 * new tips alternating. Measured one after the other, a change in what else the machine was
 * doing between the two runs moved the ratio by ±0.1 (0.76–0.96 in four runs of the same code);
 * paired windows see the same machine.
 *
 * - shares: accepted shares per pool CPU-second with 1 and with 2 instances;
 *   `perInstanceShareRatio` = the median over rounds of (2-instance rate ÷ 1-instance rate)
 *   (1.0 = adding an instance costs nothing beyond the shares it validates).
 * - broadcast: a new tip to every connection, p50/p99 from the push to the client holding its
 *   job's bytes (decrypted after, load-process.ts), and the pool tree's CPU for it (median of
 *   `repeats` tips).
 * - floor: the same count of plain sockets, held by a tree of as many forked writers as the
 *   2-instance tree has instances, each write a bare socket.write of the job's frame length
 *   (bare-write-tree.ts), timed with the same client and clock: the p99 no Node pool with
 *   that many processes gets under on this machine, beside the pool's own.
 * - sharded: two independent one-instance pools on half the load each against the one-instance
 *   tree, round by round: the per-instance ratio with no primary at all, on this machine.
 */
import { readdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';

import { encryptedFrameLength } from '../src/sv2/noise/transport.js';
import { type FloorRun, openBareWriteTree } from './bare-write-tree.js';
import { env, JOB_FRAME, median, round } from './bench-util.js';
import { type BroadcastRun, type ServeTree, type SharesWindow, startTree } from './serve-tree.js';

export { treeCpuSeconds } from './serve-tree.js';

export interface ScaleOptions {
  /** Connections opened to each tree (one channel each); every one gets the broadcast. */
  connections: number;
  /** Of those, how many submit shares (closed loop, `window` in flight each). */
  shareConnections: number;
  window: number;
  /** Length of one share window. */
  seconds: number;
  /** Shares per second offered in each window (open loop); 0 or absent: closed loop, saturating. */
  rate?: number;
  /** Share windows per tree, taken in turns with the other tree's, each on a new job. */
  rounds: number;
  /** New tips per tree, taken in turns. */
  repeats: number;
}

export interface ServeRun {
  instances: number;
  processes: number;
  connections: number;
  acceptedShares: number;
  poolCpuSeconds: number;
  /** Of poolCpuSeconds, the serve process itself (with instances: the primary). */
  primaryCpuSeconds: number;
  /** Over all of this tree's windows. */
  sharesPerCpuSecond: number;
  /** Each window's rate, in the order measured. */
  windowRates: number[];
  /** The tree's threads' context switches per 1,000 accepted shares (serve-tree.ts). */
  contextSwitchesPerThousandShares: number;
  broadcast: {
    p50Ms: number | null;
    p99Ms: number | null;
    poolCpuMs: number | null;
    clientCpuMs: number | null;
    cpuBoundMs: number | null;
    runs: number[];
  };
}

/** The bare-write tree's broadcasts (medians over `repeats`). */
export interface FloorSummary {
  processes: number;
  sockets: number;
  frameBytes: number;
  p50Ms: number | null;
  p99Ms: number | null;
  writersCpuMs: number | null;
  clientCpuMs: number | null;
  runs: number[];
}

/**
 * The ratio with no coordination at all: two independent one-instance pools (each its own dev
 * chain, ledger and load process, half the connections and half the share load), measured at
 * the same time, against the one-instance tree in the same rounds. What two processes cost on
 * this machine by themselves; perInstanceShareRatio below it is what the primary adds.
 */
export interface ShardedRun {
  shareRatio: number | null;
  roundRatios: number[];
  sharesPerCpuSecond: number;
}

export interface ScaleResult {
  one: ServeRun;
  two: ServeRun;
  floor: FloorSummary;
  sharded: ShardedRun;
  perInstanceShareRatio: number;
  /** Each round's 2 ÷ 1 (the median is perInstanceShareRatio). */
  roundRatios: number[];
}

/**
 * The `scale` figures for instances 1 and 2, or null with the reason when this machine cannot
 * run them (no /proc to read a process tree's CPU from).
 */
export async function serveScale(o: ScaleOptions): Promise<ScaleResult | { skipped: string }> {
  try {
    readdirSync('/proc/self');
  } catch {
    return { skipped: 'no /proc: the pool processes’ CPU cannot be read' };
  }
  const one = await startTree(1, o.connections);
  let two: ServeTree | null = null;
  try {
    two = await startTree(2, o.connections);
    const pair = [one, two] as const;
    const windows: SharesWindow[][] = [[], []];
    for (let r = 0; r < o.rounds; r++) {
      for (const i of turns(r)) {
        // Each window on a job of its own, as blocks come: a job's duplicate set (every nonce
        // accepted on it) grows all window long, and one job for every window made the later
        // windows pay for a set the size of all before them.
        await pair[i].broadcast(WINDOW_TIPS + r);
        windows[i]?.push(
          await pair[i].sharesWindow({
            connections: o.shareConnections,
            window: o.window,
            seconds: o.seconds,
            rate: o.rate ?? 0,
          }),
        );
      }
    }
    const tips: BroadcastRun[][] = [[], []];
    for (let r = 0; r < o.repeats; r++) {
      for (const i of turns(r)) tips[i]?.push(await pair[i].broadcast(r));
    }
    const floor = await measureFloor(two.instances, o.connections, o.repeats);
    const oneRun = summary(one, windows[0] ?? [], tips[0] ?? []);
    const twoRun = summary(two, windows[1] ?? [], tips[1] ?? []);
    await two.close();
    two = null;
    const sharded = await measureSharded(one, o);
    const roundRatios = windows[1]?.map((w, r) => rate(w) / rate(windows[0]?.[r] as SharesWindow)) ?? [];
    return {
      one: oneRun,
      two: twoRun,
      floor,
      sharded,
      perInstanceShareRatio: round(median(roundRatios) ?? Number.NaN) as number,
      roundRatios: roundRatios.map((x) => round(x) as number),
    };
  } finally {
    await two?.close();
    await one.close();
  }
}

const rate = (w: SharesWindow) => w.accepted / w.cpuSeconds;

async function measureSharded(one: ServeTree, o: ScaleOptions): Promise<ShardedRun> {
  const half = (n: number) => Math.max(1, Math.floor(n / 2));
  const shards: ServeTree[] = [];
  try {
    for (let k = 0; k < 2; k++) shards.push(await startTree(1, half(o.connections)));
    const window = (t: ServeTree, connections: number) =>
      t.sharesWindow({ connections, window: o.window, seconds: o.seconds, rate: (o.rate ?? 0) / 2 });
    const ratios: number[] = [];
    let accepted = 0;
    let cpu = 0;
    for (let r = 0; r < o.rounds; r++) {
      const tip = SHARDED_TIPS + r;
      let single: SharesWindow | null = null;
      let pair: SharesWindow[] = [];
      for (const i of turns(r)) {
        if (i === 0) {
          await one.broadcast(tip);
          single = await window(one, o.shareConnections);
        } else {
          for (const t of shards) await t.broadcast(tip);
          pair = await Promise.all(shards.map((t) => window(t, half(o.shareConnections))));
        }
      }
      const a = pair.reduce((x, w) => x + w.accepted, 0);
      const c = pair.reduce((x, w) => x + w.cpuSeconds, 0);
      accepted += a;
      cpu += c;
      ratios.push(a / c / rate(single as SharesWindow));
    }
    return {
      shareRatio: round(median(ratios) ?? Number.NaN),
      roundRatios: ratios.map((x) => round(x) as number),
      sharesPerCpuSecond: Math.round(accepted / cpu),
    };
  } finally {
    for (const t of shards) await t.close();
  }
}

/** Tip numbers of the sharded rounds' jobs (past the share windows' and the measured tips'). */
const SHARDED_TIPS = 48;

/** The job a tip sends, as the pool frames it: what each bare write writes as many bytes of. */
const JOB_FRAME_BYTES = encryptedFrameLength(JOB_FRAME.length);

async function measureFloor(processes: number, sockets: number, repeats: number): Promise<FloorSummary> {
  const tree = await openBareWriteTree(processes, sockets, JOB_FRAME_BYTES);
  const runs: FloorRun[] = [];
  try {
    for (let r = 0; r < repeats; r++) runs.push(await tree.write());
  } finally {
    await tree.close();
  }
  const mid = (f: (x: FloorRun) => number) => round(median(runs.map(f)) ?? Number.NaN);
  return {
    processes,
    sockets: tree.sockets,
    frameBytes: JOB_FRAME_BYTES,
    p50Ms: mid((x) => x.p50Ms),
    p99Ms: mid((x) => x.p99Ms),
    writersCpuMs: mid((x) => x.writersCpuMs),
    clientCpuMs: mid((x) => x.clientCpuMs),
    runs: runs.map((x) => round(x.p99Ms) as number),
  };
}

/** Tip numbers of the jobs the share windows run on (the measured tips are 0…repeats − 1). */
const WINDOW_TIPS = 16;

/** Which tree goes first in round `r`: 1 2, 2 1, 1 2, … (index 0 = one instance). */
function turns(r: number): readonly [0, 1] | readonly [1, 0] {
  return r % 2 === 0 ? [0, 1] : [1, 0];
}

function summary(t: ServeTree, windows: SharesWindow[], tips: BroadcastRun[]): ServeRun {
  const sum = (f: (w: SharesWindow) => number) => windows.reduce((s, w) => s + f(w), 0);
  const accepted = sum((w) => w.accepted);
  const cpu = sum((w) => w.cpuSeconds);
  return {
    instances: t.instances,
    processes: t.processes(),
    connections: t.connections,
    acceptedShares: accepted,
    poolCpuSeconds: round(cpu) as number,
    primaryCpuSeconds: round(sum((w) => w.rootCpuSeconds)) as number,
    sharesPerCpuSecond: Math.round(accepted / cpu),
    windowRates: windows.map((w) => Math.round(w.accepted / w.cpuSeconds)),
    contextSwitchesPerThousandShares: round((sum((w) => w.contextSwitches) / accepted) * 1000) as number,
    broadcast: {
      p50Ms: round(median(tips.map((x) => x.p50Ms)) ?? Number.NaN),
      p99Ms: round(median(tips.map((x) => x.p99Ms)) ?? Number.NaN),
      poolCpuMs: round(median(tips.map((x) => x.cpuMs)) ?? Number.NaN),
      clientCpuMs: round(median(tips.map((x) => x.clientCpuMs)) ?? Number.NaN),
      // Pool and client CPU for one tip over every core: a lower bound under p99 (pool.bench.ts).
      cpuBoundMs: round(median(tips.map((x) => (x.cpuMs + x.clientCpuMs) / cpus().length)) ?? Number.NaN),
      runs: tips.map((x) => round(x.p99Ms) as number),
    },
  };
}

// Alone: `node --import tsx bench/serve-scale.ts` prints both trees (BENCH_SCALE_* sizes;
// BENCH_SCALE_RATE=N offers N shares/s instead of saturating the pool).
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const result = await serveScale({
    connections: env('BENCH_SCALE_CONNECTIONS', 2000),
    shareConnections: env('BENCH_CONNECTIONS', 500),
    window: env('BENCH_WINDOW', 4),
    seconds: env('BENCH_SECONDS', 5),
    rate: env('BENCH_SCALE_RATE', 0),
    rounds: env('BENCH_SCALE_ROUNDS', 5),
    repeats: env('BENCH_BROADCAST_REPEATS', 3),
  });
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}
