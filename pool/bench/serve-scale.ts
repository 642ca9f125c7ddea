/**
 * Issue 17's instance figures from real `ckb-pool serve` process trees: the same dev chain,
 * config and load with `instances: 1` (one process) and `instances: 2` (a primary and two
 * forked instances). The pool's CPU is read from /proc for the serve process and every process
 * below it, so the primary's routing and ledger work counts against the instances it serves.
 *
 * - shares: accepted shares per pool CPU-second with 1 and with 2 instances;
 *   `perInstanceShareRatio` = the 2-instance rate ÷ the 1-instance rate (1.0 = adding an
 *   instance costs nothing beyond the shares it validates).
 * - broadcast: a new tip to every connection, p50/p99 from the push to the client holding its
 *   job, and the pool tree's CPU for it (median of `repeats` tips).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CkbRpcClient } from '../src/ckb/rpc.js';
import { targetToCompact } from '../src/ckb/target.js';
import { startDevnet } from '../src/devnet/index.js';
import { encodeAuthoritySecret, generateAuthorityKeypair } from '../src/sv2/noise/keys.js';
import { assertMeasured, type LoadDriver, startLoad } from './load-driver.js';

const MAIN = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));

export interface ScaleOptions {
  /** Connections opened (one channel each); every one gets the broadcast. */
  connections: number;
  /** Of those, how many submit shares (closed loop, `window` in flight each). */
  shareConnections: number;
  window: number;
  seconds: number;
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
  sharesPerCpuSecond: number;
  broadcast: { p50Ms: number | null; p99Ms: number | null; poolCpuMs: number | null; runs: number[] };
}

/** User + system CPU seconds of `root` and all its descendants, from /proc. */
export function treeCpuSeconds(
  root: number,
  ticksPerSecond = clockTicks(),
): { seconds: number; rootSeconds: number; pids: number } {
  const stats = new Map<number, { ppid: number; ticks: number }>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let text: string;
    try {
      text = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue; // exited while we looked
    }
    // Fields after the parenthesised command name (which may hold spaces): state ppid … utime stime.
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    stats.set(Number(name), { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) });
  }
  const inTree = new Set<number>([root]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, s] of stats) {
      if (!inTree.has(pid) && inTree.has(s.ppid)) {
        inTree.add(pid);
        grew = true;
      }
    }
  }
  let ticks = 0;
  for (const pid of inTree) ticks += stats.get(pid)?.ticks ?? 0;
  return {
    seconds: ticks / ticksPerSecond,
    rootSeconds: (stats.get(root)?.ticks ?? 0) / ticksPerSecond,
    pids: [...inTree].filter((p) => stats.has(p)).length,
  };
}

let ticksCache = 0;
function clockTicks(): number {
  if (!ticksCache) {
    try {
      ticksCache = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksCache = 100;
    }
  }
  return ticksCache;
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as { port: number }).port;
  await new Promise((r) => probe.close(r));
  return port;
}

function writeConfig(dir: string, instances: number, rpcUrl: string, notifyPort: number): string {
  writeFileSync(join(dir, 'authority.key'), `${encodeAuthoritySecret(generateAuthorityKeypair().secret)}\n`, {
    mode: 0o600,
  });
  const file = join(dir, 'pool.yaml');
  writeFileSync(
    file,
    [
      'chain: dev',
      `instances: ${instances}`,
      'node:',
      `  rpcUrl: ${rpcUrl}`,
      '  pollIntervalMs: 600000',
      `  notifyListen: 127.0.0.1:${notifyPort}`,
      'sv2:',
      '  listen: 127.0.0.1:0',
      '  authorityKeyFile: authority.key',
      'api:',
      '  listen: 127.0.0.1:0',
      // Every nonce is a share (difficulty 1) and none is a block (see the devnet's target).
      'vardiff: { minDifficulty: 1, maxDifficulty: 1, initialDifficulty: 1 }',
      'shares: { batchMaxCount: 1, batchMaxDelayMs: 1000 }',
      'jobs: { minUpdateIntervalMs: 600000 }',
      'ledger: { path: ledger.sqlite, flushIntervalMs: 1000 }',
      // Every client is on 127.0.0.1: the per-IP message limit would close them all mid-run.
      'limits: { maxConnections: 1000000, maxConnectionsPerIp: 1000000, handshakeTimeoutMs: 120000, idleTimeoutMs: 3600000, maxMessagesPerSecondPerIp: 0 }',
      `log: { level: ${process.env.BENCH_SERVE_LOG ?? 'error'} }`,
    ].join('\n'),
  );
  return file;
}

interface Serve {
  child: ChildProcess;
  address: string;
  authority: string;
  apiUrl: string;
  exited: Promise<number | null>;
}

