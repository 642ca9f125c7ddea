/**
 * Small helpers the pool benchmarks share: sizes from the environment, statistics, CPU and
 * memory readings, and the pool's own figures scraped from its /metrics.
 */
import { createServer } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { encodeMessage } from '../src/sv2/messages/index.js';

/** A size or rate from the environment variable `k`, `d` when unset. */
export const env = (k: string, d: number) => Number(process.env[k] ?? d);

export function gcNow(): void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  gc();
}

export function cpuSeconds(u: NodeJS.CpuUsage): number {
  return (u.user + u.system) / 1e6;
}

export function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] as number;
}

export function round(x: unknown): number | null {
  return typeof x === 'number' && Number.isFinite(x) ? Math.round(x * 100) / 100 : null;
}

export async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out waiting for the pool');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A TCP port free on 127.0.0.1 a moment ago. */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as { port: number }).port;
  await new Promise((r) => probe.close(r));
  return port;
}

export async function acceptedShares(apiUrl: string): Promise<number> {
  const text = await (await fetch(`${apiUrl}/metrics`)).text();
  return Number(/^ckb_pool_shares_total\{outcome="accepted"\} (\S+)$/m.exec(text)?.[1] ?? 0);
}

export async function openConnections(apiUrl: string): Promise<number> {
  const text = await (await fetch(`${apiUrl}/metrics`)).text();
  return Number(/^ckb_pool_connections (\S+)$/m.exec(text)?.[1] ?? -1);
}

export async function broadcastHistogram(apiUrl: string): Promise<{ sum: number; count: number }> {
  const text = await (await fetch(`${apiUrl}/metrics`)).text();
  return {
    sum: Number(/^ckb_pool_job_broadcast_seconds_sum (\S+)$/m.exec(text)?.[1] ?? 0),
    count: Number(/^ckb_pool_job_broadcast_seconds_count (\S+)$/m.exec(text)?.[1] ?? 0),
  };
}

/**
 * BENCH_PROFILE=file.cpuprofile: V8 CPU profiles of the pool process during the share phase
 * (that file), the first connections (file.connect.cpuprofile) and the broadcast
 * (file.broadcast.cpuprofile).
 */
export async function startProfile(): Promise<{ stop(file: string): Promise<void> }> {
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

/** The job a new tip sends, as the pool frames it: the bytes every broadcast floor encrypts or writes. */
export const JOB_FRAME = encodeMessage({
  type: 'NewCkbJob',
  channelId: 1,
  jobId: 9,
  cleanJobs: true,
  height: 5n,
  powHash: new Uint8Array(32),
  parentHash: new Uint8Array(32),
  compactTarget: 0x1d00ffff,
});
