import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { targetToCompact } from '../../src/ckb/target.js';
import { type Devnet, startDevnet } from '../../src/devnet/index.js';
import { encodeAuthoritySecret, generateAuthorityKeypair } from '../../src/sv2/noise/keys.js';

/**
 * The system under attack, as it runs in production: `ckb-pool serve` and `ckb-pool translate`
 * as separate processes (the real CLI, config files, JSON logs), on a dev chain in this process.
 * Everything listens on 127.0.0.1; attackers connect from other loopback addresses (127.0.0.2…)
 * so per-IP limits tell them from the honest miners.
 */

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

/** Network difficulty 2^20: shares at the suite's fixed difficulty 64 are blocks 1 in 16,384. */
export const ABUSE_NET_COMPACT = targetToCompact(1n << 236n);
/** Fixed share difficulty (vardiff min = max): cheap shares, no retargets in the measurements. */
export const SHARE_DIFFICULTY = 64;

export interface Proc {
  child: ChildProcess;
  pid: number;
  out(): string;
  err(): string;
  exited: Promise<number | null>;
  /** True while the process runs. */
  alive(): boolean;
}

export function runCli(args: string[]): Proc {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  // Logs are kept only in part: a flood must not grow the test's own memory without bound.
  const keep = (s: string, d: Buffer) => (s.length > 4_000_000 ? s.slice(-2_000_000) : s) + d.toString();
  child.stdout?.on('data', (d: Buffer) => {
    stdout = keep(stdout, d);
  });
  child.stderr?.on('data', (d: Buffer) => {
    stderr = keep(stderr, d);
  });
  let running = true;
  const exited = new Promise<number | null>((r) =>
    child.on('exit', (code) => {
      running = false;
      r(code);
    }),
  );
  return {
    child,
    pid: child.pid as number,
    out: () => stdout,
    err: () => stderr,
    exited,
    alive: () => running,
  };
}

