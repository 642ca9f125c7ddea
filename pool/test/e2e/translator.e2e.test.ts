import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Chain, powOutput } from '../../src/ckb/pow.js';
import { compactToTarget, meetsTarget } from '../../src/ckb/target.js';
import type { Devnet } from '../../src/devnet/index.js';
import { type RunningMiner, startMiner } from '../../src/miner/miner.js';
import type { RunningPool } from '../../src/pool/server.js';
import { generateAuthorityKeypair } from '../../src/sv2/noise/keys.js';
import {
  type RunningTranslator,
  startTranslator,
  type TranslatorMode,
  type TranslatorOptions,
} from '../../src/translator/translator.js';
import {
  E2E_NET_COMPACT,
  E2E_TRANSLATOR_VARDIFF,
  getJson,
  silent,
  startTestDevnet,
  startTestPool,
  tempDir,
  until,
} from './harness.js';
import { RawV1 } from './v1-raw.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(
  o: {
    mode?: TranslatorMode;
    upstreams?: (p: RunningPool, d: Devnet) => Promise<string[]>;
    pool?: Record<string, unknown>;
    userIdentity?: string;
    failback?: TranslatorOptions['failback'];
  } = {},
) {
  const d = await startTestDevnet();
  cleanups.push(() => d.close());
  const t = tempDir();
  cleanups.push(() => t.remove());
  const secret = generateAuthorityKeypair().secret;
  const ledger = join(t.dir, 'ledger.sqlite');
  const p = await startTestPool(d, ledger, { secret, extra: o.pool });
  const pools = { current: p };
  cleanups.push(() => pools.current.close());
  const tr = await translator(
    o.upstreams ? await o.upstreams(p, d) : [p.poolUrl],
    o.mode,
    o.userIdentity,
    o.failback,
  );
  return { d, p, pools, tr, secret, ledger };
}

async function translator(
  upstreams: string[],
  mode?: TranslatorMode,
  userIdentity?: string,
  failback?: TranslatorOptions['failback'],
): Promise<RunningTranslator> {
  const tr = await startTranslator({
    listen: '127.0.0.1:0',
    upstreams,
    chain: 'dev',
    mode,
    userIdentity,
    failback,
    metricsListen: '127.0.0.1:0',
    log: silent,
    maxLineBytes: 4096,
    backoffMinMs: 50,
    backoffMaxMs: 400,
    vardiff: E2E_TRANSLATOR_VARDIFF,
  });
  cleanups.push(() => tr.close());
  return tr;
}

async function miner(url: string, user: string): Promise<RunningMiner> {
  const m = await startMiner({ url, user, threads: 1, chain: 'dev', log: silent });
  cleanups.push(() => m.close());
  return m;
}

/** A URL with a valid key on a port where nothing listens (first entry of a failover list). */
async function deadUrl(key: string): Promise<string> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return `stratum2+tcp://127.0.0.1:${port}/${key}`;
}

/** The dev chain's network target in these tests. */
const NET_TARGET = compactToTarget(E2E_NET_COMPACT);

/**
 * Grinds an extranonce2 whose share meets (`hit`) or misses the target; with `avoid`, never
 * one that also meets that (harder) target — an ordinary share must not be a block by chance.
 */
function grind(
  chain: Chain,
  powHash: Uint8Array,
  en1: Uint8Array,
  en2Size: number,
  target: bigint,
  hit: boolean,
  start = 0,
  avoid?: bigint,
): { en2: string; next: number } {
  const en2 = new Uint8Array(en2Size);
  const view = new DataView(en2.buffer);
  for (let i = start; ; i++) {
    view.setUint32(en2Size - 4, i);
    const nonce = new Uint8Array([...en1, ...en2]);
    const out = powOutput(chain, powHash, nonce);
    if (meetsTarget(out, target) === hit && (avoid === undefined || !meetsTarget(out, avoid))) {
      return { en2: Buffer.from(en2).toString('hex'), next: i + 1 };
    }
  }
}

let nextSubmitId = 100;

