/**
 * The pool under load, over real TCP and Noise. The pool (and a dev chain) run in this
 * process; the clients run in a child process (this file with the argument `load`), so the
 * pool gets one core and the clients the other. Prints one JSON line:
 *
 * - `shares`: sustained accepted shares per second across BENCH_CONNECTIONS (default 1,000)
 *   encrypted channels, each keeping BENCH_WINDOW shares in flight, for BENCH_SECONDS
 *   (default 8), with p50/p99 from share sent to its SubmitShares.Success received (batch
 *   size 1: every share acknowledged on its own, the pool's most expensive setting). Every
 *   share is valid (channel difficulty 1) and validated in full (Eaglesong, duplicate check,
 *   ledger, vardiff). Baseline in the same run: an SV2 echo server on the same Noise stack
 *   that answers each share with a Success without looking at it → `sharesVsEcho`.
 *   `atSteadyRate`: share → Success p50/p99 at a steady BENCH_PACED_RATE (default 10,000/s,
 *   half the goal) — the latency a miner sees when the pool is not saturated.
 * - `handshakes`: Noise handshake + SetupConnection + channel opens per second while the
 *   clients connect.
 * - `broadcast`: a new tip (a notify push with a new parent) → NewCkbJob, per channel p50/p99
 *   from the push to the client holding the job, and the pool's own metric (push → last
 *   channel written), twice: `perConnection` — BENCH_BROADCAST_CONNECTIONS (default 10,000)
 *   connections with one channel each, so one encrypted write per channel (baseline: encoding +
 *   encrypting the same number of frames in a tight loop, and `bareWrite`: one socket.write of a
 *   frame-sized buffer to as many plain TCP sockets held open beside them, right before each
 *   tip — the floor of any per-connection send, bare-write.ts); `behindProxies` — the same number of
 *   channels opened on BENCH_PROXY_CONNECTIONS (default 100) connections, as translators and
 *   farm proxies do, so one group-channel NewCkbJob per connection.
 * - `memory`: heap and RSS per idle connection (set up, one channel open), after GC.
 * - `scale`: issue 17's figures — accepted shares per CPU-second of `ckb-pool serve` with
 *   instances 2 vs 1 and the 2-instance broadcast p99 (serve-scale.ts, BENCH_SCALE_CONNECTIONS)
 *   beside the same broadcast as bare writes from 2 processes (`broadcastFloorP99Ms`),
 *   CPU vs the bare-write floor from `perConnection`, and batched ledger writes per second on
 *   SQLite and PostgreSQL (ledger-throughput.ts; BENCH_LEDGER_SHARES, default 200,000).
 */
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import pino from 'pino';
import { CkbRpcClient } from '../src/ckb/rpc.js';
import { targetToCompact } from '../src/ckb/target.js';
import { startDevnet } from '../src/devnet/index.js';
import { parseConfig } from '../src/pool/config.js';
import { startPool } from '../src/pool/server.js';
import type { Sv2Connection } from '../src/sv2/connection.js';
import { acceptSv2 } from '../src/sv2/handshake-io.js';
import { EXTENSION_CKB, encodeMessage } from '../src/sv2/messages/index.js';
import { defaultAead } from '../src/sv2/noise/aead.js';
import { EphemeralKeyPool, ServerIdentity } from '../src/sv2/noise/identity.js';
import { encodeAuthorityPubkey, generateAuthorityKeypair } from '../src/sv2/noise/keys.js';
import { CipherState } from '../src/sv2/noise/symmetric.js';
import { encryptedFrameLength, encryptFrame } from '../src/sv2/noise/transport.js';
import { type BareWriteRun, openBareWriteFloor } from './bare-write.js';
import { ledgerThroughput } from './ledger-throughput.js';
import { assertMeasured, type LoadDriver, startLoad } from './load-driver.js';
import { type ScaleOptions, serveScale } from './serve-scale.js';

const env = (k: string, d: number) => Number(process.env[k] ?? d);

function gcNow(): void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  gc();
}

