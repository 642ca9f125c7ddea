import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HonestSv2, HonestV1 } from './honest.js';
import {
  cpuSeconds,
  type Figure,
  memoryMb,
  metricValue,
  prepareAttack,
  printFigures,
  type Stack,
  startStack,
} from './stack.js';
import { checkSurvival, HONEST_INTERVAL_MS, onLinux } from './survival.js';

/**
 * The attacks of issue 13 on the pool, replayed at the scale of the limits below (enough to hit
 * each cap, small enough for a 2-core machine in seconds), against `ckb-pool serve` in its own
 * process, with an honest SV2 miner on the pool and an honest V1 miner behind the translator
 * submitting 10 shares/s each throughout. After every attack: the pool still runs, its peak RSS
 * is under POOL_RSS_BOUND_MB, the honest miners' p99 answer time is under 500 ms and neither
 * was disconnected, and the attacker was refused or closed under the limit's metric label.
 */

const POOL_RSS_BOUND_MB = 400;

/** The suite's limits: the production ones scaled down so a few thousand messages reach them. */
const LIMITS = {
  sv2: { maxChannelsPerConnection: 500 },
  limits: {
    maxChannelsPerIp: 1_500,
    maxChannels: 2_500,
    maxWorkerNamesPerConnection: 400,
    maxWorkerNamesPerIp: 1_000,
    maxMessagesPerSecond: 2_000,
    maxMessageBurst: 4_000,
    maxMessagesPerSecondPerIp: 3_000,
    maxMessageBurstPerIp: 6_000,
    frameTimeoutMs: 2_000,
    maxPendingFrameBytes: 1_048_576,
  },
};

let stack: Stack;
let sv2: HonestSv2;
let v1: HonestV1;
const figures: Figure[] = [];

const target = (localAddress: string) => ({
  address: stack.sv2Address,
  authority: stack.authority,
  localAddress,
});

async function rejected(reason: string): Promise<number> {
  return metricValue(await stack.poolMetrics(), 'ckb_pool_connections_rejected_total', { reason });
}

const survived = (attack: string, size: string, limitedBy: string) =>
  checkSurvival({ stack, sv2, v1, figures, rssBoundMb: POOL_RSS_BOUND_MB }, { attack, size, limitedBy });

