import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HonestSv2, HonestV1 } from './honest.js';
import {
  type Figure,
  fetchText,
  metricValue,
  prepareAttack,
  printFigures,
  type Stack,
  startStack,
} from './stack.js';
import { checkSurvival, HONEST_INTERVAL_MS, onLinux } from './survival.js';

/**
 * The attacks of issue 13 on the translator, whose one pool connection carries every V1 miner:
 * a miner replaying a share, a miner churning mining.authorize, one IP (then several) filling
 * the translator with idle connections, and the pool itself full of another peer's channels.
 * `ckb-pool translate` and `ckb-pool serve` run as processes with the limits below; an honest
 * SV2 miner on the pool and an honest V1 miner behind the translator submit 10 shares/s
 * throughout, and must see p99 < 500 ms and no disconnect. The translator's pool connection
 * must never be lost (`ckb_translator_upstream_disconnects_total` stays 0).
 */

const TRANSLATOR_RSS_BOUND_MB = 300;

const TRANSLATOR_LIMITS = {
  v1: {
    maxConnections: 300,
    maxConnectionsPerIp: 100,
    idleTimeoutMs: 8_000,
    maxAuthorizes: 8,
    maxMessagesPerSecond: 20,
    maxMessageBurst: 200,
  },
  upstream: { maxMessagesPerSecond: 500, maxMessageBurst: 2_000 },
};
const POOL_LIMITS = {
  sv2: { maxChannelsPerConnection: 1_000 },
  limits: { maxChannels: 2_500, maxChannelsPerIp: 2_500 },
};

let stack: Stack;
let sv2: HonestSv2;
let v1: HonestV1;
const figures: Figure[] = [];

const survived = (attack: string, size: string, limitedBy: string) =>
  checkSurvival(
    { stack, sv2, v1, figures, rssBoundMb: TRANSLATOR_RSS_BOUND_MB, target: 'translator' },
    { attack, size, limitedBy },
  );

async function tr(name: string, labels: Record<string, string> = {}): Promise<number> {
  return metricValue(await stack.translatorMetrics(), name, labels);
}

async function health(): Promise<{ status: number; reasons: string[] }> {
  const r = await fetch(`${stack.translatorMetricsUrl}/health`);
  const body = (await r.json()) as { reasons: string[] };
  return { status: r.status, reasons: body.reasons };
}

function expectUpstreamKept(): Promise<void> {
  return tr('ckb_translator_upstream_disconnects_total').then((n) =>
    expect(n, 'the translator lost its pool connection').toBe(0),
  );
}

