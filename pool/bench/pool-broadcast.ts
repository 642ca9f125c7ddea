/**
 * The `broadcast` figures of pool.bench.ts: a new tip (a notify push with a new parent) →
 * NewCkbJob, per channel p50/p99 from the push to the client holding the job, and the pool's own
 * metric (push → last channel written), twice:
 *
 * - `perConnection` — BENCH_BROADCAST_CONNECTIONS (default 10,000) connections with one channel
 *   each, so one encrypted write per channel (baseline: encoding + encrypting the same number of
 *   frames in a tight loop, and `bareWrite`: one socket.write of a frame-sized buffer to as many
 *   plain TCP sockets held open beside them, right before each tip — the floor of any
 *   per-connection send, bare-write.ts);
 * - `behindProxies` — the same number of channels opened on BENCH_PROXY_CONNECTIONS (default 100)
 *   connections, as translators and farm proxies do, so one group-channel NewCkbJob per connection.
 */
import { cpus } from 'node:os';
import { CkbRpcClient } from '../src/ckb/rpc.js';

import { defaultAead } from '../src/sv2/noise/aead.js';
import { CipherState } from '../src/sv2/noise/symmetric.js';
import { encryptedFrameLength, encryptFrame } from '../src/sv2/noise/transport.js';
import { type BareWriteRun, openBareWriteFloor } from './bare-write.js';
import {
  broadcastHistogram,
  cpuSeconds,
  gcNow,
  JOB_FRAME,
  median,
  openConnections,
  round,
  startProfile,
  until,
} from './bench-util.js';
import { assertMeasured, type LoadDriver } from './load-driver.js';

export interface BroadcastBench {
  pool: { apiUrl: string; sv2Address: string };
  /** The load process, holding `connections` connections (one channel each) to the pool. */
  load: LoadDriver;
  authority: string;
  /** The dev chain's RPC (for the template a tip is made of) and the pool's notify port. */
  rpcUrl: string;
  notifyPort: number;
  connections: number;
  /** Connections the same number of channels is opened on for `behindProxies`. */
  proxies: number;
  repeats: number;
  /** Memory before the first connection, for the per-connection memory at broadcast scale. */
  memoryBefore: NodeJS.MemoryUsage;
}

type BroadcastRun = Awaited<ReturnType<ReturnType<typeof tipper>>>;

/**
 * Both broadcasts, with the connections the load process holds closed after `perConnection` and
 * the proxies' left open. `memoryAtScale`: per connection, with every connection open.
 */
export async function measureBroadcasts(b: BroadcastBench) {
  const tip = tipper(b);
  // The floor, open beside the pool's connections: each tip follows its own bare write. Both
  // ends of both sets live in two processes, so the floor takes at most 8,000 sockets (with
  // 10,000 connections that keeps each process under a 20,000 descriptor limit); its figures
  // are per socket.
  const floor = await openBareWriteFloor(
    b.load,
    Math.min(b.connections, 8_000),
    encryptedFrameLength(JOB_FRAME.length),
  );
  const floorRuns: BareWriteRun[] = [];
  const profiler2 = process.env.BENCH_PROFILE ? await startProfile() : null;
  const perConnection = await measureBroadcast(tip, b.repeats, async () => {
    floorRuns.push(await floor.write());
  });
  if (profiler2) await profiler2.stop(`${process.env.BENCH_PROFILE}.broadcast.cpuprofile`);
  await floor.close();
  const baseline = encryptOnly(JOB_FRAME, perConnection.connections);
  const memoryAtScale = memoryPerConnection(b.memoryBefore, perConnection.connections);
  b.load.send({ cmd: 'close', exit: false });
  await b.load.next('closed');
  const proxied = await measureBehindProxies(b, tip);
  const broadcast = {
    perConnection: againstFloors(perConnection, baseline, floor.sockets, floorRuns),
    behindProxies: {
      ...proxied.figures,
      channelsPerConnection: proxied.perProxy,
      note: 'channels grouped on proxy connections: one group-channel NewCkbJob per connection',
    },
    goalP99Ms: 100,
  };
  return { broadcast, memoryAtScale };
}

/** `perConnection` beside its encrypt-only baseline and the bare writes before its tips. */
function againstFloors(
  perConnection: Awaited<ReturnType<typeof measureBroadcast>>,
  baseline: { ms: number; cpuSeconds: number },
  sockets: number,
  floorRuns: BareWriteRun[],
) {
  // Pool CPU per connection ÷ floor CPU per socket, tip by tip against the floor just before it.
  const vsFloor = (floorCpu: (f: BareWriteRun) => number) =>
    round(
      median(
        perConnection.poolCpuMsRuns.flatMap((cpu, i) => {
          const f = floorRuns[i];
          return cpu === null || !f ? [] : [cpu / perConnection.connections / (floorCpu(f) / sockets)];
        }),
      ) ?? Number.NaN,
    );
  return {
    ...perConnection,
    baselineEncryptOnlyMs: round(baseline.ms),
    baselineCpuMs: round(baseline.cpuSeconds * 1000),
    cpuVsBaseline: round(
      perConnection.poolCpuMs === null ? NaN : perConnection.poolCpuMs / (baseline.cpuSeconds * 1000),
    ),
    bareWrite: {
      sockets,
      ms: round(median(floorRuns.map((x) => x.ms)) ?? Number.NaN),
      cpuMs: round(median(floorRuns.map((x) => x.cpuMs)) ?? Number.NaN),
      withCompletionsCpuMs: round(median(floorRuns.map((x) => x.withCompletionsCpuMs)) ?? Number.NaN),
      cpuMsRuns: floorRuns.map((x) => round(x.cpuMs)),
    },
    // Medians of the tips' own ratios, per connection vs per socket.
    cpuVsBareWrite: vsFloor((f) => f.cpuMs),
    cpuVsBareWriteWithCompletions: vsFloor((f) => f.withCompletionsCpuMs),
    note: 'one channel per connection: one encrypted write per channel',
  };
}

