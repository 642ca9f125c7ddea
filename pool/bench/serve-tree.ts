/**
 * One `ckb-pool serve` process tree under bench load (serve-scale.ts runs two side by side): its
 * own dev chain, config, load process and connections; a share window or a new tip measured
 * with the tree's CPU from /proc (the serve process and every process below it, so the
 * primary's routing and ledger work counts against the instances it serves).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CkbRpcClient } from '../src/ckb/rpc.js';
import { targetToCompact } from '../src/ckb/target.js';
import { type Devnet, startDevnet } from '../src/devnet/index.js';
import { encodeAuthoritySecret, generateAuthorityKeypair } from '../src/sv2/noise/keys.js';
import { acceptedShares, freePort } from './bench-util.js';
import { assertMeasured, type LoadDriver, startLoad } from './load-driver.js';

const MAIN = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));

export function treeCpuSeconds(
  root: number,
  ticksPerSecond = clockTicks(),
): { seconds: number; rootSeconds: number; pids: number; contextSwitches: number } {
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
    contextSwitches: contextSwitches(inTree),
  };
}

/**
 * Voluntary and involuntary context switches of every thread of `pids`: each is a process
 * going to sleep or being preempted and woken again, a cost the kernel charges per event that
 * more processes on the same cores pay more often.
 */
function contextSwitches(pids: Iterable<number>): number {
  let n = 0;
  for (const pid of pids) {
    let tasks: string[];
    try {
      tasks = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const t of tasks) {
      try {
        const status = readFileSync(`/proc/${pid}/task/${t}/status`, 'utf8');
        for (const m of status.matchAll(/^(?:non)?voluntary_ctxt_switches:\s+(\d+)$/gm)) n += Number(m[1]);
      } catch {
        // the thread ended while we looked
      }
    }
  }
  return n;
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

export interface ServeTree {
  instances: number;
  /** Connections the load process holds open (one channel each). */
  connections: number;
  /** Processes in the tree (the serve process and its instances). */
  processes(): number;
  /** Accepted shares and the tree's CPU over one closed-loop window of `seconds`. */
  sharesWindow(o: {
    connections: number;
    window: number;
    seconds: number;
    rate?: number;
  }): Promise<SharesWindow>;
  /** A new tip (a notify push with a new parent) → the job at every connection. */
  broadcast(seq: number): Promise<BroadcastRun>;
  close(): Promise<void>;
}

export interface SharesWindow {
  accepted: number;
  cpuSeconds: number;
  /** Of cpuSeconds, the serve process itself (with instances: the primary). */
  rootCpuSeconds: number;
  /** Context switches of the tree's threads over the window. */
  contextSwitches: number;
}

export interface BroadcastRun {
  p50Ms: number;
  p99Ms: number;
  /** The tree's CPU for the tip. */
  cpuMs: number;
  /** The load process's CPU for receiving and decrypting every job. */
  clientCpuMs: number;
}

/** Starts `ckb-pool serve` with `instances` and opens `connections` to it. */
export async function startTree(instances: number, connections: number): Promise<ServeTree> {
  const devnet = await startDevnet({ rpcPort: 0, compactTarget: targetToCompact(1n << 216n) });
  const notifyPort = await freePort();
  const dir = mkdtempSync(join(tmpdir(), `bench-serve-${instances}-`));
  let serve: Serve | null = null;
  let load: LoadDriver | null = null;
  try {
    serve = await startServe(writeConfig(dir, instances, devnet.rpcUrl, notifyPort));
    load = startLoad();
    load.send({ cmd: 'connect', address: serve.address, authority: serve.authority, count: connections });
    const opened = Number((await load.next('connected')).count);
    const template = (await new CkbRpcClient(devnet.rpcUrl).getBlockTemplate()) as unknown as Record<
      string,
      unknown
    >;
    return tree(instances, opened, { serve, load, devnet, notifyPort, template, dir });
  } catch (err) {
    await stop(serve, load, devnet, dir);
    throw err;
  }
}

interface TreeParts {
  serve: Serve;
  load: LoadDriver;
  devnet: Devnet;
  notifyPort: number;
  template: Record<string, unknown>;
  /** The tree's config and ledgers: removed on close (a few hundred MB each run). */
  dir: string;
}

function tree(instances: number, connections: number, p: TreeParts): ServeTree {
  const root = p.serve.child.pid as number;
  return {
    instances,
    connections,
    processes: () => treeCpuSeconds(root).pids,
    async sharesWindow(o) {
      const accepted0 = await acceptedShares(p.serve.apiUrl);
      const cpu0 = treeCpuSeconds(root);
      p.load.send({
        cmd: 'shares',
        connections: o.connections,
        window: o.window,
        seconds: o.seconds,
        rate: o.rate,
      });
      const acked = await p.load.next('shares');
      const cpu1 = treeCpuSeconds(root);
      const accepted = (await acceptedShares(p.serve.apiUrl)) - accepted0;
      assertMeasured(accepted, Number(acked.acked), 'shares');
      return {
        accepted,
        cpuSeconds: cpu1.seconds - cpu0.seconds,
        rootCpuSeconds: cpu1.rootSeconds - cpu0.rootSeconds,
        contextSwitches: cpu1.contextSwitches - cpu0.contextSwitches,
      };
    },
    async broadcast(seq) {
      await new Promise((r) => setTimeout(r, 300));
      p.load.send({ cmd: 'watchJob' });
      await p.load.next('watching');
      const pushed = { ...p.template, parent_hash: `0x${(0xa0 + seq).toString(16).repeat(32)}` };
      const cpu0 = treeCpuSeconds(root);
      const pushedAt = performance.timeOrigin + performance.now();
      await fetch(`http://127.0.0.1:${p.notifyPort}/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(pushed),
      });
      const jobs = await p.load.next('jobs');
      assertMeasured(Number(jobs.seen), Number(jobs.need), 'broadcast');
      const cpu1 = treeCpuSeconds(root);
      return {
        p50Ms: Number(jobs.p50AtMs) - pushedAt,
        p99Ms: Number(jobs.p99AtMs) - pushedAt,
        cpuMs: (cpu1.seconds - cpu0.seconds) * 1000,
        clientCpuMs: Number(jobs.clientCpuMs),
      };
    },
    async close() {
      p.load.send({ cmd: 'close' });
      await Promise.race([p.load.next('closed'), new Promise((r) => setTimeout(r, 10_000))]);
      await stop(p.serve, p.load, p.devnet, p.dir);
    },
  };
}

async function stop(
  serve: Serve | null,
  load: LoadDriver | null,
  devnet: Devnet,
  dir: string,
): Promise<void> {
  load?.child.kill('SIGKILL');
  if (serve) {
    serve.child.kill('SIGTERM');
    const stopped = await Promise.race([
      serve.exited,
      new Promise((r) => setTimeout(() => r('late'), 20_000)),
    ]);
    if (stopped === 'late') serve.child.kill('SIGKILL');
  }
  await devnet.close();
  rmSync(dir, { recursive: true, force: true });
}