async function waitForText(p: Proc, re: RegExp, what: string, timeoutMs = 60_000): Promise<RegExpExecArray> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const m = re.exec(p.err());
    if (m) return m;
    if (!p.alive()) throw new Error(`${what} exited: ${p.err().slice(-2000)}`);
    if (Date.now() > end) throw new Error(`${what} did not start in time: ${p.err().slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Peak and current resident memory of a process, in MB (Linux /proc). */
export function memoryMb(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

/** CPU seconds (user + system) a process has used so far. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** One sample of a Prometheus counter or gauge (0 when absent), from a /metrics text. */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-z_]+)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries(
      (m[2] ?? '')
        .split(',')
        .filter(Boolean)
        .map((kv) => {
          const [k, v] = kv.split('=');
          return [k, v?.replace(/^"|"$/g, '')];
        }),
    );
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) sum += Number(m[3]);
  }
  return sum;
}

export async function fetchText(url: string): Promise<string> {
  const r = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  return r.text();
}

export interface StackOptions {
  /** Extra pool.yaml fields (deep-merged over the suite's base config). */
  pool?: Record<string, unknown>;
  /** Extra translator.yaml fields. */
  translator?: Record<string, unknown>;
}

export interface Stack {
  devnet: Devnet;
  pool: Proc;
  translator: Proc;
  sv2Address: string;
  authority: string;
  poolUrl: string;
  apiUrl: string;
  v1Url: string;
  translatorMetricsUrl: string;
  poolMetrics(): Promise<string>;
  translatorMetrics(): Promise<string>;
  stop(): Promise<void>;
}

function merge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const cur = out[k];
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && cur && typeof cur === 'object'
        ? merge(cur as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}

async function stopProc(p: Proc): Promise<void> {
  if (!p.alive()) return;
  p.child.kill('SIGTERM');
  const t = setTimeout(() => p.child.kill('SIGKILL'), 10_000);
  await p.exited;
  clearTimeout(t);
}

export async function startStack(o: StackOptions = {}): Promise<Stack> {
  const dir = mkdtempSync(join(tmpdir(), 'ckb-abuse-'));
  const devnet = await startDevnet({ rpcPort: 0, compactTarget: ABUSE_NET_COMPACT });
  const { secret } = generateAuthorityKeypair();
  writeFileSync(join(dir, 'authority.key'), `${encodeAuthoritySecret(secret)}\n`, { mode: 0o600 });
  const poolYaml = merge(
    {
      chain: 'dev',
      node: { rpcUrl: devnet.rpcUrl, subscribeAddress: devnet.subscribeAddress, pollIntervalMs: 500 },
      sv2: { listen: '127.0.0.1:0', authorityKeyFile: 'authority.key' },
      api: { listen: '127.0.0.1:0' },
      vardiff: {
        minDifficulty: SHARE_DIFFICULTY,
        maxDifficulty: SHARE_DIFFICULTY,
        initialDifficulty: SHARE_DIFFICULTY,
      },
      // Every share acknowledged at once: the measured latency is the pool's, not the batching's.
      shares: { batchMaxCount: 1, batchMaxDelayMs: 0 },
      ledger: { path: 'ledger.sqlite', flushIntervalMs: 200 },
      log: { level: 'warn' },
      // Plain worker names: these tests are about abuse, not accounts.
      accounts: { mode: 'any' },
    },
    o.pool ?? {},
  );
  writeFileSync(join(dir, 'pool.yaml'), stringify(poolYaml));
  const pool = runCli(['serve', '--config', join(dir, 'pool.yaml')]);
  let translator: Proc | null = null;
  try {
    const started = await waitForText(pool, /SV2 on (\S+), API on (\S+)\n.*miners connect to (\S+)/, 'pool');
    const [sv2Address, apiUrl, poolUrl] = [started[1], started[2], started[3]] as [string, string, string];
    const authority = poolUrl.slice(poolUrl.lastIndexOf('/') + 1);
    const trYaml = merge(
      {
        chain: 'dev',
        // Each V1 miner's own vardiff fixed at the suite's share difficulty, as the pool's is.
        v1: {
          listen: '127.0.0.1:0',
          vardiff: {
            startDifficulty: SHARE_DIFFICULTY,
            minDifficulty: SHARE_DIFFICULTY,
            maxDifficulty: SHARE_DIFFICULTY,
          },
        },
        upstream: { url: poolUrl, failback: false },
        metrics: { listen: '127.0.0.1:0' },
        log: { level: 'warn' },
      },
      o.translator ?? {},
    );
    writeFileSync(join(dir, 'translator.yaml'), stringify(trYaml));
    translator = runCli(['translate', '--config', join(dir, 'translator.yaml')]);
    const t = await waitForText(
      translator,
      /V1 miners connect to (\S+); metrics on (\S+)\/metrics/,
      'translator',
    );
    const [v1Url, translatorMetricsUrl] = [t[1], t[2]] as [string, string];
    const tr = translator;
    const stack: Stack = {
      devnet,
      pool,
      translator: tr,
      sv2Address,
      authority,
      poolUrl,
      apiUrl,
      v1Url,
      translatorMetricsUrl,
      poolMetrics: () => fetchText(`${apiUrl}/metrics`),
      translatorMetrics: () => fetchText(`${translatorMetricsUrl}/metrics`),
      stop: async () => {
        await stopProc(tr);
        await stopProc(pool);
        await devnet.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
    return stack;
  } catch (err) {
    if (translator) await stopProc(translator);
    await stopProc(pool);
    await devnet.close();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

const ATTACKER = fileURLToPath(new URL('./attacker.ts', import.meta.url));

/** An attacker process that has loaded and waits for `go`. */
export interface PreparedAttack<T> {
  /** Starts the attack; resolves with what the attacker reported. */
  go(): Promise<T>;
}

/**
 * Starts an attacker process (attacker.ts) and waits until it has loaded, so that the honest
 * miners' statistics can be reset after its start-up and measure only the attack.
 */
export async function prepareAttack<T = Record<string, unknown>>(
  name: string,
  opts: object,
): Promise<PreparedAttack<T>> {
  const child = spawn(process.execPath, ['--import', 'tsx', ATTACKER, name, JSON.stringify(opts)], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let onReady: (() => void) | null = null;
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    if (onReady && out.includes('READY\n')) onReady();
  });
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  let ready = false;
  await Promise.race([
    new Promise<void>((r) => {
      onReady = r;
    }),
    exited.then((code) => {
      if (!ready)
        throw new Error(`attacker ${name} exited before it was ready (exit ${code}): ${err.slice(-2000)}`);
    }),
  ]);
  ready = true;
  return {
    go: async () => {
      child.stdin.end('go\n');
      const code = await exited;
      const line = out.split('\n').find((l) => l.startsWith('RESULT '));
      if (code !== 0 || !line) throw new Error(`attack ${name} failed (exit ${code}): ${err.slice(-2000)}`);
      return JSON.parse(line.slice('RESULT '.length)) as T;
    },
  };
}

/** Runs one attack in its own process at once and returns what it reported. */
export async function runAttack<T = Record<string, unknown>>(name: string, opts: object): Promise<T> {
  return (await prepareAttack<T>(name, opts)).go();
}

/** What the suite records for one attack (docs/security.md, "Abuse suite results"). */
export interface Figure {
  attack: string;
  size: string;
  peakRssMb: number;
  honestSv2P99Ms: number;
  honestV1P99Ms: number;
  limitedBy: string;
}

export function printFigures(title: string, figures: Figure[]): void {
  const rows = figures.map(
    (f) =>
      `| ${f.attack} | ${f.size} | ${f.peakRssMb} | ${f.honestSv2P99Ms} | ${f.honestV1P99Ms} | ${f.limitedBy} |`,
  );
  process.stdout.write(
    `\n${title}\n| attack | size | peak RSS (MB) | honest SV2 p99 (ms) | honest V1 p99 (ms) | limited by |\n|---|---|---|---|---|---|\n${rows.join('\n')}\n`,
  );
}
