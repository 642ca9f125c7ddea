/**
 * The pool under load, over real TCP and Noise. The pool (and a dev chain) run in this
 * process; the clients run in a child process (load-process.ts, started by load-driver.ts), so the
 * pool gets one core and the clients the other. Prints one JSON line:
 *
 * - `shares`: sustained accepted shares per second across BENCH_CONNECTIONS (default 1,000)
 *   encrypted channels, each keeping BENCH_WINDOW shares in flight, for BENCH_SECONDS
 *   (default 8), with p50/p99 from share sent to its SubmitShares.Success received (batch
 *   size 1: every share acknowledged on its own, the pool's most expensive setting). Every
 *   share is valid (channel difficulty 1) and validated in full (Eaglesong, duplicate check,
 *   ledger, vardiff). Baseline in the same run: an SV2 echo server on the same Noise stack
 *   that answers each share with a Success without looking at it → `sharesVsEcho`
 *   (echo-server.ts).
 *   `atSteadyRate`: share → Success p50/p99 at a steady BENCH_PACED_RATE (default 10,000/s,
 *   half the goal) — the latency a miner sees when the pool is not saturated.
 * - `handshakes`: Noise handshake + SetupConnection + channel opens per second while the
 *   clients connect.
 * - `broadcast`: a new tip (a notify push with a new parent) → NewCkbJob, per channel p50/p99
 *   from the push to the client holding the job, to BENCH_BROADCAST_CONNECTIONS (default 10,000)
 *   connections with one channel each (`perConnection`, beside its encrypt-only and bare-write
 *   floors) and to as many channels behind BENCH_PROXY_CONNECTIONS (default 100) connections
 *   (`behindProxies`) — pool-broadcast.ts.
 * - `memory`: heap and RSS per idle connection (set up, one channel open), after GC.
 * - `scale`: issue 17's figures — accepted shares per CPU-second of `ckb-pool serve` with
 *   instances 2 vs 1 beside two independent one-instance pools vs 1 (`shardedShareRatio`), and
 *   the 2-instance broadcast p99 (serve-scale.ts, BENCH_SCALE_CONNECTIONS) beside the same
 *   broadcast as bare writes from 2 processes (`broadcastFloorP99Ms`),
 *   CPU vs the bare-write floor from `perConnection`, and batched ledger writes per second on
 *   SQLite and PostgreSQL (ledger-throughput.ts; BENCH_LEDGER_SHARES, default 200,000).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { targetToCompact } from '../src/ckb/target.js';
import { startDevnet } from '../src/devnet/index.js';
import { parseConfig } from '../src/pool/config.js';
import { type RunningPool, startPool } from '../src/pool/server.js';
import {
  authorityPublicFromSecret,
  encodeAuthorityPubkey,
  generateAuthorityKeypair,
} from '../src/sv2/noise/keys.js';
import { acceptedShares, cpuSeconds, env, freePort, gcNow, round, startProfile } from './bench-util.js';
import { echoShares } from './echo-server.js';
import { ledgerThroughput } from './ledger-throughput.js';
import { assertMeasured, type LoadDriver, startLoad } from './load-driver.js';
import { measureBroadcasts } from './pool-broadcast.js';
import { type ScaleOptions, serveScale } from './serve-scale.js';

interface Sizes {
  shareConns: number;
  broadcastConns: number;
  seconds: number;
  window: number;
  pacedRate: number;
  proxies: number;
  repeats: number;
}

function benchSizes(): Sizes {
  const shareConns = env('BENCH_CONNECTIONS', 1000);
  return {
    shareConns,
    broadcastConns: Math.max(env('BENCH_BROADCAST_CONNECTIONS', 10_000), shareConns),
    seconds: env('BENCH_SECONDS', 8),
    window: env('BENCH_WINDOW', 4),
    pacedRate: env('BENCH_PACED_RATE', 10_000),
    proxies: env('BENCH_PROXY_CONNECTIONS', 100),
    // One broadcast's CPU on a shared machine swings by ±30%: each figure is the median of
    // BENCH_BROADCAST_REPEATS new tips (default 3), with every run's pool CPU listed.
    repeats: Math.max(1, env('BENCH_BROADCAST_REPEATS', 3)),
  };
}

async function main(): Promise<void> {
  const size = benchSizes();
  const { secret } = generateAuthorityKeypair();
  const { devnet, pool, notifyPort, ledgerDir } = await startBenchPool(secret);
  const authority = encodeAuthorityPubkey(authorityPublicFromSecret(secret));
  const load = startLoad();
  const result: Record<string, unknown> = { bench: 'pool', cores: 2 };

  const first = await connectFirst(pool, load, authority, size.shareConns);
  result.handshakes = first.handshakes;
  result.memory = first.memory;
  result.shares = await measureShares(pool, load, secret, authority, size);

  // Job broadcast to many connections.
  if (size.broadcastConns > first.connections)
    first.handshakes.broadcastPhase = await connectMore(pool, load, authority, first.connections, size);
  const { broadcast, memoryAtScale } = await measureBroadcasts({
    pool,
    load,
    authority,
    rpcUrl: devnet.rpcUrl,
    notifyPort,
    connections: size.broadcastConns,
    proxies: size.proxies,
    repeats: size.repeats,
    memoryBefore: first.memoryBefore,
  });
  first.memory.atBroadcastScale = memoryAtScale;
  result.broadcast = broadcast;

  load.send({ cmd: 'close' });
  await load.next('closed');
  await pool.close();
  await devnet.close();
  rmSync(ledgerDir, { recursive: true, force: true });
  result.scale = await scaleFigures(broadcast, {
    connections: env('BENCH_SCALE_CONNECTIONS', size.broadcastConns),
    shareConnections: size.shareConns,
    window: size.window,
    seconds: size.seconds,
    rounds: env('BENCH_SCALE_ROUNDS', 5),
    repeats: size.repeats,
  });
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}

async function startBenchPool(secret: Uint8Array) {
  // No blocks during the run: network difficulty 2^40, channel difficulty 1 (every nonce is a share).
  const devnet = await startDevnet({ rpcPort: 0, compactTarget: targetToCompact(1n << 216n) });
  const notifyPort = await freePort();
  const ledgerDir = mkdtempSync(join(tmpdir(), 'pool-bench-'));
  const config = parseConfig({
    chain: 'dev',
    node: { rpcUrl: devnet.rpcUrl, pollIntervalMs: 600_000, notifyListen: `127.0.0.1:${notifyPort}` },
    sv2: { listen: '127.0.0.1:0', authorityKeyFile: '/unused' },
    api: { listen: '127.0.0.1:0' },
    vardiff: { minDifficulty: 1, maxDifficulty: 1, initialDifficulty: 1 },
    shares: { batchMaxCount: 1, batchMaxDelayMs: 1000 },
    jobs: { minUpdateIntervalMs: 600_000 },
    ledger: {
      path: join(ledgerDir, 'ledger.sqlite'),
      flushIntervalMs: 1000,
    },
    limits: {
      maxConnections: 1_000_000,
      maxConnectionsPerIp: 1_000_000,
      handshakeTimeoutMs: 120_000,
      idleTimeoutMs: 3_600_000,
      // Every client is on 127.0.0.1: the per-IP message limit would close them all mid-run.
      maxMessagesPerSecondPerIp: 0,
    },
    log: { level: 'silent' },
  });
  const pool = await startPool(config, { logger: pino({ level: 'silent' }), authoritySecret: secret });
  await pool.waitForJob();
  return { devnet, pool, notifyPort, ledgerDir };
}

/** Memory per idle connection, and handshake rate, on the first batch. */
async function connectFirst(pool: RunningPool, load: LoadDriver, authority: string, count: number) {
  gcNow();
  const mem0 = process.memoryUsage();
  const profiler0 = process.env.BENCH_PROFILE ? await startProfile() : null;
  const cpuC = process.cpuUsage();
  load.send({ cmd: 'connect', address: pool.sv2Address, authority, count });
  const c1 = await load.next('connected');
  const cpuConnect = cpuSeconds(process.cpuUsage(cpuC));
  if (profiler0) await profiler0.stop(`${process.env.BENCH_PROFILE}.connect.cpuprofile`);
  await new Promise((r) => setTimeout(r, 300));
  gcNow();
  const mem1 = process.memoryUsage();
  const n1 = Number(c1.count);
  const handshakes: Record<string, unknown> = {
    connections: n1,
    failed: c1.failed,
    perSecond: Math.round(n1 / Number(c1.seconds)),
    // The client (one process doing initiator keygen + ECDH) limits the wall rate; this is
    // what the pool itself spends: connections set up per CPU-second of the pool process.
    perPoolCpuSecond: Math.round(n1 / cpuConnect),
    note: 'Noise handshake + SetupConnection + RequestExtensions + OpenStandardMiningChannel + first job, 64 in parallel',
  };
  const memory: Record<string, unknown> = {
    connections: n1,
    heapBytesPerConnection: Math.round((mem1.heapUsed - mem0.heapUsed) / n1),
    externalBytesPerConnection: Math.round(
      (mem1.external + mem1.arrayBuffers - mem0.external - mem0.arrayBuffers) / n1,
    ),
    rssBytesPerConnection: Math.round((mem1.rss - mem0.rss) / n1),
    goalBytes: 20 * 1024,
  };
  return { connections: n1, memoryBefore: mem0, handshakes, memory };
}

