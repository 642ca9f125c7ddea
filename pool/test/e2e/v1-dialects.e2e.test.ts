import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compactToTarget, targetToDifficulty } from '../../src/ckb/target.js';
import type { Devnet } from '../../src/devnet/index.js';
import type { RunningPool } from '../../src/pool/server.js';
import { type RunningTranslator, startTranslator } from '../../src/translator/translator.js';
import {
  E2E_NET_COMPACT,
  getJson,
  silent,
  startTestDevnet,
  startTestPool,
  tempDir,
  until,
} from './harness.js';
import { type Fixture, loadFixture, replay } from './v1-replay.js';

/**
 * Each recorded V1 conversation of real CKB miner firmware (v1-dialects/*.jsonl, with the
 * public sources it was reconstructed from in its header) replayed against a real translator
 * on a dev pool: every line the translator sends must have the bytes the firmware parses, and
 * the shares, mined to the target as that firmware reads it, must be accepted by the pool.
 */

const DIR = join(import.meta.dirname, 'v1-dialects');
const fixtures: Fixture[] = readdirSync(DIR)
  .filter((f) => f.endsWith('.jsonl'))
  .sort()
  .map((f) => loadFixture(join(DIR, f)));

/**
 * The translator guesses each miner's difficulty at 64, or at up to 1024 for a miner whose
 * dialect declares a hashrate, and starts it 16× easier than the guess (`guessMargin`, the
 * default); a miner that suggests a difficulty starts there. Then it is measured first, at 8×
 * the aimed share rate (`measureRate`, the default): its first target is 8× easier still, at
 * least difficulty 1. The pool's channels sit at difficulty 1, so every share the miner finds at
 * its own target is forwarded and credited.
 */
const INITIAL_DIFFICULTY = 64;
const MAX_DIFFICULTY = 1024;
const MARGIN = 16;
const MEASURE = 8;
const measured = (d: number) => Math.max(1, d / MEASURE);
/** The difficulty each dialect's miner must start at (declared hashrate × 1 s, clamped, ÷ 16, ÷ 8). */
const START: Record<string, number> = {
  ckb: measured(INITIAL_DIFFICULTY / MARGIN),
  'antminer-k7': measured(MAX_DIFFICULTY / MARGIN),
  goldshell: measured(512), // its mining.suggest_difficulty 512 (btcpool scale ≈ CKB's), sent before authorize
  nerdminer: measured(MAX_DIFFICULTY / MARGIN), // forced at authorize, before its first target: 2^16 H/s × 1 s
  ckbminer: measured(MAX_DIFFICULTY / MARGIN),
};

let devnet: Devnet;
let pool: RunningPool;
let tr: RunningTranslator;
const cleanups: Array<() => Promise<void> | void> = [];

beforeAll(async () => {
  devnet = await startTestDevnet();
  cleanups.push(() => devnet.close());
  const t = tempDir();
  cleanups.push(() => t.remove());
  pool = await startTestPool(devnet, join(t.dir, 'ledger.sqlite'), {
    extra: {
      vardiff: {
        minDifficulty: 1,
        initialDifficulty: 1,
        maxDifficulty: 1,
        targetShareIntervalSeconds: 1,
        retargetPeriodSeconds: 600,
      },
    },
  });
  cleanups.push(() => pool.close());
  tr = await startTranslator({
    listen: '127.0.0.1:0',
    upstreams: [pool.poolUrl],
    chain: 'dev',
    metricsListen: null,
    log: silent,
    vardiff: {
      startDifficulty: INITIAL_DIFFICULTY,
      minDifficulty: 1,
      maxDifficulty: MAX_DIFFICULTY,
      targetShareIntervalSeconds: 1,
      retargetPeriodSeconds: 600,
    },
    dialectPorts: fixtures
      .filter((f) => f.header.connect === 'port')
      .map((f) => ({ listen: '127.0.0.1:0', dialect: f.header.dialect })),
  });
  cleanups.push(() => tr.close());
});

afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const networkTarget = compactToTarget(E2E_NET_COMPACT);

describe('V1 dialects: recorded conversations replayed against translator and dev pool', () => {
  it('has a fixture for every dialect, each citing its sources', () => {
    expect([...new Set(fixtures.map((f) => f.header.dialect))].sort()).toEqual(Object.keys(START).sort());
    for (const f of fixtures) expect(f.header.sources.length).toBeGreaterThan(0);
  });

  for (const f of fixtures) {
    it(`${f.header.fixture}: answers byte for byte as the firmware parses, and the pool accepts its shares`, async () => {
      const url =
        f.header.connect === 'port'
          ? (tr.dialectPorts.find((p) => p.dialect === f.header.dialect)?.url as string)
          : tr.v1Url;
      const r = await replay(f, url, { chain: 'dev', networkTarget });
      const en1 = r.vars.get('en1') as string;
      const en2Size = Number(r.vars.get('en2size'));
      if (f.header.checks.includes('nonce-16-bytes')) {
        // godminer's rule, and CKB's nonce: extranonce1 + extranonce2 = 16 bytes, 4 ≤ size ≤ 15.
        expect(en1.length / 2 + en2Size).toBe(16);
        expect(en2Size).toBeGreaterThanOrEqual(4);
        expect(en2Size).toBeLessThanOrEqual(15);
      }
      // The firmware's reading of its target is the translator's target for it (never easier),
      // at the start difficulty this dialect declares.
      const d = Number(targetToDifficulty(r.minerTarget));
      expect(d).toBeGreaterThanOrEqual(START[f.header.dialect] as number);
      expect(d).toBeLessThan((START[f.header.dialect] as number) * 1.001);
    });
  }

  it('credits the miners that never send mining.extranonce.subscribe under their own names', async () => {
    const names = () =>
      getJson<{ workers: Array<{ name: string; acceptedShares: number }> }>(
        `${pool.apiUrl}/api/v1/workers`,
      ).then((w) => w.workers.filter((x) => x.acceptedShares > 0).map((x) => x.name));
    await until(async () => (await names()).includes('carol.cpu'), 10_000, 'carol credited');
    const credited = await names();
    // Each is declared on the translator's channel under the name it authorized as (0x4CCB
    // DeclareWorker, README "Names on shares"), not filed under the translator's account.
    expect(credited).toEqual(
      expect.arrayContaining([
        'alice.k7',
        'carol.cpu',
        'dave.rig',
        // ckbminer-authorize-first.jsonl: authorized before it subscribed.
        'ckb1qyqznmjpc30dw337h20l9ukkmlrfkhycgtes0p7lll.bob',
      ]),
    );
    expect(credited.filter((n) => n.startsWith('translator'))).toEqual([]);
  });
});
