import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../../bin/ckb-pool-deploy.js', import.meta.url));
const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Every descendant pid of `pid` (ps is in procps on every Linux CI image). */
function descendants(pid: number): number[] {
  let out = '';
  try {
    out = execFileSync('ps', ['-e', '-o', 'pid=,ppid='], { encoding: 'utf8' });
  } catch {
    return [];
  }
  const rows = out
    .trim()
    .split('\n')
    .map((l) => l.trim().split(/\s+/).map(Number) as [number, number]);
  const found: number[] = [];
  const queue = [pid];
  while (queue.length) {
    const p = queue.shift() as number;
    for (const [c, pp] of rows) {
      if (pp === p) {
        found.push(c);
        queue.push(c);
      }
    }
  }
  return found;
}

async function until(cond: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('ckb-pool-deploy dev', () => {
  it('starts the whole pool as a newcomer runs it, finds a block, and stops cleanly on Ctrl-C', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dev-smoke-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'endpoints.json');
    const child = spawn(process.execPath, [BIN, 'dev', '--endpoints-file', file], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      output += d.toString();
    });
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    cleanups.push(() => {
      if (alive(child.pid as number)) child.kill('SIGKILL');
    });

    await until(
      () => existsSync(file) && readFileSync(file, 'utf8').endsWith('\n'),
      60_000,
      'the endpoints file',
    );
    const ep = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
    expect(Object.keys(ep).sort()).toEqual([
      'api_url',
      'miner_address',
      'rpc_url',
      'sv2_url',
      'v1_url',
      'web_url',
    ]);
    expect(ep.miner_address).toMatch(/^ckt1[0-9a-z]{90,}$/);
    // The URLs are printed before the file is written, but the pipe may deliver them later.
    await until(() => output.includes(ep.web_url ?? '?'), 10_000, 'the web page URL in the output');
    expect(ep.sv2_url).toMatch(/^stratum2\+tcp:\/\/127\.0\.0\.1:\d+\/\w{40,}$/);
    expect(ep.v1_url).toMatch(/^stratum\+tcp:\/\/127\.0\.0\.1:\d+$/);
    expect(output).toContain(ep.sv2_url);
    expect(output).toContain(ep.v1_url);

    // The built-in CPU miner finds a block the dev chain accepts.
    await until(
      async () => {
        const r = await fetch(`${ep.api_url}/api/v1/blocks`).catch(() => null);
        if (!r?.ok) return false;
        const b = (await r.json()) as { counts: { accepted: number } };
        return b.counts.accepted >= 1;
      },
      50_000,
      `a block (output so far:\n${output})`,
    );
    const tip = (await (
      await fetch(ep.rpc_url as string, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ id: 1, jsonrpc: '2.0', method: 'get_tip_header', params: [] }),
      })
    ).json()) as { result: { number: string } };
    expect(BigInt(tip.result.number)).toBeGreaterThanOrEqual(1n);
    // The built-in miner is credited under its address, and the web page serves its page.
    const mine = (await (await fetch(`${ep.api_url}/api/v1/miners/${ep.miner_address}`)).json()) as {
      workers: { name: string }[];
      blocks: unknown[];
      payoutsEnabled: boolean;
    };
    // dev pays its miner as a deployment with payouts on would (the wallet is the block assembler).
    expect(mine.payoutsEnabled).toBe(true);
    expect(mine.workers.map((w) => w.name)).toEqual([`${ep.miner_address}.cpu1`]);
    expect(mine.blocks.length).toBeGreaterThanOrEqual(1);
    const page = await fetch(`${ep.web_url}/miners/${ep.miner_address}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('data-page="miner"');
    await until(() => output.includes("built-in miner's account: balance"), 15_000, 'the account line');
    expect(output).not.toContain('payouts off');

    const kids = descendants(child.pid as number);
    child.kill('SIGINT');
    const code = await Promise.race([
      exited,
      new Promise<string>((r) => setTimeout(() => r('timeout'), 15_000)),
    ]);
    expect(code, output).toBe(0);
    expect(output).toContain('stopped');
    // Helpers of the runtime (tsx's esbuild service) exit when their parent does; give them a moment.
    const all = [child.pid as number, ...kids];
    await until(() => all.every((pid) => !alive(pid)), 5_000, `processes ${all.join(', ')} to exit`).catch(
      () => {},
    );
    for (const pid of all) expect(alive(pid), `pid ${pid} still alive`).toBe(false);
  }, 150_000);
});