/** Sustained shares through the pool, then at a steady rate, then through the echo baseline. */
async function measureShares(
  pool: RunningPool,
  load: LoadDriver,
  secret: Uint8Array,
  authority: string,
  size: Sizes,
) {
  const { shareConns, window, seconds, pacedRate } = size;
  const { s, accepted, cpuPool, paced } = await sharesThroughPool(pool, load, size);
  const poolRate = accepted / Number(s.seconds);
  // …and through the echo baseline with the same client.
  const echo = await echoShares(secret, authority, { connections: shareConns, window, seconds });
  const e = echo.shares;
  const cpuEcho = echo.cpuSeconds;
  const echoRate = Number(e.acked) / Number(e.seconds);
  return {
    channels: shareConns,
    inFlightPerChannel: window,
    seconds: Number(s.seconds),
    acceptedPerSecond: Math.round(poolRate),
    ackedPerSecondClientSide: Math.round(Number(s.acked) / Number(s.seconds)),
    p50Ms: round(s.p50Ms),
    p99Ms: round(s.p99Ms),
    echoPerSecond: Math.round(echoRate),
    echoP99Ms: round(e.p99Ms),
    sharesVsEcho: round(poolRate / echoRate),
    // CPU time is far less sensitive than wall time to other load on a shared machine:
    // shares per CPU-second of the pool process = what one dedicated core would sustain.
    acceptedPerCpuSecond: Math.round(accepted / cpuPool),
    echoPerCpuSecond: Math.round(Number(e.acked) / cpuEcho),
    cpuVsEcho: round(accepted / cpuPool / (Number(e.acked) / cpuEcho)),
    goalPerSecond: 20_000,
    atSteadyRate: {
      sharesPerSecond: pacedRate,
      acked: Number(paced.acked),
      sent: Number(paced.sent),
      p50Ms: round(paced.p50Ms),
      p99Ms: round(paced.p99Ms),
    },
  };
}