/** The echo baseline: same Noise stack, every SubmitSharesCkb answered at once, unchecked. */
async function startEcho(secret: Uint8Array): Promise<{ address: string; close(): Promise<void> }> {
  const identity = new ServerIdentity({ authoritySecret: secret, validitySeconds: 3600 });
  const ephemeralPool = new EphemeralKeyPool({ size: 64 });
  ephemeralPool.start();
  const conns = new Set<Sv2Connection>();
  let job = 1;
  const server: Server = createServer({ noDelay: true }, (socket) => {
    socket.on('error', () => {});
    acceptSv2(socket, { identity, ephemeralPool, handshakeTimeoutMs: 120_000 }).then(
      (conn) => {
        conns.add(conn);
        conn.on('close', () => conns.delete(conn));
        conn.on('message', (m) => {
          if (m.type === 'SetupConnection')
            conn.send({ type: 'SetupConnectionSuccess', usedVersion: 2, flags: 0 });
          else if (m.type === 'RequestExtensions')
            conn.send({
              type: 'RequestExtensionsSuccess',
              requestId: m.requestId,
              supportedExtensions: [EXTENSION_CKB],
            });
          else if (m.type === 'OpenStandardMiningChannel') {
            conn.send({
              type: 'OpenStandardMiningChannelSuccess',
              requestId: m.requestId,
              channelId: 2,
              target: new Uint8Array(32).fill(0xff),
              extranoncePrefix: Uint8Array.of(0, 0, 0, 1),
              groupChannelId: 1,
            });
            conn.send({
              type: 'NewCkbJob',
              channelId: 2,
              jobId: job++,
              cleanJobs: true,
              height: 1n,
              powHash: new Uint8Array(32),
              parentHash: new Uint8Array(32),
              compactTarget: 0x20010000,
            });
          } else if (m.type === 'SubmitSharesCkb') {
            conn.send({
              type: 'SubmitSharesSuccess',
              channelId: m.channelId,
              lastSequenceNumber: m.sequenceNumber,
              newSubmitsAcceptedCount: 1,
              newSharesSum: 1n,
            });
          }
        });
      },
      () => {},
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    address: `127.0.0.1:${(server.address() as { port: number }).port}`,
    close: async () => {
      ephemeralPool.stop();
      for (const c of conns) c.close('local-close', 'done');
      await new Promise((r) => server.close(r));
    },
  };
}

async function main(): Promise<void> {
  const shareConns = env('BENCH_CONNECTIONS', 1000);
  const broadcastConns = Math.max(env('BENCH_BROADCAST_CONNECTIONS', 10_000), shareConns);
  const seconds = env('BENCH_SECONDS', 8);
  const window = env('BENCH_WINDOW', 4);
  const { secret } = generateAuthorityKeypair();

  // No blocks during the run: network difficulty 2^40, channel difficulty 1 (every nonce is a share).
  const devnet = await startDevnet({ rpcPort: 0, compactTarget: targetToCompact(1n << 216n) });
  const notifyProbe = createServer();
  await new Promise<void>((r) => notifyProbe.listen(0, '127.0.0.1', r));
  const notifyPort = (notifyProbe.address() as { port: number }).port;
  await new Promise((r) => notifyProbe.close(r));
  const config = parseConfig({
    chain: 'dev',
    node: { rpcUrl: devnet.rpcUrl, pollIntervalMs: 600_000, notifyListen: `127.0.0.1:${notifyPort}` },
    sv2: { listen: '127.0.0.1:0', authorityKeyFile: '/unused' },
    api: { listen: '127.0.0.1:0' },
    vardiff: { minDifficulty: 1, maxDifficulty: 1, initialDifficulty: 1 },
    shares: { batchMaxCount: 1, batchMaxDelayMs: 1000 },
    jobs: { minUpdateIntervalMs: 600_000 },
    ledger: {
      path: join(mkdtempSync(join(tmpdir(), 'pool-bench-')), 'ledger.sqlite'),
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
  const authority = encodeAuthorityPubkey(
    (await import('../src/sv2/noise/keys.js')).authorityPublicFromSecret(secret),
  );
  const load = startLoad();
  const result: Record<string, unknown> = { bench: 'pool', cores: 2 };

  // Memory per idle connection, and handshake rate, on the first batch.
  gcNow();
  const mem0 = process.memoryUsage();
  const profiler0 = process.env.BENCH_PROFILE ? await startProfile() : null;
  const cpuC = process.cpuUsage();
  load.send({ cmd: 'connect', address: pool.sv2Address, authority, count: shareConns });
  const c1 = await load.next('connected');
  const cpuConnect = cpuSeconds(process.cpuUsage(cpuC));
  if (profiler0) await profiler0.stop(`${process.env.BENCH_PROFILE}.connect.cpuprofile`);
  await new Promise((r) => setTimeout(r, 300));
  gcNow();
  const mem1 = process.memoryUsage();
  const n1 = Number(c1.count);
  result.handshakes = {
    connections: n1,
    failed: c1.failed,
    perSecond: Math.round(n1 / Number(c1.seconds)),
    // The client (one process doing initiator keygen + ECDH) limits the wall rate; this is
    // what the pool itself spends: connections set up per CPU-second of the pool process.
    perPoolCpuSecond: Math.round(n1 / cpuConnect),
    note: 'Noise handshake + SetupConnection + RequestExtensions + OpenStandardMiningChannel + first job, 64 in parallel',
  };
  result.memory = {
    connections: n1,
    heapBytesPerConnection: Math.round((mem1.heapUsed - mem0.heapUsed) / n1),
    externalBytesPerConnection: Math.round(
      (mem1.external + mem1.arrayBuffers - mem0.external - mem0.arrayBuffers) / n1,
    ),
    rssBytesPerConnection: Math.round((mem1.rss - mem0.rss) / n1),
    goalBytes: 20 * 1024,
  };

  // Sustained shares through the pool…
  const accepted0 = await acceptedShares(pool.apiUrl);
  const profiler = process.env.BENCH_PROFILE ? await startProfile() : null;
  const cpu0 = process.cpuUsage();
  load.send({ cmd: 'shares', connections: shareConns, window, seconds });
  const s = await load.next('shares');
  const cpuPool = cpuSeconds(process.cpuUsage(cpu0));
  if (profiler) await profiler.stop(String(process.env.BENCH_PROFILE));
  const accepted1 = await acceptedShares(pool.apiUrl);
  const poolRate = (accepted1 - accepted0) / Number(s.seconds);
  assertMeasured(accepted1 - accepted0, Number(s.acked), 'shares');

  // Latency at a steady half of the goal rate (open loop: shares sent on a schedule).
  const pacedRate = env('BENCH_PACED_RATE', 10_000);
  load.send({
    cmd: 'shares',
    connections: shareConns,
    window,
    seconds: Math.min(seconds, 5),
    rate: pacedRate,
  });
  const paced = await load.next('shares');

  // …and through the echo baseline with the same client.
  const echo = await startEcho(secret);
  const loadEcho = startLoad();
  loadEcho.send({ cmd: 'connect', address: echo.address, authority, count: shareConns });
  await loadEcho.next('connected');
  const cpu1 = process.cpuUsage();
  loadEcho.send({ cmd: 'shares', connections: shareConns, window, seconds });
  const e = await loadEcho.next('shares');
  const cpuEcho = cpuSeconds(process.cpuUsage(cpu1));
  loadEcho.send({ cmd: 'close' });
  await loadEcho.next('closed');
  await echo.close();
  const echoRate = Number(e.acked) / Number(e.seconds);
  result.shares = {
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
    acceptedPerCpuSecond: Math.round((accepted1 - accepted0) / cpuPool),
    echoPerCpuSecond: Math.round(Number(e.acked) / cpuEcho),
    cpuVsEcho: round((accepted1 - accepted0) / cpuPool / (Number(e.acked) / cpuEcho)),
    goalPerSecond: 20_000,
    atSteadyRate: {
      sharesPerSecond: pacedRate,
      acked: Number(paced.acked),
      sent: Number(paced.sent),
      p50Ms: round(paced.p50Ms),
      p99Ms: round(paced.p99Ms),
    },
  };

  // Job broadcast to many connections.
  if (broadcastConns > n1) {
    load.send({ cmd: 'connect', address: pool.sv2Address, authority, count: broadcastConns - n1 });
    const c2 = await load.next('connected');
    (result.handshakes as Record<string, unknown>).broadcastPhase = {
      connections: Number(c2.count) - n1,
      perSecond: Math.round((Number(c2.count) - n1) / Number(c2.seconds)),
      failed: c2.failed,
    };
  }
  // A new tip (a notify push with a new parent) → NewCkbJob to every connection's group channel.
  let tipSeq = 0;
  // One broadcast's CPU on a shared machine swings by ±30%: each figure is the median of
  // BENCH_BROADCAST_REPEATS new tips (default 3), with every run's pool CPU listed.
  const repeats = Math.max(1, env('BENCH_BROADCAST_REPEATS', 3));
  // `before`: run ahead of each tip (the bare-write floor, so each tip has its own floor).
  const measureBroadcast = async (l: LoadDriver, before?: () => Promise<void>) => {
    const runs: Array<Awaited<ReturnType<typeof broadcastOnce>>> = [];
    for (let r = 0; r < repeats; r++) {
      await before?.();
      runs.push(await broadcastOnce(l));
    }
    const mid = (f: (x: (typeof runs)[number]) => number | null) =>
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
  };
  const broadcastOnce = async (l: LoadDriver) => {
    const hist0 = await broadcastHistogram(pool.apiUrl);
    l.send({ cmd: 'watchJob' });
    await l.next('watching');
    const template = (await new CkbRpcClient(devnet.rpcUrl).getBlockTemplate()) as unknown as Record<
      string,
      unknown
    >;
    tipSeq += 1;
    template.parent_hash = `0x${tipSeq.toString(16).padStart(2, '0').repeat(32)}`;
    const cpu2 = process.cpuUsage();
    const pushedAt = performance.timeOrigin + performance.now();
    await fetch(`http://127.0.0.1:${notifyPort}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(template),
    });
    const jobs = await l.next('jobs');
    assertMeasured(Number(jobs.seen), Number(jobs.need), 'broadcast');
    const cpuBroadcast = cpuSeconds(process.cpuUsage(cpu2));
    const hist1 = await broadcastHistogram(pool.apiUrl);
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
  const frame = encodeMessage({
    type: 'NewCkbJob',
    channelId: 1,
    jobId: 9,
    cleanJobs: true,
    height: 5n,
    powHash: new Uint8Array(32),
    parentHash: new Uint8Array(32),
    compactTarget: 0x1d00ffff,
  });
  // The floor, open beside the pool's connections: each tip follows its own bare write. Both
  // ends of both sets live in two processes, so the floor takes at most 8,000 sockets (with
  // 10,000 connections that keeps each process under a 20,000 descriptor limit); its figures
  // are per socket.
  const floor = await openBareWriteFloor(
    load,
    Math.min(broadcastConns, 8_000),
    encryptedFrameLength(frame.length),
  );
  const floorRuns: BareWriteRun[] = [];
  const profiler2 = process.env.BENCH_PROFILE ? await startProfile() : null;
  const perConnection = await measureBroadcast(load, async () => {
    floorRuns.push(await floor.write());
  });
  if (profiler2) await profiler2.stop(`${process.env.BENCH_PROFILE}.broadcast.cpuprofile`);
  await floor.close();
  // Baseline: encode + encrypt one NewCkbJob per connection in a tight loop.
  const cs = new CipherState(new Uint8Array(32).fill(7), defaultAead());
  const t0 = performance.now();
  const cpu3 = process.cpuUsage();
  for (let i = 0; i < perConnection.connections; i++) encryptFrame(cs, frame);
  const baselineMs = performance.now() - t0;
  const baselineCpu = cpuSeconds(process.cpuUsage(cpu3));
  gcNow();
  const mem2 = process.memoryUsage();
  (result.memory as Record<string, unknown>).atBroadcastScale = {
    connections: perConnection.connections,
    heapBytesPerConnection: Math.round((mem2.heapUsed - mem0.heapUsed) / perConnection.connections),
    rssBytesPerConnection: Math.round((mem2.rss - mem0.rss) / perConnection.connections),
  };
  load.send({ cmd: 'close', exit: false });
  await load.next('closed');
  // Pool CPU per connection ÷ floor CPU per socket, tip by tip against the floor just before it.
  const vsFloor = (floorCpu: (f: BareWriteRun) => number) =>
    round(
      median(
        perConnection.poolCpuMsRuns.flatMap((cpu, i) => {
          const f = floorRuns[i];
          return cpu === null || !f ? [] : [cpu / perConnection.connections / (floorCpu(f) / floor.sockets)];
        }),
      ) ?? Number.NaN,
    );

  // The same number of channels behind proxies (translators, farm proxies): each connection
  // holds many channels in one group channel, so a new tip is one message per connection.
  const proxies = env('BENCH_PROXY_CONNECTIONS', 100);
  const perProxy = Math.ceil(broadcastConns / proxies);
  await until(async () => (await openConnections(pool.apiUrl)) === 0, 30_000);
  load.send({ cmd: 'connect', address: pool.sv2Address, authority, count: proxies, channels: perProxy });
  await load.next('connected');
  const behindProxies = await measureBroadcast(load);

  result.broadcast = {
    perConnection: {
      ...perConnection,
      baselineEncryptOnlyMs: round(baselineMs),
      baselineCpuMs: round(baselineCpu * 1000),
      cpuVsBaseline: round(
        perConnection.poolCpuMs === null ? NaN : perConnection.poolCpuMs / (baselineCpu * 1000),
      ),
      bareWrite: {
        sockets: floor.sockets,
        ms: round(median(floorRuns.map((x) => x.ms)) ?? Number.NaN),
        cpuMs: round(median(floorRuns.map((x) => x.cpuMs)) ?? Number.NaN),
        withCompletionsCpuMs: round(median(floorRuns.map((x) => x.withCompletionsCpuMs)) ?? Number.NaN),
        cpuMsRuns: floorRuns.map((x) => round(x.cpuMs)),
      },
      // Medians of the tips' own ratios, per connection vs per socket.
      cpuVsBareWrite: vsFloor((f) => f.cpuMs),
      cpuVsBareWriteWithCompletions: vsFloor((f) => f.withCompletionsCpuMs),
      note: 'one channel per connection: one encrypted write per channel',
    },
    behindProxies: {
      ...behindProxies,
      channelsPerConnection: perProxy,
      note: 'channels grouped on proxy connections: one group-channel NewCkbJob per connection',
    },
    goalP99Ms: 100,
  };

  load.send({ cmd: 'close' });
  await load.next('closed');
  await pool.close();
  await devnet.close();
  result.scale = await scaleFigures(result.broadcast as { perConnection: Record<string, unknown> }, {
    connections: env('BENCH_SCALE_CONNECTIONS', broadcastConns),
    shareConnections: shareConns,
    window,
    seconds,
    rounds: env('BENCH_SCALE_ROUNDS', 5),
    repeats,
  });
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
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
    broadcastConnections: two.connections,
    ...base,
    serve: { one, two, floor: serve.floor },
    note: 'ckb-pool serve process trees side by side, measured in turns; CPU of each tree from /proc; the ratio is the median of the rounds',
  };
}

/**
 * BENCH_PROFILE=file.cpuprofile: V8 CPU profiles of the pool process during the share phase
 * (that file), the first connections (file.connect.cpuprofile) and the broadcast
 * (file.broadcast.cpuprofile).
 */
async function startProfile(): Promise<{ stop(file: string): Promise<void> }> {
  const { Session } = await import('node:inspector/promises');
  const { writeFileSync } = await import('node:fs');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return {
    async stop(file: string) {
      const { profile } = await session.post('Profiler.stop');
      writeFileSync(file, JSON.stringify(profile));
      session.disconnect();
    },
  };
}

function cpuSeconds(u: NodeJS.CpuUsage): number {
  return (u.user + u.system) / 1e6;
}

function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] as number;
}

function round(x: unknown): number | null {
  return typeof x === 'number' && Number.isFinite(x) ? Math.round(x * 100) / 100 : null;
}

async function acceptedShares(apiUrl: string): Promise<number> {
  const text = await (await fetch(`${apiUrl}/metrics`)).text();
  return Number(/^ckb_pool_shares_total\{outcome="accepted"\} (\S+)$/m.exec(text)?.[1] ?? 0);
}

async function openConnections(apiUrl: string): Promise<number> {
  const text = await (await fetch(`${apiUrl}/metrics`)).text();
  return Number(/^ckb_pool_connections (\S+)$/m.exec(text)?.[1] ?? -1);
}

async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out waiting for the pool');
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function broadcastHistogram(apiUrl: string): Promise<{ sum: number; count: number }> {
  const text = await (await fetch(`${apiUrl}/metrics`)).text();
  return {
    sum: Number(/^ckb_pool_job_broadcast_seconds_sum (\S+)$/m.exec(text)?.[1] ?? 0),
    count: Number(/^ckb_pool_job_broadcast_seconds_count (\S+)$/m.exec(text)?.[1] ?? 0),
  };
}

await main();