describe.skipIf(!onLinux)('the pool under abuse (separate processes, honest miners throughout)', () => {
  beforeAll(async () => {
    stack = await startStack({ pool: LIMITS });
    sv2 = await HonestSv2.start(stack.sv2Address, stack.authority, HONEST_INTERVAL_MS);
    v1 = await HonestV1.start(stack.v1Url, { intervalMs: HONEST_INTERVAL_MS });
  }, 90_000);

  afterAll(async () => {
    await sv2?.stop();
    await v1?.stop();
    await stack?.stop();
    printFigures('Pool abuse suite (pool.abuse.test.ts)', figures);
  }, 60_000);

  it('caps the channels of one IP per connection, per IP and in total, and idle channels cost no CPU', async () => {
    type Channels = { sent: number; seen: Record<string, number>; setTargetsWhileIdle: number };
    const cpu0 = cpuSeconds(stack.pool.pid);
    await new Promise((r) => setTimeout(r, 4_000));
    const baselineCpu = cpuSeconds(stack.pool.pid) - cpu0;
    // 127.0.0.11: one connection asks for 600 (cap 500 per connection). 127.0.0.2: four
    // connections ask for 2,000 (cap 1,500 per IP). Then 127.0.0.3 asks for 1,500 more, past
    // the pool-wide 2,500, while the others hold theirs.
    const perConnection = await prepareAttack<Channels>('sv2-channels', {
      ...target('127.0.0.11'),
      perConnection: [600],
      distinctNames: false,
      holdMs: 9_000,
    });
    const perIp = await prepareAttack<Channels>('sv2-channels', {
      ...target('127.0.0.2'),
      perConnection: [500, 500, 500, 500],
      distinctNames: false,
      holdMs: 9_000,
    });
    const total = await prepareAttack<Channels>('sv2-channels', {
      ...target('127.0.0.3'),
      perConnection: [500, 500, 500],
      distinctNames: false,
      holdMs: 4_000,
    });
    sv2.reset();
    v1.reset();
    const [c, a, b] = await Promise.all([
      perConnection.go(),
      perIp.go(),
      (async () => {
        await new Promise((r) => setTimeout(r, 3_000));
        const cpuBefore = cpuSeconds(stack.pool.pid);
        return { ...(await total.go()), cpuBefore };
      })(),
    ]);
    expect(c.seen.OpenStandardMiningChannelSuccess).toBe(500);
    expect(await rejected('channels_per_connection')).toBe(100);
    expect(a.seen.OpenStandardMiningChannelSuccess).toBe(1_500);
    expect(await rejected('channels_per_ip')).toBe(500);
    // Honest miners (1 SV2 channel, 1 translator channel) hold 2 of the 2,500.
    expect(b.seen.OpenStandardMiningChannelSuccess).toBe(2_500 - 2 - 2_000);
    expect(await rejected('channels_total')).toBe(1_500 - 498);
    // Thousands of idle channels: no SetTarget to any, and no more CPU than before the attack.
    expect(a.setTargetsWhileIdle + b.setTargetsWhileIdle + c.setTargetsWhileIdle).toBe(0);
    const idleCpu = cpuSeconds(stack.pool.pid) - b.cpuBefore;
    expect(idleCpu, `pool CPU s with 2,498 idle channels vs ${baselineCpu.toFixed(2)} s before`).toBeLessThan(
      baselineCpu * 2 + 1.5,
    );
    await survived(
      'channels from three IPs',
      `${a.sent + b.sent + c.sent} opens on 8 connections`,
      'channels_per_connection, channels_per_ip, channels_total',
    );
  }, 90_000);

  it('caps distinct worker names per connection and per IP', async () => {
    type Names = { sent: number; seen: Record<string, number> };
    // 127.0.0.5: one connection asks for 450 names (cap 400 per connection). 127.0.0.12: three
    // connections ask for 400 each (cap 1,000 per IP).
    const oneConnection = await prepareAttack<Names>('sv2-channels', {
      ...target('127.0.0.5'),
      perConnection: [450],
      distinctNames: true,
      holdMs: 500,
    });
    const oneIp = await prepareAttack<Names>('sv2-channels', {
      ...target('127.0.0.12'),
      perConnection: [400, 400, 400],
      distinctNames: true,
      holdMs: 500,
    });
    sv2.reset();
    v1.reset();
    const [c, ip] = await Promise.all([oneConnection.go(), oneIp.go()]);
    expect(c.seen.OpenStandardMiningChannelSuccess).toBe(400);
    expect(c.seen['error:too-many-worker-names']).toBe(50);
    expect(await rejected('worker_names_per_connection')).toBe(50);
    expect(ip.seen.OpenStandardMiningChannelSuccess).toBe(1_000);
    expect(ip.seen['error:too-many-worker-names']).toBe(200);
    expect(await rejected('worker_names_per_ip')).toBe(200);
    await survived(
      'distinct worker names',
      `${c.sent + ip.sent} channel names on 4 connections of 2 IPs`,
      'worker_names_per_connection (50), worker_names_per_ip (200)',
    );
  }, 60_000);

  it('closes the connections of one IP whose flood together exceeds the per-IP rate, and a single flooding connection', async () => {
    type Flood = { sent: number; closes: Record<string, number> };
    const spreadAttack = await prepareAttack<Flood>('sv2-flood', {
      ...target('127.0.0.4'),
      connections: 10,
      perConnection: 3_000,
    });
    const singleAttack = await prepareAttack<Flood>('sv2-flood', {
      ...target('127.0.0.6'),
      connections: 1,
      perConnection: 20_000,
    });
    sv2.reset();
    v1.reset();
    const [spread, single] = await Promise.all([spreadAttack.go(), singleAttack.go()]);
    // The attacker only sees its connections closed (or reset mid-write); the pool's metric
    // names why.
    const spreadClosed = 10 - (spread.closes.open ?? 0);
    expect(spreadClosed, JSON.stringify(spread)).toBeGreaterThan(0);
    expect(await rejected('messages_per_ip')).toBe(spreadClosed);
    expect(single.closes.open ?? 0, JSON.stringify(single)).toBe(0);
    expect(await rejected('rate_limit')).toBe(1);
    await survived(
      'message flood',
      `${spread.sent} invalid shares on 10 connections + ${single.sent} on 1`,
      'messages_per_ip, rate_limit',
    );
  }, 60_000);

  it('closes connections that hold partial frames: past the shared byte budget at once, the rest at the frame deadline', async () => {
    const partial = await prepareAttack<{
      closes: Record<string, number>;
      trickler: string;
      tricklerClosedAfterMs: number;
    }>('sv2-partial', { ...target('127.0.0.7'), connections: 150, bytes: 8_000, waitMs: 8_000 });
    sv2.reset();
    v1.reset();
    const rssBefore = memoryMb(stack.pool.pid).rss;
    const r = await partial.go();
    // 150 × 8,000 bytes is 1.2 MB against a 1 MiB budget.
    expect(r.closes.open ?? 0).toBe(0);
    const memory = await rejected('frame_memory');
    const deadline = await rejected('frame_timeout');
    expect(memory).toBeGreaterThan(0);
    // Closed by the pool: a FIN, or a reset when the trickler's next byte races the close (the
    // pool's count of frame_timeout closes below says which side closed it).
    expect(['peer-closed', 'socket-error']).toContain(r.trickler);
    // Every connection went for one of the two reasons (the trickler at the deadline).
    expect(memory + deadline).toBe(151);
    expect(r.tricklerClosedAfterMs).toBeLessThan(5_000);
    expect(memoryMb(stack.pool.pid).rss - rssBefore).toBeLessThan(100);
    await survived(
      'partial frames',
      '150 connections × 8,000 B of a 16 KB frame + 1 trickling 1 B/200 ms',
      'frame_memory, frame_timeout',
    );
  }, 60_000);
});