async function sharesThroughPool(pool: RunningPool, load: LoadDriver, size: Sizes) {
  const { shareConns, window, seconds } = size;
  // Sustained shares through the pool…
  const accepted0 = await acceptedShares(pool.apiUrl);
  const profiler = process.env.BENCH_PROFILE ? await startProfile() : null;
  const cpu0 = process.cpuUsage();
  load.send({ cmd: 'shares', connections: shareConns, window, seconds });
  const s = await load.next('shares');
  const cpuPool = cpuSeconds(process.cpuUsage(cpu0));
  if (profiler) await profiler.stop(String(process.env.BENCH_PROFILE));
  const accepted1 = await acceptedShares(pool.apiUrl);
  assertMeasured(accepted1 - accepted0, Number(s.acked), 'shares');

  // Latency at a steady half of the goal rate (open loop: shares sent on a schedule).
  load.send({
    cmd: 'shares',
    connections: shareConns,
    window,
    seconds: Math.min(seconds, 5),
    rate: size.pacedRate,
  });
  const paced = await load.next('shares');
  return { s, accepted: accepted1 - accepted0, cpuPool, paced };
}

/** The rest of the broadcast's connections, after the first `from`. */
async function connectMore(
  pool: RunningPool,
  load: LoadDriver,
  authority: string,
  from: number,
  size: Sizes,
) {
  load.send({ cmd: 'connect', address: pool.sv2Address, authority, count: size.broadcastConns - from });
  const c2 = await load.next('connected');
  return {
    connections: Number(c2.count) - from,
    perSecond: Math.round((Number(c2.count) - from) / Number(c2.seconds)),
    failed: c2.failed,
  };
}

/**
 * Issue 17's scale line. The instance figures come from real `ckb-pool serve` process trees
 * with `instances: 1` and `2` (serve-scale.ts): accepted shares per CPU-second of the whole
 * tree, 2 ÷ 1, and the 2-instance broadcast to BENCH_SCALE_CONNECTIONS connections (default
 * BENCH_BROADCAST_CONNECTIONS; 0 skips the serve runs). CPU vs the bare-write floor is the
 * in-process pool's, measured against the floor above in the same run.
 */
async function scaleFigures(broadcast: { perConnection: Record<string, unknown> }, sizes: ScaleOptions) {
  const base = {
    broadcastCpuVsBareWrite: broadcast.perConnection.cpuVsBareWrite ?? null,
    ledgerSharesPerSecond: await ledgerThroughput(env('BENCH_LEDGER_SHARES', 200_000)),
  };
  if (sizes.connections <= 0) {
    return {
      instances: 1,
      perInstanceShareRatio: null,
      perInstanceNote: 'not measured: BENCH_SCALE_CONNECTIONS=0',
      broadcastP99Ms: broadcast.perConnection.p99Ms ?? null,
      ...base,
    };
  }
  const serve = await serveScale(sizes);
  if ('skipped' in serve) {
    return { instances: 1, perInstanceShareRatio: null, perInstanceNote: serve.skipped, ...base };
  }
  const { one, two } = serve;
  return {
    instances: 2,
    perInstanceShareRatio: serve.perInstanceShareRatio,
    roundRatios: serve.roundRatios,
    broadcastP99Ms: two.broadcast.p99Ms,
    broadcastCpuBoundMs: two.broadcast.cpuBoundMs,
    // The same broadcast as bare socket.writes from as many processes (bare-write-tree.ts).
    broadcastFloorP99Ms: serve.floor.p99Ms,
    // Two independent one-instance pools on half the load each: the ratio with no primary.
    shardedShareRatio: serve.sharded.shareRatio,
    broadcastConnections: two.connections,
    ...base,
    serve: { one, two, floor: serve.floor, sharded: serve.sharded },
    note: 'ckb-pool serve process trees side by side, measured in turns; CPU of each tree from /proc; the ratio is the median of the rounds',
  };
}

await main();