describe.skipIf(!onLinux)('the translator under abuse (separate processes, honest miners throughout)', () => {
  beforeAll(async () => {
    stack = await startStack({ pool: POOL_LIMITS, translator: TRANSLATOR_LIMITS });
    sv2 = await HonestSv2.start(stack.sv2Address, stack.authority, HONEST_INTERVAL_MS);
    v1 = await HonestV1.start(stack.v1Url, { intervalMs: HONEST_INTERVAL_MS });
  }, 90_000);

  afterAll(async () => {
    await sv2?.stop();
    await v1?.stop();
    await stack?.stop();
    printFigures('Translator abuse suite (translator.abuse.test.ts)', figures);
  }, 60_000);

  it('answers a replayed share locally as a duplicate and closes the miner at its budget; the pool never sees it twice', async () => {
    const replay = await prepareAttack<{ sent: number; answers: Record<string, number>; closed: boolean }>(
      'v1-duplicates',
      { v1Url: stack.v1Url, localAddress: '127.0.0.2', count: 2_000 },
    );
    sv2.reset();
    v1.reset();
    const r = await replay.go();
    expect(r.closed).toBe(true);
    // Answers queued behind the first share's pool verdict die with the connection; the
    // translator's metric counts what it refused.
    expect(await tr('ckb_translator_shares_total', { outcome: 'duplicate-share' })).toBeGreaterThan(100);
    expect(await tr('ckb_translator_connections_rejected_total', { reason: 'messages' })).toBe(1);
    const pool = await stack.poolMetrics();
    expect(metricValue(pool, 'ckb_pool_shares_total', { outcome: 'duplicate-share' })).toBe(0);
    await expectUpstreamKept();
    await survived(
      'V1 share replay',
      `${r.sent} copies of one share on 1 connection`,
      'duplicate (local), messages',
    );
  }, 60_000);

  it('closes a miner that churns mining.authorize, without opening or closing pool channels for it', async () => {
    const churn = await prepareAttack<{ sent: number; answers: Record<string, number>; closed: boolean }>(
      'v1-authorize-churn',
      { v1Url: stack.v1Url, localAddress: '127.0.0.3', count: 200 },
    );
    sv2.reset();
    v1.reset();
    const opens0 = await tr('ckb_translator_upstream_channel_opens_total');
    const r = await churn.go();
    expect(r.closed).toBe(true);
    expect(r.answers.ok).toBe(1 + 1 + 8); // subscribe, extranonce.subscribe, 8 authorizes
    expect(await tr('ckb_translator_connections_rejected_total', { reason: 'authorize_churn' })).toBe(1);
    // One channel for the subscribe and at most one under the first authorized name.
    expect((await tr('ckb_translator_upstream_channel_opens_total')) - opens0).toBeLessThanOrEqual(2);
    await expectUpstreamKept();
    await survived(
      'V1 authorize churn',
      `${r.sent} authorizes with new names on 1 connection`,
      'authorize_churn',
    );
  }, 60_000);

  it('turns away connections beyond the per-IP and total caps with an error line, says so on /health, and frees idle ones', async () => {
    type Fill = {
      perAddress: Record<string, { attempted: number; admitted: number; refusals: string[] }>;
      newcomer: string | null;
      openAtEnd: number;
    };
    const filler = await prepareAttack<Fill>('v1-fill', {
      v1Url: stack.v1Url,
      localAddresses: ['127.0.0.4', '127.0.0.5', '127.0.0.6'],
      perAddress: 120,
      newcomerAddress: '127.0.0.7',
      waitMs: 20_000,
    });
    sv2.reset();
    v1.reset();
    const fill = filler.go();
    // While full, /health says so.
    let full = await health();
    const end = Date.now() + 60_000;
    while (full.status === 200 && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 100));
      full = await health();
    }
    expect(full.status).toBe(503);
    expect(full.reasons.join(' ')).toMatch(/full: 300 V1 connections/);
    const f = await fill;
    const [a, b, c] = Object.values(f.perAddress) as Array<{ admitted: number; refusals: string[] }>;
    // 100 per address at most; the third address meets the total (300, the honest miner holds one).
    expect(a?.admitted, JSON.stringify(f)).toBe(100);
    expect(b?.admitted).toBe(100);
    expect(c?.admitted).toBe(99);
    expect(a?.refusals).toEqual(['translator full for your address: too many connections from it']);
    expect(c?.refusals).toEqual(['translator full: too many connections']);
    expect(f.newcomer).toBe('translator full: too many connections');
    expect(f.openAtEnd, 'idle connections are closed after v1.idleTimeoutMs').toBe(0);
    expect(await tr('ckb_translator_connections_rejected_total', { reason: 'per_ip' })).toBe(40);
    expect(await tr('ckb_translator_connections_rejected_total', { reason: 'total' })).toBe(22);
    expect(await tr('ckb_translator_connections_rejected_total', { reason: 'idle' })).toBe(299);
    // Room again: ready, and a new miner from a fresh address gets work.
    expect((await health()).status).toBe(200);
    const late = await HonestV1.start(stack.v1Url, { user: 'late.v1', localAddress: '127.0.0.8' });
    await late.stop();
    await expectUpstreamKept();
    await survived(
      'V1 connection fill',
      '3 IPs × 120 idle subscribed connections + 1 newcomer',
      'per_ip, total, idle',
    );
  }, 120_000);

  it('tells new V1 miners that the pool is full and reports not ready, until the pool has room again', async () => {
    const poolFiller = await prepareAttack<{ seen: Record<string, number> }>('sv2-channels', {
      address: stack.sv2Address,
      authority: stack.authority,
      localAddress: '127.0.0.9',
      perConnection: [1_000, 1_000, 1_000],
      distinctNames: false,
      holdMs: 5_000,
    });
    sv2.reset();
    v1.reset();
    const filler = poolFiller.go();
    const end = Date.now() + 20_000;
    while (metricValue(await stack.poolMetrics(), 'ckb_pool_channels') < 2_500 && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 100));
    }
    await expect(
      HonestV1.start(stack.v1Url, { user: 'newcomer', localAddress: '127.0.0.10' }),
    ).rejects.toThrow(/pool is full/);
    const h = await health();
    expect(h.status).toBe(503);
    expect(h.reasons.join(' ')).toMatch(/pool refuses new channels \(channel-capacity-exhausted\)/);
    const f = await filler;
    expect(f.seen['error:channel-capacity-exhausted'] ?? 0).toBeGreaterThan(0);
    const freed = Date.now() + 10_000;
    while (metricValue(await stack.poolMetrics(), 'ckb_pool_channels') > 100 && Date.now() < freed) {
      await new Promise((r) => setTimeout(r, 100));
    }
    // The filler left: the next miner gets a channel, and /health is ready again.
    const late = await HonestV1.start(stack.v1Url, { user: 'late.v1', localAddress: '127.0.0.10' });
    await late.stop();
    expect((await health()).status).toBe(200);
    await expectUpstreamKept();
    await survived(
      'pool full of another peer’s channels',
      '3,000 SV2 channel opens from one IP',
      'channels_total (pool)',
    );
  }, 90_000);

  it('serves the translator metrics throughout', async () => {
    expect(await fetchText(`${stack.translatorMetricsUrl}/metrics`)).toContain(
      'ckb_translator_connections_rejected_total',
    );
  });
});
