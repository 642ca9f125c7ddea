import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { getJson, startTestDevnet, startTestPool, tempDir, until } from './harness.js';
import { RawV1 } from './v1-raw.js';

/** `ckb-pool translate` and `ckb-pool mine` as shipped: the bin, in child processes. */

const BIN = fileURLToPath(new URL('../../bin/ckb-pool.js', import.meta.url));
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function run(args: string[]) {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (d: Buffer) => {
    out.stdout += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    out.stderr += d.toString();
  });
  const exit = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  cleanups.push(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  return { child, out, exit };
}

async function poolFixture() {
  const d = await startTestDevnet();
  cleanups.push(() => d.close());
  const t = tempDir();
  cleanups.push(() => t.remove());
  const p = await startTestPool(d, join(t.dir, 'ledger.sqlite'));
  cleanups.push(() => p.close());
  return p;
}

describe('ckb-pool translate and ckb-pool mine (bin, child processes)', () => {
  it('translate (translator.yaml as the deploy bundle writes it, flags overriding) serves V1 miners, and mine (worker threads under the bin) gets shares accepted through it; SIGTERM exits 0', async () => {
    const p = await poolFixture();
    const t = tempDir();
    cleanups.push(() => t.remove());
    const file = join(t.dir, 'translator.yaml');
    writeFileSync(
      file,
      `chain: dev\nv1:\n  listen: 127.0.0.1:0\nupstream:\n  url: ${p.poolUrl}\nlog:\n  level: warn\n`,
    );
    const tr = run(['translate', '--config', file, '--metrics-listen', '127.0.0.1:0']);
    await until(() => /stratum\+tcp:\/\/[\d.]+:\d+/.test(tr.out.stderr), 20_000, 'the translator to listen');
    const v1Url = (/stratum\+tcp:\/\/[\d.]+:\d+/.exec(tr.out.stderr) as RegExpExecArray)[0];
    const raw = await RawV1.connect(v1Url);
    cleanups.push(() => raw.close());
    raw.send(1, 'mining.subscribe', []);
    const sub = (await raw.find((l) => l.id === 1, 15_000)) as { result: [null, string, number] };
    expect(sub.result[2]).toBe(12);

    const mine = run([
      'mine',
      '--url',
      v1Url,
      '--user',
      'gina.cli',
      '--threads',
      '1',
      '--duration',
      '4',
      '--interval',
      '1',
    ]);
    expect(await mine.exit).toBe(0);
    const summary = JSON.parse(mine.out.stdout.trim().split('\n').pop() as string) as Record<string, unknown>;
    expect(summary).toMatchObject({ protocol: 'v1', user: 'gina.cli', connections: 1 });
    expect(summary.accepted as number).toBeGreaterThan(0);
    expect(summary.hashes as number).toBeGreaterThan(0);
    expect(mine.out.stderr).toMatch(/H\/s \| accepted \d+ rejected \d+/);
    // The ledger flushes on a timer: wait for the worker to appear.
    await until(
      async () =>
        // 404 (no acceptedShares) until the first flush.
        ((await getJson<{ acceptedShares?: number }>(`${p.apiUrl}/api/v1/workers/gina.cli`)).acceptedShares ??
          0) > 0,
      5_000,
      'gina.cli in the pool API',
    );

    tr.child.kill('SIGTERM');
    expect(await tr.exit).toBe(0);
  }, 60_000);

  it('mine speaks SV2 to the pool directly and reports blocks', async () => {
    const p = await poolFixture();
    const mine = run([
      'mine',
      '--url',
      p.poolUrl,
      '--user',
      'hal.cli',
      '--threads',
      '2',
      // Long enough to start, get a job and find a block on a loaded two-core CI machine (4 s
      // was not: 0 accepted there).
      '--duration',
      '12',
      '--chain',
      'dev',
    ]);
    expect(await mine.exit).toBe(0);
    const s = JSON.parse(mine.out.stdout.trim()) as Record<string, number | string>;
    expect(s).toMatchObject({ protocol: 'sv2', threads: 2 });
    expect(s.accepted as number).toBeGreaterThan(0);
    expect(s.blocks as number).toBeGreaterThan(0);
  }, 60_000);

  it('refuses bad options with exit code 2 and a message', async () => {
    const a = run(['translate', '--listen', '127.0.0.1:0']);
    const b = run(['translate', '--upstream', 'stratum2+tcp://127.0.0.1:1/notakey']);
    const c = run(['mine', '--url', 'http://x:1']);
    const key = '9bXiEd8boQVhq7WddEcERUL5tyyJVFYdU8th3HfbNXK3Yw6GRXh';
    const d = run([
      'translate',
      '--upstream',
      `stratum2+tcp://127.0.0.1:1/${key}`,
      '--failback-interval',
      'soon',
    ]);
    const e = run(['translate', '--upstream', `stratum2+tcp://127.0.0.1:1/${key}`, '--failback-probes', '0']);
    expect(await Promise.all([a.exit, b.exit, c.exit, d.exit, e.exit])).toEqual([2, 2, 2, 2, 2]);
    expect(a.out.stderr).toContain('--upstream');
    expect(c.out.stderr).toContain('stratum');
    expect(d.out.stderr).toContain("--failback-interval must be an integer 0..86400000, got 'soon'");
    expect(e.out.stderr).toContain('--failback-probes must be an integer 1..1000');
  });
});