/**
 * Each figure the median of `repeats` new tips, with every run's pool CPU listed (pool.bench.ts
 * says why). `before`: run ahead of each tip (the bare-write floor, so each tip has its own floor).
 */
async function measureBroadcast(
  tip: () => Promise<BroadcastRun>,
  repeats: number,
  before?: () => Promise<void>,
) {
  const runs: BroadcastRun[] = [];
  for (let r = 0; r < repeats; r++) {
    await before?.();
    runs.push(await tip());
  }
  const mid = (f: (x: BroadcastRun) => number | null) =>
    median(runs.map(f).filter((x): x is number => x !== null));
  return {
    connections: Math.min(...runs.map((x) => x.connections)),
    channels: Math.min(...runs.map((x) => x.channels)),
    p50Ms: mid((x) => x.p50Ms),
    p99Ms: mid((x) => x.p99Ms),
    lastMs: mid((x) => x.lastMs),
    poolPushToLastWriteMs: mid((x) => x.poolPushToLastWriteMs),
    poolCpuMs: mid((x) => x.poolCpuMs),
    clientCpuMs: mid((x) => x.clientCpuMs),
    // What CPU alone allows: pool and client work for one tip spread over every core, with no
    // waiting, no scheduling and no other process (a lower bound under p99, not a goal).
    cpuBoundMs: mid((x) =>
      x.poolCpuMs === null || x.clientCpuMs === null ? null : (x.poolCpuMs + x.clientCpuMs) / cpus().length,
    ),
    repeats,
    poolCpuMsRuns: runs.map((x) => x.poolCpuMs),
  };
}

/** New tips, each with a parent of its own: a new tip → NewCkbJob to every connection's group channel. */
function tipper(b: BroadcastBench) {
  let tipSeq = 0;
  return async () => {
    const hist0 = await broadcastHistogram(b.pool.apiUrl);
    b.load.send({ cmd: 'watchJob' });
    await b.load.next('watching');
    const template = (await new CkbRpcClient(b.rpcUrl).getBlockTemplate()) as unknown as Record<
      string,
      unknown
    >;
    tipSeq += 1;
    template.parent_hash = `0x${tipSeq.toString(16).padStart(2, '0').repeat(32)}`;
    const cpu2 = process.cpuUsage();
    const pushedAt = performance.timeOrigin + performance.now();
    await fetch(`http://127.0.0.1:${b.notifyPort}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(template),
    });
    const jobs = await b.load.next('jobs');
    assertMeasured(Number(jobs.seen), Number(jobs.need), 'broadcast');
    const cpuBroadcast = cpuSeconds(process.cpuUsage(cpu2));
    const hist1 = await broadcastHistogram(b.pool.apiUrl);
    return {
      connections: Number(jobs.seen),
      channels: Number(jobs.channels),
      // Per channel, from the push reaching the pool to the job's bytes reaching the client
      // (decrypted and checked after every connection has had its bytes: load-process.ts).
      p50Ms: round(Number(jobs.p50AtMs) - pushedAt),
      p99Ms: round(Number(jobs.p99AtMs) - pushedAt),
      lastMs: round(Number(jobs.lastAtMs) - pushedAt),
      poolPushToLastWriteMs: hist1.count > hist0.count ? round((hist1.sum - hist0.sum) * 1000) : null,
      poolCpuMs: round(cpuBroadcast * 1000),
      clientCpuMs: round(Number(jobs.clientCpuMs)),
    };
  };
}

/** Baseline: encode + encrypt one NewCkbJob per connection in a tight loop. */
function encryptOnly(frame: Uint8Array, connections: number): { ms: number; cpuSeconds: number } {
  const cs = new CipherState(new Uint8Array(32).fill(7), defaultAead());
  const t0 = performance.now();
  const cpu3 = process.cpuUsage();
  for (let i = 0; i < connections; i++) encryptFrame(cs, frame);
  const ms = performance.now() - t0;
  return { ms, cpuSeconds: cpuSeconds(process.cpuUsage(cpu3)) };
}

function memoryPerConnection(before: NodeJS.MemoryUsage, connections: number) {
  gcNow();
  const mem2 = process.memoryUsage();
  return {
    connections,
    heapBytesPerConnection: Math.round((mem2.heapUsed - before.heapUsed) / connections),
    rssBytesPerConnection: Math.round((mem2.rss - before.rss) / connections),
  };
}

/**
 * The same number of channels behind proxies (translators, farm proxies): each connection holds
 * many channels in one group channel, so a new tip is one message per connection.
 */
async function measureBehindProxies(b: BroadcastBench, tip: () => Promise<BroadcastRun>) {
  const perProxy = Math.ceil(b.connections / b.proxies);
  await until(async () => (await openConnections(b.pool.apiUrl)) === 0, 30_000);
  b.load.send({
    cmd: 'connect',
    address: b.pool.sv2Address,
    authority: b.authority,
    count: b.proxies,
    channels: perProxy,
  });
  await b.load.next('connected');
  return { figures: await measureBroadcast(tip, b.repeats), perProxy };
}
