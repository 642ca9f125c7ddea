import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CkbRpcClient } from '../../ckb/rpc.js';
import { UsageError } from '../command.js';
import { devnetOptions, runDevnet } from './devnet.js';

describe('ckb-pool devnet options', () => {
  it('has the documented defaults', () => {
    const o = devnetOptions([]);
    expect(o).toMatchObject({
      rpcHost: '127.0.0.1',
      rpcPort: 8114,
      subscribeHost: '127.0.0.1',
      subscribePort: 18114,
      compactTarget: 0x20010000,
      blockIntervalMs: 0,
      seed: 0n,
      pow: 'eaglesong',
      epochLength: 10,
      cellbaseMaturity: { number: 4n, index: 0, length: 1 },
      forks: 'reject',
    });
  });

  it('parses every option', () => {
    const o = devnetOptions([
      '--rpc',
      '0.0.0.0:9000',
      '--subscribe',
      '[::1]:9001',
      '--compact-target',
      '0x1f00ffff',
      '--block-interval-ms',
      '250',
      '--seed',
      '42',
      '--lock-args',
      `0x${'ab'.repeat(20)}`,
      '--pow',
      'eaglesong-blake2b',
      '--forks',
      'accept',
      '--cellbase-maturity',
      '1',
      '--notify',
      'http://127.0.0.1:8888/',
    ]);
    expect(o).toMatchObject({
      rpcHost: '0.0.0.0',
      rpcPort: 9000,
      subscribeHost: '::1',
      subscribePort: 9001,
      compactTarget: 0x1f00ffff,
      blockIntervalMs: 250,
      seed: 42n,
      pow: 'eaglesong-blake2b',
      forks: 'accept',
      cellbaseMaturity: { number: 1n, index: 0, length: 1 },
      notifyUrls: ['http://127.0.0.1:8888/'],
    });
    expect(o.lockScript?.args).toBe(`0x${'ab'.repeat(20)}`);
  });

  it('refuses bad input with a usage error naming the option', () => {
    const bad: Array<[string[], RegExp]> = [
      [['--rpc', 'localhost'], /--rpc expects HOST:PORT/],
      [['--compact-target', '0x2100ffff'], /not a valid CKB target/],
      [['--compact-target', 'ffff'], /--compact-target expects/],
      [['--block-interval-ms', '-5'], /--block-interval-ms/],
      [['--pow', 'sha256'], /--pow expects/],
      [['--lock-args', '0x1234'], /--lock-args expects/],
      [['--bogus'], /Unknown option/],
    ];
    for (const [argv, msg] of bad) {
      expect(() => devnetOptions(argv)).toThrow(UsageError);
      expect(() => devnetOptions(argv)).toThrow(msg);
    }
  });
});

describe('ckb-pool devnet running', () => {
  it('prints its URLs, serves RPC, and closes when signalled', async () => {
    const lines: string[] = [];
    const ac = new AbortController();
    const done = runDevnet(
      devnetOptions(['--rpc', '127.0.0.1:0', '--subscribe', '127.0.0.1:0']),
      ac.signal,
      (l) => lines.push(l),
    );
    while (!lines.some((l) => l.startsWith('tip:'))) await new Promise((r) => setTimeout(r, 10));
    const url = lines.find((l) => l.startsWith('rpc:'))!.split(/\s+/)[1];
    expect(lines.find((l) => l.startsWith('subscribe:'))).toMatch(/127\.0\.0\.1:\d+$/);
    const rpc = new CkbRpcClient(url, { timeoutMs: 2000 });
    expect((await rpc.getTipHeader()).number).toBe('0x0');
    ac.abort();
    await done;
    expect(lines.at(-1)).toBe('closed');
    await expect(rpc.getTipHeader()).rejects.toThrow(/request failed/);
  });

  it('runs as a real process and exits 0 on SIGTERM', async () => {
    const bin = fileURLToPath(new URL('../../../bin/ckb-pool.js', import.meta.url));
    const child = spawn(
      process.execPath,
      [bin, 'devnet', '--rpc', '127.0.0.1:0', '--subscribe', '127.0.0.1:0'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout.on('data', (c) => {
      out += c;
    });
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const deadline = Date.now() + 20_000;
    while (!out.includes('tip:') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const url = /rpc:\s+(\S+)/.exec(out)?.[1];
    expect(url).toBeDefined();
    expect((await new CkbRpcClient(url!).getTipHeader()).number).toBe('0x0');
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(out).toContain('closed');
  }, 30_000);
});
