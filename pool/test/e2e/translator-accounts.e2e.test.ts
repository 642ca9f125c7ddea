import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { devnetAddress } from '../../src/devnet/index.js';
import type { Ledger } from '../../src/ledger/ledger.js';
import { startMiner } from '../../src/miner/miner.js';
import type { RunningPool } from '../../src/pool/server.js';
import { startTranslator, type TranslatorMode } from '../../src/translator/translator.js';
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
 * V1 miners named `<ckb address>.<worker>` — too long for a 0x0002 user_identity — mining through
 * a real translator on a dev pool with the default `accounts.mode: address`: the translator
 * declares each name with 0x4CCB DeclareWorker, and the pool credits the address.
 */

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const ADDRESS = devnetAddress(1n);
const RIG1 = `${ADDRESS}.rig1`;

interface MinerView {
  address: string;
  workers: Array<{ name: string; acceptedShares: number }>;
}

async function stack(mode: TranslatorMode = 'per-worker') {
  const d = await startTestDevnet();
  cleanups.push(() => d.close());
  const t = tempDir();
  cleanups.push(() => t.remove());
  const p = await startTestPool(d, join(t.dir, 'ledger.sqlite'), {
    // The real default, said out loud: the harness runs its other tests with `any`.
    extra: {
      accounts: { mode: 'address' },
      vardiff: { minDifficulty: 16, maxDifficulty: 16, initialDifficulty: 16 },
    },
  });
  cleanups.push(() => p.close());
  const tr = await startTranslator({
    listen: '127.0.0.1:0',
    upstreams: [p.poolUrl],
    chain: 'dev',
    mode,
    metricsListen: null,
    log: silent,
    // The miners' own targets start where the pool's channels are (difficulty 16), so the
    // test grinds its shares in milliseconds.
    vardiff: { ...E2E_TRANSLATOR_VARDIFF, startDifficulty: 16, minDifficulty: 16, maxDifficulty: 16 },
  });
  cleanups.push(() => tr.close());
  await until(() => tr.stats().upstreamConnected, 10_000, 'the translator on the pool');
  return { p, tr };
}

/** A raw V1 miner that subscribes, then authorizes as `user` without mining.extranonce.subscribe. */
async function rawMiner(url: string, user: string) {
  const c = await RawV1.connect(url);
  cleanups.push(() => c.close());
  c.send(1, 'mining.subscribe', []);
  await c.find((l) => l.id === 1);
  c.send(2, 'mining.authorize', [user, 'x']);
  return { c, authorized: (await c.find((l) => l.id === 2)) as { result: unknown; error: unknown[] | null } };
}

/** Waits until the ledger and /api/v1/miners/:address credit `shares` shares to `name`. */
async function creditedToAddress(p: RunningPool, name: string, shares: number): Promise<MinerView> {
  const ledger = p.ledger as Ledger;
  await until(() => (ledger.worker(name)?.acceptedShares ?? 0) >= shares, 5_000, 'the shares in the ledger');
  const view = await getJson<MinerView>(`${p.apiUrl}/api/v1/miners/${ADDRESS}`);
  expect(view.address).toBe(ADDRESS);
  expect(view.workers.find((w) => w.name === name)?.acceptedShares).toBeGreaterThanOrEqual(shares);
  return view;
}

describe('V1 miners named by CKB address through the translator (0x4CCB DeclareWorker)', () => {
  it('credits a per-worker miner that never sends mining.extranonce.subscribe, authorized as <address>.rig1, to the address', async () => {
    const { p, tr } = await stack();
    const { c, authorized } = await rawMiner(tr.v1Url, RIG1);
    expect(authorized.result).toBe(true);
    expect(await submitShare(c, RIG1)).toBe(true);
    expect(await submitShare(c, RIG1)).toBe(true);
    expect(c.lines.some((l) => l.method === 'mining.set_extranonce')).toBe(false);
    const view = await creditedToAddress(p, RIG1, 2);
    // Its channel is the translator's (`translator`): nothing is credited to that name.
    expect(view.workers.map((w) => w.name)).toEqual([RIG1]);
    expect((p.ledger as Ledger).worker('translator')).toBeNull();
  });

  it('credits every miner of an aggregated translator to its own address', async () => {
    const { p, tr } = await stack('aggregated');
    const rig2 = `${ADDRESS}.rig2`;
    const m = await startMiner({ url: tr.v1Url, user: rig2, threads: 1, chain: 'dev', log: silent });
    cleanups.push(() => m.close());
    const { c } = await rawMiner(tr.v1Url, RIG1);
    expect(await submitShare(c, RIG1)).toBe(true);
    await until(() => m.stats().accepted >= 1, 20_000, 'the CPU miner’s shares accepted').catch((e) => {
      throw new Error(`${(e as Error).message}; ${JSON.stringify(m.stats())}`);
    });
    await creditedToAddress(p, RIG1, 1);
    // The view read once both are in the ledger: rig2's share may be written a flush later.
    const view = await creditedToAddress(p, rig2, 1);
    expect(view.workers.map((w) => w.name).sort()).toEqual([RIG1, rig2].sort());
  });

  it('credits a miner that sends mining.extranonce.subscribe on its own channel to the address', async () => {
    const { p, tr } = await stack();
    const m = await startMiner({ url: tr.v1Url, user: RIG1, threads: 1, chain: 'dev', log: silent });
    cleanups.push(() => m.close());
    await until(() => m.stats().accepted >= 2, 20_000, 'shares accepted');
    await creditedToAddress(p, RIG1, 2);
  });

  it('refuses, at mining.authorize, a name that does not start with an address, saying why', async () => {
    const { p, tr } = await stack();
    const { c, authorized } = await rawMiner(tr.v1Url, 'alice.rig1');
    expect(authorized.result).toBeNull();
    expect(authorized.error?.[0]).toBe(24);
    expect(String(authorized.error?.[1])).toMatch(/CKB address.*not-an-address/);
    // Not authorized: its shares are refused by the translator, and the pool credits nothing.
    c.send(9, 'mining.submit', ['alice.rig1', '00', '00'.repeat(12)]);
    expect(((await c.find((l) => l.id === 9)) as { error: unknown[] }).error[0]).toBe(24);
    expect((p.ledger as Ledger).worker('alice.rig1')).toBeNull();
  });
});