/**
 * Submits from a raw V1 connection (subscribed as id 1, with work) until the pool accepts a
 * share: an ordinary one, or with `block` one that meets the network target. Retries on a
 * newer job (a share may go stale between notify and submit).
 */
async function acceptedShare(c: RawV1, user: string, block = false): Promise<void> {
  const sub = (await c.find((l) => l.id === 1)) as { result: [null, string, number] };
  await c.find((l) => l.method === 'mining.notify');
  await c.find((l) => l.method === 'mining.set_target');
  const latest = (method: string) =>
    [...c.lines].reverse().find((l) => l.method === method) as { params: [string, string] };
  const en1 = new Uint8Array(Buffer.from(sub.result[1], 'hex'));
  let start = 0;
  for (let attempt = 0; attempt < 5; attempt++) {
    const notify = latest('mining.notify');
    const target = block ? NET_TARGET : BigInt(`0x${latest('mining.set_target').params[0]}`);
    const powHash = new Uint8Array(Buffer.from(notify.params[1], 'hex'));
    const g = grind('dev', powHash, en1, sub.result[2], target, true, start, block ? undefined : NET_TARGET);
    start = g.next;
    const id = nextSubmitId++;
    const from = c.lines.length;
    c.send(id, 'mining.submit', [user, notify.params[0], g.en2]);
    const r = await c.find((l) => l.id === id, 10_000, from);
    if (r.result === true) return;
  }
  throw new Error('no share accepted');
}

interface BlocksView {
  blocks: Array<{ worker: string; status: string; height: number | string }>;
}
interface WorkerView {
  name: string;
  acceptedShares: number;
  blocks: number;
  hashrate: Record<string, number>;
  online: { channels: number };
}
/** The pool's workers: the first page holds every worker these tests make. */
const workersOf = async (apiUrl: string): Promise<WorkerView[]> =>
  (await getJson<{ workers: WorkerView[] }>(`${apiUrl}/api/v1/workers?limit=500`)).workers;

