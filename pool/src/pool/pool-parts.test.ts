import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { type PoolConfig, parseConfig } from './config.js';
import { assembleParts, type PoolParts } from './pool-parts.js';

const SECRET = new Uint8Array(32).fill(7);
const dirs: string[] = [];
const built: PoolParts[] = [];

afterEach(async () => {
  for (const p of built.splice(0)) {
    p.background.stop();
    p.pruner.stop();
    p.sync.stop();
    p.ephemeralPool.stop();
    await p.templates.close();
    await p.ledger.close();
  }
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'pool-parts-'));
  dirs.push(d);
  return d;
}

/** A dev config whose node is unreachable (the parts are built, never fed). */
function config(over: Record<string, unknown> = {}, ledgerPath = join(tmp(), 'ledger.db')): PoolConfig {
  return parseConfig({
    chain: 'dev',
    node: { rpcUrl: 'http://127.0.0.1:1', pollIntervalMs: 60_000 },
    sv2: { authorityKeyFile: '/x' },
    ledger: { path: ledgerPath },
    // Plain worker names: these tests are about the parts, not accounts.
    accounts: { mode: 'any' },
    ...over,
  });
}

/** A logger that keeps every line it writes. */
function recordingLog() {
  const lines: Array<{ level: number; msg: string }> = [];
  const log = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { log, lines };
}

async function assemble(cfg: PoolConfig, log = pino({ level: 'silent' })): Promise<PoolParts> {
  const parts = await assembleParts(cfg, SECRET, log, false);
  built.push(parts);
  return parts;
}

describe('assembleParts', () => {
  it('opens the ledger at ledger.path and shares it between flushing and the parts that record', async () => {
    const path = join(tmp(), 'ledger.db');
    const parts = await assemble(config({}, path));
    expect(existsSync(path)).toBe(true);
    expect(parts.ledger).toBe(parts.flushing.ledger);
    expect(parts.jobs.current).toBeNull();
  });

  it('throws naming ledger.path when the ledger cannot be opened', async () => {
    const cfg = config({}, join(tmp(), 'missing-dir', 'nested', 'ledger.db'));
    await expect(assemble(cfg)).rejects.toThrow(/ledger\.path/);
  });

  it('refuses to build without a readable notify secret when node.notifySecretFile is set', async () => {
    const cfg = config({ node: { rpcUrl: 'http://127.0.0.1:1', notifySecretFile: join(tmp(), 'absent') } });
    await expect(assemble(cfg)).rejects.toThrow(/node\.notifySecretFile: cannot read/);
  });

  it('builds with a notify secret file that holds a long enough secret', async () => {
    const file = join(tmp(), 'notify.secret');
    writeFileSync(file, `${'a'.repeat(40)}\n`);
    const cfg = config({ node: { rpcUrl: 'http://127.0.0.1:1', notifySecretFile: file } });
    await expect(assemble(cfg)).resolves.toBeDefined();
  });

  it('warns when the message burst is smaller than a proxy reopening all its channels at once', async () => {
    const { log, lines } = recordingLog();
    await assemble(
      config({
        limits: { maxMessageBurst: 10 },
        sv2: { authorityKeyFile: '/x', maxChannelsPerConnection: 100 },
      }),
      log,
    );
    expect(lines.filter((l) => l.level === 40).map((l) => l.msg)).toEqual([
      expect.stringContaining('limits.maxMessageBurst is below sv2.maxChannelsPerConnection'),
    ]);
  });

  it('does not warn about the burst when rate limiting is off or the burst covers every channel', async () => {
    const { log, lines } = recordingLog();
    await assemble(
      config({
        limits: { maxMessagesPerSecond: 0, maxMessageBurst: 10 },
        sv2: { authorityKeyFile: '/x', maxChannelsPerConnection: 100 },
      }),
      log,
    );
    await assemble(
      config({
        limits: { maxMessageBurst: 100 },
        sv2: { authorityKeyFile: '/x', maxChannelsPerConnection: 100 },
      }),
      log,
    );
    expect(lines.filter((l) => l.level === 40)).toEqual([]);
  });
});
