import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { TestClient } from '../../test/support/test-client.js';
import { targetToCompact } from '../ckb/target.js';
import { type Devnet, startDevnet } from '../devnet/index.js';
import { Ledger } from '../ledger/ledger.js';
import { encodeAuthoritySecret, generateAuthorityKeypair } from '../sv2/noise/keys.js';

const MAIN = fileURLToPath(new URL('../cli/main.ts', import.meta.url));

let devnet: Devnet | null = null;
afterEach(async () => {
  await devnet?.close();
  devnet = null;
});

function run(args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, exited, out: () => stdout, err: () => stderr };
}

function writeSetup(d: Devnet): { dir: string; config: string } {
  const dir = mkdtempSync(join(tmpdir(), 'serve-'));
  writeFileSync(join(dir, 'authority.key'), `${encodeAuthoritySecret(generateAuthorityKeypair().secret)}\n`, {
    mode: 0o600,
  });
  const config = join(dir, 'pool.yaml');
  writeFileSync(
    config,
    [
      'chain: dev',
      // Plain worker names: these tests are about serving, not accounts.
      'accounts:',
      '  mode: any',
      'node:',
      `  rpcUrl: ${d.rpcUrl}`,
      `  subscribeAddress: "${d.subscribeAddress}"`,
      '  pollIntervalMs: 200',
      'sv2:',
      '  listen: 127.0.0.1:0',
      '  authorityKeyFile: authority.key',
      'api:',
      '  listen: 127.0.0.1:0',
      'vardiff:',
      '  minDifficulty: 1',
      '  initialDifficulty: 16',
      'ledger:',
      '  path: ledger.sqlite',
      '  flushIntervalMs: 5000',
      'log:',
      '  level: info',
    ].join('\n'),
  );
  return { dir, config };
}

describe('ckb-pool serve', () => {
  it('serves from a config file and drains on SIGTERM: Reconnect to clients, shares written, exit 0', async () => {
    devnet = await startDevnet({ rpcPort: 0, compactTarget: targetToCompact(1n << 242n) });
    const { dir, config } = writeSetup(devnet);
    const p = run(['serve', '--config', config]);
    const deadline = Date.now() + 20_000;
    while (!/miners connect to (\S+)/.test(p.err())) {
      if (Date.now() > deadline) throw new Error(`serve did not start: ${p.err()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const url = /miners connect to stratum2\+tcp:\/\/([^/]+)\/(\S+)/.exec(p.err());
    if (!url) throw new Error(`serve printed no stratum2+tcp URL: ${p.err()}`);
    const [, address, authority] = url;
    // JSON logs with connection ids on stdout.
    const c = await TestClient.connect(address, authority);
    await c.setup();
    const ch = await c.openStandard('grace');
    const job = await c.waitJob(ch);
    const g = TestClient.grind('dev', job, ch.extranoncePrefix, c.targets.get(ch.channelId) as bigint, true);
    c.submit(ch.channelId, job.jobId, g.suffix);
    await c.waitFor('SubmitSharesSuccess');

    p.child.kill('SIGTERM');
    await c.waitFor('Reconnect');
    expect(await p.exited).toBe(0);
    const logs = p
      .out()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { msg: string; conn?: number });
    expect(logs.some((l) => l.msg === 'connection set up' && typeof l.conn === 'number')).toBe(true);
    // The share was acknowledged within the 5 s flush interval, and still written on drain.
    const ledger = new Ledger(join(dir, 'ledger.sqlite'), { flushIntervalMs: 0 });
    expect(ledger.worker('grace')?.acceptedShares).toBe(1);
    ledger.close();
  });

  it('checks a config with --check: prints the effective config and exits 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'serve-'));
    writeFileSync(
      join(dir, 'authority.key'),
      `${encodeAuthoritySecret(generateAuthorityKeypair().secret)}\n`,
    );
    const config = join(dir, 'pool.yaml');
    writeFileSync(
      config,
      'chain: testnet\nnode:\n  rpcUrl: http://127.0.0.1:1\nsv2:\n  authorityKeyFile: authority.key\n',
    );
    const p = run(['serve', '--config', config, '--check']);
    expect(await p.exited).toBe(0);
    const effective = JSON.parse(p.out()) as {
      chain: string;
      sv2: { authorityKeyFile: string; listen: string };
    };
    expect(effective.chain).toBe('testnet');
    expect(effective.sv2.authorityKeyFile).toBe(join(dir, 'authority.key'));
    expect(effective.sv2.listen).toBe('0.0.0.0:3336');
  });

  it('names the bad field of an invalid config and exits 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'serve-'));
    const config = join(dir, 'pool.yaml');
    writeFileSync(
      config,
      'chain: dev\nnode:\n  rpcUrl: http://127.0.0.1:1\nsv2:\n  authorityKeyFile: k\n  instanceId: 300\n',
    );
    const p = run(['serve', '--config', config]);
    expect(await p.exited).toBe(2);
    expect(p.err()).toContain('sv2.instanceId');
    writeFileSync(
      config,
      'chain: dev\nnode:\n  rpcUrl: http://127.0.0.1:1\nsv2:\n  authorityKeyFile: missing.key\n',
    );
    const q = run(['serve', '--config', config]);
    expect(await q.exited).toBe(1);
    expect(q.err()).toMatch(/cannot start: sv2.authorityKeyFile: cannot read .*missing.key/);
  });
});