async function startServe(config: string): Promise<Serve> {
  // BENCH_SERVE_PROFILE=DIR: a V8 CPU profile of the serve process and of each instance (forked
  // instances inherit the flags).
  const profile = process.env.BENCH_SERVE_PROFILE;
  const flags = profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : [];
  const child = spawn(process.execPath, [...flags, '--import', 'tsx', MAIN, 'serve', '--config', config], {
    // BENCH_SERVE_LOG=info shows the pool's log (why a run went wrong).
    stdio: ['ignore', process.env.BENCH_SERVE_LOG ? 'inherit' : 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const end = Date.now() + 120_000;
  while (!/miners connect to/.test(err)) {
    if (child.exitCode !== null || Date.now() > end) throw new Error(`ckb-pool serve did not start:\n${err}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const url = /miners connect to stratum2\+tcp:\/\/([^/]+)\/(\S+)/.exec(err);
  return {
    child,
    address: url?.[1] as string,
    authority: url?.[2] as string,
    apiUrl: /API on (\S+)/.exec(err)?.[1] as string,
    exited,
  };
}

async function acceptedShares(apiUrl: string): Promise<number> {
  const text = await (await fetch(`${apiUrl}/metrics`)).text();
  return Number(/^ckb_pool_shares_total\{outcome="accepted"\} (\S+)$/m.exec(text)?.[1] ?? 0);
}

/** One `ckb-pool serve` with `instances` under the load: shares, then `repeats` broadcasts. */
async function measureServe(instances: number, o: ScaleOptions): Promise<ServeRun> {
  const devnet = await startDevnet({ rpcPort: 0, compactTarget: targetToCompact(1n << 216n) });
  const notifyPort = await freePort();
  const dir = mkdtempSync(join(tmpdir(), `bench-serve-${instances}-`));
  const serve = await startServe(writeConfig(dir, instances, devnet.rpcUrl, notifyPort));
  const load = startLoad();
  try {
    const root = serve.child.pid as number;
    load.send({ cmd: 'connect', address: serve.address, authority: serve.authority, count: o.connections });
    const c = await load.next('connected');
    const connections = Number(c.count);

    const accepted0 = await acceptedShares(serve.apiUrl);
    const cpu0 = treeCpuSeconds(root);
    load.send({ cmd: 'shares', connections: o.shareConnections, window: o.window, seconds: o.seconds });
    const acked = await load.next('shares');
    const cpu1 = treeCpuSeconds(root);
    const accepted = (await acceptedShares(serve.apiUrl)) - accepted0;
    assertMeasured(accepted, Number(acked.acked), 'shares');
    const poolCpuSeconds = cpu1.seconds - cpu0.seconds;

    const runs: Array<{ p50Ms: number; p99Ms: number; cpuMs: number }> = [];
    const template = (await new CkbRpcClient(devnet.rpcUrl).getBlockTemplate()) as unknown as Record<
      string,
      unknown
    >;
    for (let r = 0; r < o.repeats; r++) runs.push(await broadcastOnce(load, root, notifyPort, template, r));
    load.send({ cmd: 'close' });
    await load.next('closed');
    return {
      instances,
      processes: cpu1.pids,
      connections,
      acceptedShares: accepted,
      poolCpuSeconds: round(poolCpuSeconds) as number,
      primaryCpuSeconds: round(cpu1.rootSeconds - cpu0.rootSeconds) as number,
      sharesPerCpuSecond: Math.round(accepted / poolCpuSeconds),
      broadcast: {
        p50Ms: median(runs.map((x) => x.p50Ms)),
        p99Ms: median(runs.map((x) => x.p99Ms)),
        poolCpuMs: median(runs.map((x) => x.cpuMs)),
        runs: runs.map((x) => x.p99Ms),
      },
    };
  } finally {
    load.child.kill('SIGKILL');
    serve.child.kill('SIGTERM');
    const stopped = await Promise.race([
      serve.exited,
      new Promise((r) => setTimeout(() => r('late'), 20_000)),
    ]);
    if (stopped === 'late') serve.child.kill('SIGKILL');
    await devnet.close();
  }
}

/** A new tip (a notify push with a new parent) → the job at every connection. */
async function broadcastOnce(
  load: LoadDriver,
  root: number,
  notifyPort: number,
  template: Record<string, unknown>,
  seq: number,
): Promise<{ p50Ms: number; p99Ms: number; cpuMs: number }> {
  await new Promise((r) => setTimeout(r, 300));
  load.send({ cmd: 'watchJob' });
  await load.next('watching');
  const pushed = { ...template, parent_hash: `0x${(0xa0 + seq).toString(16).repeat(32)}` };
  const cpu0 = treeCpuSeconds(root);
  const pushedAt = performance.timeOrigin + performance.now();
  await fetch(`http://127.0.0.1:${notifyPort}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(pushed),
  });
  const jobs = await load.next('jobs');
  assertMeasured(Number(jobs.seen), Number(jobs.need), 'broadcast');
  const cpu1 = treeCpuSeconds(root);
  return {
    p50Ms: round(Number(jobs.p50AtMs) - pushedAt) as number,
    p99Ms: round(Number(jobs.p99AtMs) - pushedAt) as number,
    cpuMs: round((cpu1.seconds - cpu0.seconds) * 1000) as number,
  };
}

/**
 * The `scale` figures for instances 1 and 2, or null with the reason when this machine cannot
 * run them (no /proc to read a process tree's CPU from).
 */
export async function serveScale(
  o: ScaleOptions,
): Promise<{ one: ServeRun; two: ServeRun } | { skipped: string }> {
  try {
    readdirSync('/proc/self');
  } catch {
    return { skipped: 'no /proc: the pool processes’ CPU cannot be read' };
  }
  const one = await measureServe(1, o);
  const two = await measureServe(2, o);
  return { one, two };
}

function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] as number;
}

function round(x: number): number | null {
  return Number.isFinite(x) ? Math.round(x * 100) / 100 : null;
}

// Alone: `node --import tsx bench/serve-scale.ts` prints both runs (BENCH_SCALE_* sizes).
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const env = (k: string, d: number) => Number(process.env[k] ?? d);
  const result = await serveScale({
    connections: env('BENCH_SCALE_CONNECTIONS', 2000),
    shareConnections: env('BENCH_CONNECTIONS', 500),
    window: env('BENCH_WINDOW', 4),
    seconds: env('BENCH_SECONDS', 5),
    repeats: env('BENCH_BROADCAST_REPEATS', 3),
  });
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}
