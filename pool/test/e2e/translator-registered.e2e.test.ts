import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { devnetAddress } from '../../src/devnet/index.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { REFRESH_MS } from '../../src/pool/account-registry.js';
import { startTranslator } from '../../src/translator/translator.js';
import {
  E2E_TRANSLATOR_VARDIFF,
  getJson,
  silent,
  startTestDevnet,
  startTestPool,
  tempDir,
  until,
} from './harness.js';
import { RawV1 } from './v1-raw.js';
import { submitShare } from './v1-shares.js';

/*
 * `accounts.mode: registered` over the wire: V1 miners with short names (`alice.rig1`) mine
 * through a real translator on a dev pool whose ledger maps `alice` to an address; the pool
 * credits the address, refuses an unregistered name at mining.authorize with the reason, and
 * picks up a registration made while it runs.
 */

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const ALICE = devnetAddress(1n);
const BOB = devnetAddress(2n);

async function stack() {
  const d = await startTestDevnet();
  cleanups.push(() => d.close());
  const t = tempDir();
  cleanups.push(() => t.remove());
  const path = join(t.dir, 'ledger.sqlite');
  // The operator's CLI: a connection of its own to the pool's ledger.
  const cli = new Ledger(path, { flushIntervalMs: 0 });
  cleanups.push(() => cli.close());
  cli.registerAccount('alice', ALICE);
  const p = await startTestPool(d, path, {
    extra: {
      accounts: { mode: 'registered' },
      vardiff: { minDifficulty: 16, maxDifficulty: 16, initialDifficulty: 16 },
    },
  });
  cleanups.push(() => p.close());
  const tr = await startTranslator({
    listen: '127.0.0.1:0',
    upstreams: [p.poolUrl],
    chain: 'dev',
    mode: 'per-worker',
    metricsListen: null,
    log: silent,
    vardiff: { ...E2E_TRANSLATOR_VARDIFF, startDifficulty: 16, minDifficulty: 16, maxDifficulty: 16 },
  });
  cleanups.push(() => tr.close());
  await until(() => tr.stats().upstreamConnected, 10_000, 'the translator on the pool');
  return { p, tr, cli };
}

async function authorize(url: string, user: string) {
  const c = await RawV1.connect(url);
  cleanups.push(() => c.close());
  c.send(1, 'mining.subscribe', []);
  await c.find((l) => l.id === 1);
  c.send(2, 'mining.authorize', [user, 'x']);
  return { c, authorized: (await c.find((l) => l.id === 2)) as { result: unknown; error: unknown[] | null } };
}

describe('accounts.mode registered through the translator', () => {
  it('credits a registered name to its address: ledger and /api/v1/miners/:address', async () => {
    const { p, tr } = await stack();
    const { c, authorized } = await authorize(tr.v1Url, 'alice.rig1');
    expect(authorized.result).toBe(true);
    expect(await submitShare(c, 'alice.rig1')).toBe(true);
    expect(await submitShare(c, 'alice.rig1')).toBe(true);
    const ledger = p.ledger as Ledger;
    const credited = `${ALICE}.rig1`;
    await until(() => (ledger.worker(credited)?.acceptedShares ?? 0) >= 2, 5_000, 'the shares in the ledger');
    expect(ledger.worker('alice.rig1')).toBeNull();
    const view = await getJson<{ address: string; workers: { name: string }[] }>(
      `${p.apiUrl}/api/v1/miners/${ALICE}`,
    );
    expect(view.workers.map((w) => w.name)).toEqual([credited]);
  });

  it('refuses an unregistered name at mining.authorize, then accepts it once registered', async () => {
    const { p, tr, cli } = await stack();
    const first = await authorize(tr.v1Url, 'bob.rig1');
    expect(first.authorized.error?.[0]).toBe(24);
    expect(String(first.authorized.error?.[1])).toMatch(/registered names.*unregistered-name/);
    cli.registerAccount('bob', BOB);
    // The pool re-reads the registry every REFRESH_MS; a new connection asks again.
    await new Promise((r) => setTimeout(r, REFRESH_MS + 500));
    const again = await authorize(tr.v1Url, 'bob.rig1');
    expect(again.authorized.result).toBe(true);
    expect(await submitShare(again.c, 'bob.rig1')).toBe(true);
    const ledger = p.ledger as Ledger;
    await until(() => (ledger.worker(`${BOB}.rig1`)?.acceptedShares ?? 0) >= 1, 5_000, 'bob credited');
  }, 30_000);
});