describe('V1 → V2 translator end to end (dev chain, pool, translator, CPU miners over real sockets)', () => {
  it('mines blocks the dev chain accepts from a V1 miner (through the translator, after failing over from a dead upstream) and an SV2 miner at once; the pool API shows each worker', async () => {
    const { d, p, tr } = await setup({
      upstreams: async (pool) => [await deadUrl(pool.authorityPubkey), pool.poolUrl],
    });
    const v1 = await miner(tr.v1Url, 'alice.v1');
    const sv2 = await miner(p.poolUrl, 'bob.sv2');
    const accepted = async (worker: string) =>
      (await getJson<BlocksView>(`${p.apiUrl}/api/v1/blocks?limit=1000`)).blocks.filter(
        (b) => b.worker === worker && b.status === 'accepted',
      ).length;
    await until(
      async () => (await accepted('alice.v1')) >= 1 && (await accepted('bob.sv2')) >= 1,
      40_000,
      'blocks from both miners',
    );
    expect(Number(BigInt(d.tip().number))).toBeGreaterThanOrEqual(2);
    expect(tr.stats().upstreamUrl).toBe(p.poolUrl);

    const workers = await workersOf(p.apiUrl);
    const byName = new Map(workers.map((w) => [w.name, w]));
    expect(byName.get('alice.v1')?.acceptedShares).toBeGreaterThan(0);
    expect(byName.get('alice.v1')?.online.channels).toBe(1);
    expect(byName.get('bob.sv2')?.acceptedShares).toBeGreaterThan(0);
    // The V1 miner switched to a channel under its own name: nothing was credited to the translator.
    expect(byName.has('translator')).toBe(false);
    expect(v1.stats().accepted).toBeGreaterThan(0);
    expect(sv2.stats().blocks).toBeGreaterThan(0);

    const metrics = await (await fetch(`${tr.metricsUrl}/metrics`)).text();
    expect(metrics).toMatch(/ckb_translator_shares_total\{outcome="accepted"\} [1-9]/);
    expect((await fetch(`${tr.metricsUrl}/health`)).status).toBe(200);
  }, 60_000);

  it('reports healthy as soon as it holds a pool connection, before any V1 miner arrives', async () => {
    const { tr } = await setup();
    await until(() => tr.stats().upstreamConnected, 10_000, 'the pool connection');
    const res = await fetch(`${tr.metricsUrl}/health`);
    expect(res.status).toBe(200);
    expect(tr.stats().v1Connections).toBe(0);
  }, 30_000);

  it('keeps V1 miners connected through a pool restart: they get new jobs and accepted shares again', async () => {
    const { d, p, pools, tr, secret, ledger } = await setup();
    const m = await miner(tr.v1Url, 'carol.v1');
    await until(() => m.stats().accepted >= 2, 20_000, 'shares before the restart');
    await p.close();
    await until(() => !tr.stats().upstreamConnected, 5_000, 'the translator to notice');
    expect((await fetch(`${tr.metricsUrl}/health`)).status).toBe(503);
    const before = m.stats();
    // A miner that arrives while the pool is away waits for its subscribe answer, then mines.
    const late = await RawV1.connect(tr.v1Url);
    cleanups.push(() => late.close());
    late.send(1, 'mining.subscribe', []);
    late.send(2, 'mining.authorize', ['kim.rig', 'x']);
    await new Promise((r) => setTimeout(r, 300));
    expect(late.lines).toHaveLength(0);
    pools.current = await startTestPool(d, ledger, { secret, sv2Listen: p.sv2Address });
    const lateSub = (await late.find((l) => l.id === 1, 15_000)) as { result: [null, string, number] };
    expect(lateSub.result[1]).toMatch(/^[0-9a-f]{8}$/);
    await late.find((l) => l.method === 'mining.notify', 15_000);
    expect(late.lines[1]).toEqual({ id: 2, result: true, error: null });
    await until(() => m.stats().accepted >= before.accepted + 2, 20_000, 'shares after the restart');
    const after = m.stats();
    expect(after.connections).toBe(1); // the miner's one TCP connection to the translator
    expect(after.jobs).toBeGreaterThan(before.jobs);
    expect(tr.stats().v1Connections).toBe(2);
    expect(tr.stats().upstreamReconnects).toBe(1);
    // Nothing the miner heard as accepted was refused by the pool (the ledger spans both runs).
    await m.close();
    const heard = m.stats().accepted;
    await until(
      async () =>
        ((await workersOf(pools.current.apiUrl)).find((w) => w.name === 'carol.v1')?.acceptedShares ?? 0) >=
        heard,
      5_000,
      'the ledger to hold every share the miner heard accepted',
    );
  }, 60_000);

  it('fails over to the next --upstream when the pool it mines on goes away, keeping its V1 miners', async () => {
    let backupUrl = '';
    const { p, tr } = await setup({
      upstreams: async (first, d) => {
        const t = tempDir();
        cleanups.push(() => t.remove());
        const backup = await startTestPool(d, join(t.dir, 'backup.sqlite'));
        cleanups.push(() => backup.close());
        backupUrl = backup.poolUrl;
        return [first.poolUrl, backup.poolUrl];
      },
    });
    const m = await miner(tr.v1Url, 'lee.v1');
    await until(
      () => m.stats().accepted >= 1 && tr.stats().upstreamUrl === p.poolUrl,
      20_000,
      'shares on the first pool',
    );
    await p.close();
    await until(() => tr.stats().upstreamUrl === backupUrl, 15_000, 'failover to the backup pool');
    const before = m.stats().accepted;
    await until(() => m.stats().accepted > before, 20_000, 'shares on the backup pool');
    expect(m.stats().connections).toBe(1);
  }, 60_000);

  it('fails back to the first --upstream once it passes the hold-down of probes, keeping its V1 miners: they get accepted shares on the first pool and nothing they heard accepted was refused', async () => {
    let backup: RunningPool | null = null;
    const { d, p, pools, tr, secret, ledger } = await setup({
      upstreams: async (first, dev) => {
        const t = tempDir();
        cleanups.push(() => t.remove());
        const b = await startTestPool(dev, join(t.dir, 'backup.sqlite'));
        backup = b;
        cleanups.push(() => b.close());
        return [first.poolUrl, b.poolUrl];
      },
      failback: { probeIntervalMs: 200, healthyProbes: 2 },
    });
    const b = backup as unknown as RunningPool;
    const m = await miner(tr.v1Url, 'mia.v1');
    await until(
      () => m.stats().accepted >= 1 && tr.stats().upstreamUrl === p.poolUrl,
      20_000,
      'shares on the first pool',
    );
    await p.close();
    await until(() => tr.stats().upstreamUrl === b.poolUrl, 15_000, 'failover to the backup pool');
    const onBackup = m.stats().accepted;
    await until(() => m.stats().accepted > onBackup, 20_000, 'shares on the backup pool');
    // Nothing listens on the first URL: its probes fail and the translator stays on the backup.
    await new Promise((r) => setTimeout(r, 700));
    expect(tr.stats().upstreamUrl).toBe(b.poolUrl);
    expect(tr.stats().upstreamFailbacks).toBe(0);

    // The first pool is back, same address and authority key.
    pools.current = await startTestPool(d, ledger, { secret, sv2Listen: p.sv2Address });
    await until(() => tr.stats().upstreamUrl === p.poolUrl, 15_000, 'failback to the first pool');
    const firstAccepted = async () =>
      (await workersOf(pools.current.apiUrl)).find((w) => w.name === 'mia.v1')?.acceptedShares ?? 0;
    const before = await firstAccepted();
    await until(async () => (await firstAccepted()) > before, 20_000, 'shares on the first pool again');
    expect(m.stats().connections).toBe(1); // the miner's one TCP connection to the translator
    expect(tr.stats().v1Connections).toBe(1);
    expect(tr.stats().upstreamFailbacks).toBe(1);
    expect(tr.stats().upstreamReconnects).toBe(1); // the failover; the failback lost no connection
    const metrics = await (await fetch(`${tr.metricsUrl}/metrics`)).text();
    expect(metrics).toMatch(/ckb_translator_upstream_failbacks_total 1\n/);
    // The hold-down: two healthy probes, the second of which became the mining connection.
    expect(metrics).toMatch(/ckb_translator_upstream_probes_total\{outcome="ok"\} 2\n/);
    expect(metrics).toMatch(/ckb_translator_upstream_probes_total\{outcome="failed"\} [1-9]/);
    // The backup connection is closed once its shares in flight were answered.
    await until(
      async () => (await b.metrics.connections.get()).values[0]?.value === 0,
      20_000,
      'the backup connection to close',
    );

    // Nothing the miner heard as accepted was refused: both ledgers hold at least that many,
    // but for the shares the translator accepted itself (they met the miner's own target, not
    // its channel's, and were never sent to a pool).
    await m.close();
    const heard = m.stats().accepted - tr.stats().acceptedLocally;
    const ledgerTotal = async () => {
      let n = 0;
      for (const url of [pools.current.apiUrl, b.apiUrl]) {
        n += (await workersOf(url)).find((w) => w.name === 'mia.v1')?.acceptedShares ?? 0;
      }
      return n;
    };
    await until(
      async () => (await ledgerTotal()) >= heard,
      5_000,
      'the ledgers to hold every share the miner heard accepted',
    );
  }, 90_000);

  it('speaks CKB Stratum V1 exactly: pipelined requests with id 0 answered in order before the set_target and notify they trigger; submit verdicts and error codes', async () => {
    // A fixed difficulty: vardiff must not make the "low" share below acceptable meanwhile.
    const fixed = {
      minDifficulty: 256,
      maxDifficulty: 256,
      initialDifficulty: 256,
      targetShareIntervalSeconds: 1,
    };
    const { tr } = await setup({ pool: { vardiff: fixed } });
    const c = await RawV1.connect(tr.v1Url);
    cleanups.push(() => c.close());
    c.write(
      [
        { id: 0, method: 'mining.subscribe', params: ['cgminer/4.11', null] },
        { id: 0, method: 'mining.extranonce.subscribe', params: [] },
        { id: 0, method: 'mining.authorize', params: ['dave.rig1', 'x'] },
        { id: 0, method: 'mining.suggest_difficulty', params: [1024] },
        { id: 0, method: 'mining.suggest_target', params: ['00'.repeat(32)] },
      ]
        .map((r) => `${JSON.stringify(r)}\n`)
        .join(''),
    );
    await c.find((l) => l.method === 'mining.notify');
    const lines = c.lines;
    const sub = lines[0] as { id: number; result: [null, string, number]; error: null };
    expect(sub.id).toBe(0);
    expect(sub.error).toBeNull();
    expect(sub.result[0]).toBeNull();
    expect(sub.result[1]).toMatch(/^[0-9a-f]{8}$/);
    expect(sub.result[2]).toBe(12);
    expect(sub.result[1].length / 2 + sub.result[2]).toBe(16);
    for (const l of lines.slice(1, 5)) expect(l).toEqual({ id: 0, result: true, error: null });
    // Notifications come only after the answers; the miner switched to its named channel.
    const firstNote = lines.findIndex((l) => l.method !== undefined);
    expect(firstNote).toBe(5);
    const en1Line = [...lines].reverse().find((l) => l.method === 'mining.set_extranonce') as
      | { params: [string, number] }
      | undefined;
    const en1Hex = en1Line ? en1Line.params[0] : sub.result[1];
    const setTarget = [...lines].reverse().find((l) => l.method === 'mining.set_target') as {
      params: string[];
    };
    expect(setTarget.params).toHaveLength(1);
    expect(setTarget.params[0]).toMatch(/^[0-9a-f]{64}$/);
    const notify = [...lines].reverse().find((l) => l.method === 'mining.notify') as {
      id: null;
      params: [string, string, number, string, boolean];
    };
    expect(notify.id).toBeNull();
    expect(notify.params).toHaveLength(5);
    const [jobId, powHashHex, height, parentHex, clean] = notify.params;
    expect(jobId).toMatch(/^[0-9a-f]{1,8}$/);
    expect(powHashHex).toMatch(/^[0-9a-f]{64}$/);
    expect(Number.isInteger(height)).toBe(true);
    expect(parentHex).toMatch(/^[0-9a-f]{64}$/);
    expect(typeof clean).toBe('boolean');

    const target = BigInt(`0x${setTarget.params[0]}`);
    const powHash = new Uint8Array(Buffer.from(powHashHex, 'hex'));
    const en1 = new Uint8Array(Buffer.from(en1Hex, 'hex'));
    const answer = async (id: number, params: unknown[]) => {
      const from = c.lines.length;
      c.send(id, 'mining.submit', params);
      return c.find((l) => l.id === id && l.method === undefined, 10_000, from);
    };
    // Never a block by chance: that would advance the chain and make the checks below stale.
    const good = grind('dev', powHash, en1, 12, target, true, 0, NET_TARGET);
    // Tolerate a new block between notify and submit: then the share is stale (21), try again.
    let r = await answer(0, ['dave.rig1', jobId, good.en2]);
    expect(r.id).toBe(0);
    if (r.result !== true) expect((r.error as unknown[])[0]).toBe(21);
    else {
      const dup = await answer(0, ['dave.rig1', jobId, good.en2]);
      expect(dup.error).toEqual([22, expect.any(String), null]);
    }
    const low = grind('dev', powHash, en1, 12, target, false, good.next);
    r = await answer(11, ['dave.rig1', jobId, low.en2]);
    expect(r).toEqual({ id: 11, result: false, error: [23, expect.any(String), null] });
    r = await answer(12, ['dave.rig1', jobId, 'abcd']);
    expect((r.error as unknown[])[0]).toBe(27);
    r = await answer(13, ['dave.rig1', 'ffffffff', good.en2]);
    expect((r.error as unknown[])[0]).toBe(21);
    r = await answer(14, ['dave.rig1']);
    expect((r.error as unknown[])[0]).toBe(27);

    // A connection that has not subscribed (25) or not authorized (24).
    const fresh = await RawV1.connect(tr.v1Url);
    cleanups.push(() => fresh.close());
    fresh.send(1, 'mining.submit', ['x.y', jobId, good.en2]);
    expect(await fresh.find((l) => l.id === 1)).toEqual({
      id: 1,
      result: false,
      error: [25, expect.any(String), null],
    });
    fresh.send(2, 'mining.subscribe', []);
    await fresh.find((l) => l.id === 2);
    fresh.send(3, 'mining.submit', ['x.y', jobId, good.en2]);
    expect(await fresh.find((l) => l.id === 3)).toEqual({
      id: 3,
      result: false,
      error: [24, expect.any(String), null],
    });
  });

  it('answers malformed JSON and unknown methods with errors, closes on oversized lines, and never disturbs other miners', async () => {
    const { tr } = await setup();
    const m = await miner(tr.v1Url, 'erin.v1');
    await until(() => m.stats().accepted >= 1, 20_000, 'the good miner to mine');

    const bad = await RawV1.connect(tr.v1Url);
    cleanups.push(() => bad.close());
    bad.write('this is not json\n');
    expect(await bad.find(() => true)).toEqual({
      id: null,
      result: null,
      error: [20, expect.any(String), null],
    });
    bad.send(5, 'mining.nope', []);
    expect(await bad.find((l) => l.id === 5)).toEqual({
      id: 5,
      result: null,
      error: [26, expect.any(String), null],
    });
    bad.write('{"id":6,"method":"mining.subscribe","params":{"not":"a list"}}\n');
    expect(await bad.find((l) => l.id === 6)).toMatchObject({ id: 6, result: null });
    // Still usable after all that.
    bad.send(7, 'mining.subscribe', []);
    expect(await bad.find((l) => l.id === 7)).toMatchObject({ id: 7, error: null });

    const big = await RawV1.connect(tr.v1Url);
    cleanups.push(() => big.close());
    big.write('{"id":1,"method":"mining.subscribe","params":["'.padEnd(10_000, 'x'));
    await big.until(() => big.closed, 10_000, 'the oversized connection to close');

    const before = m.stats().accepted;
    await until(() => m.stats().accepted > before, 20_000, 'the good miner to keep mining');
    expect(m.stats().connections).toBe(1);
    expect(bad.closed).toBe(false);
  });

  it('credits a miner without mining.extranonce.subscribe by name whether it pipelines authorize behind subscribe or mines on the translator channel (0x4CCB DeclareWorker)', async () => {
    const fixed = {
      minDifficulty: 16,
      maxDifficulty: 16,
      initialDifficulty: 16,
      targetShareIntervalSeconds: 1,
    };
    const { p, tr } = await setup({ pool: { vardiff: fixed } });
    const pipelined = await RawV1.connect(tr.v1Url);
    cleanups.push(() => pipelined.close());
    pipelined.write(
      `${JSON.stringify({ id: 1, method: 'mining.subscribe', params: [] })}\n${JSON.stringify({ id: 2, method: 'mining.authorize', params: ['ivy.rig', 'x'] })}\n`,
    );
    await acceptedShare(pipelined, 'ivy.rig');
    const waiting = await RawV1.connect(tr.v1Url);
    cleanups.push(() => waiting.close());
    waiting.send(1, 'mining.subscribe', []);
    await waiting.find((l) => l.id === 1);
    waiting.send(2, 'mining.authorize', ['jay.rig', 'x']);
    await acceptedShare(waiting, 'jay.rig');
    for (const c of [pipelined, waiting]) {
      expect(c.lines.some((l) => l.method === 'mining.set_extranonce')).toBe(false);
    }
    const names = async () => (await workersOf(p.apiUrl)).map((w) => w.name);
    await until(async () => (await names()).length >= 2, 5_000, 'both in the ledger');
    // jay.rig mines on the channel opened as `translator`, declared there under its own name:
    // credited as it authorized, not inside the translator's account (0x0002 would say
    // `translator.jay.rig`).
    expect((await names()).sort()).toEqual(['ivy.rig', 'jay.rig']);
  });

  it('credits a V1 miner that authorizes after subscribe and never sends mining.extranonce.subscribe under its own name: shares, hashrate and its block (0x4CCB DeclareWorker)', async () => {
    const fixed = {
      minDifficulty: 16,
      maxDifficulty: 16,
      initialDifficulty: 16,
      targetShareIntervalSeconds: 1,
    };
    // The farm's translator mines under the farm's account; so do its miners.
    const { p, tr } = await setup({ pool: { vardiff: fixed }, userIdentity: 'farm.proxy' });
    await until(() => tr.upstream.workerHashrate, 10_000, 'extension 0x0002 negotiated');
    const c = await RawV1.connect(tr.v1Url);
    cleanups.push(() => c.close());
    c.send(1, 'mining.subscribe', []);
    await c.find((l) => l.id === 1);
    c.send(2, 'mining.authorize', ['farm.rig7', 'x']);
    await acceptedShare(c, 'farm.rig7');
    await acceptedShare(c, 'farm.rig7');
    await acceptedShare(c, 'farm.rig7', true);
    expect(c.lines.some((l) => l.method === 'mining.set_extranonce')).toBe(false);

    const rig7 = () => getJson<WorkerView>(`${p.apiUrl}/api/v1/workers/farm.rig7`);
    await until(
      async () => (await rig7()).acceptedShares >= 3 && (await rig7()).blocks >= 1,
      5_000,
      'the shares and the block in the ledger',
    );
    const w = await rig7();
    expect(w.hashrate['10m']).toBeGreaterThan(0);
    // The channel itself is open under farm.proxy, but nothing is credited to it.
    const workers = await workersOf(p.apiUrl);
    expect(workers.map((x) => x.name)).toEqual(['farm.rig7']);
    const blocks = await getJson<BlocksView>(`${p.apiUrl}/api/v1/blocks`);
    expect(blocks.blocks.map((b) => b.worker)).toEqual(['farm.rig7']);
  });

  it('aggregated mode gives each V1 miner two bytes of one shared channel and relays their shares, each credited to its miner (0x4CCB DeclareWorker)', async () => {
    const { p, tr } = await setup({ mode: 'aggregated' });
    const a = await RawV1.connect(tr.v1Url);
    const b = await RawV1.connect(tr.v1Url);
    cleanups.push(
      () => a.close(),
      () => b.close(),
    );
    a.send(1, 'mining.subscribe', []);
    b.send(1, 'mining.subscribe', []);
    const ra = (await a.find((l) => l.id === 1)) as { result: [null, string, number] };
    const rb = (await b.find((l) => l.id === 1)) as { result: [null, string, number] };
    expect(ra.result[1]).toMatch(/^[0-9a-f]{12}$/);
    expect(ra.result[2]).toBe(10);
    expect(ra.result[1].slice(0, 8)).toBe(rb.result[1].slice(0, 8));
    expect(ra.result[1]).not.toBe(rb.result[1]);
    const m = await miner(tr.v1Url, 'frank.v1');
    await until(() => m.stats().accepted >= 2, 20_000, 'aggregated shares accepted');
    // One channel under the translator's identity carries every miner's shares, each declared
    // under the name its miner authorized as (the ledger flushes on a timer).
    await until(
      async () => ((await workersOf(p.apiUrl)).find((w) => w.name === 'frank.v1')?.acceptedShares ?? 0) > 0,
      5_000,
      'the shares in the ledger',
    );
    const workers = await workersOf(p.apiUrl);
    expect(workers.map((w) => w.name)).not.toContain('translator');
    expect(workers.map((w) => w.name)).not.toContain('translator.frank.v1');
  });
});
