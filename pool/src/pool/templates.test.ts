import { createServer } from 'node:net';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { bytesToHex0x } from '../ckb/hex.js';
import { CkbRpcClient } from '../ckb/rpc.js';
import type { BlockTemplate } from '../ckb/template.js';
import { type Devnet, startDevnet } from '../devnet/index.js';
import { type TemplateEvent, TemplateSource } from './templates.js';

const log = pino({ level: 'silent' });
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

async function devnet(opts: Partial<Parameters<typeof startDevnet>[0]> = {}): Promise<Devnet> {
  const d = await startDevnet({ rpcPort: 0, ...opts });
  cleanups.push(() => d.close());
  return d;
}

function source(d: Devnet, over: Partial<ConstructorParameters<typeof TemplateSource>[0]> = {}) {
  const events: TemplateEvent[] = [];
  const s = new TemplateSource({
    rpc: new CkbRpcClient(d.rpcUrl, { timeoutMs: 2000 }),
    subscribeAddress: null,
    notifyListen: null,
    pollIntervalMs: 60_000,
    minUpdateIntervalMs: 0,
    log,
    onTemplate: (ev) => events.push(ev),
    ...over,
  });
  cleanups.push(() => s.close());
  return { s, events };
}

async function until(cond: () => boolean, timeoutMs = 5_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('template source', () => {
  it('starts with a clean job from the first poll', async () => {
    const d = await devnet();
    const { s, events } = source(d);
    await s.start();
    expect(events).toHaveLength(1);
    expect(events[0]?.clean).toBe(true);
    expect(bytesToHex0x(events[0]?.block.rawHeader.parentHash as Uint8Array)).toBe(d.tip().hash);
  });

  it('turns a new_tip_header push into a clean job without waiting for the poll', async () => {
    const d = await devnet();
    const { s, events } = source(d, { subscribeAddress: d.subscribeAddress });
    await s.start();
    await until(() => s.status.subscription === 'subscribed');
    const [header] = await d.mine(1);
    await until(() =>
      events.some((e) => e.clean && bytesToHex0x(e.block.rawHeader.parentHash) === header?.hash),
    );
    expect(events[events.length - 1]?.source).toBe('subscription');
  });

  it('turns a block-assembler notify push into a clean job', async () => {
    const port = await freePort();
    const d = await devnet({ notifyUrls: [`http://127.0.0.1:${port}/`] });
    const { s, events } = source(d, { notifyListen: `127.0.0.1:${port}` });
    await s.start();
    const [header] = await d.mine(1);
    await until(() =>
      events.some((e) => e.clean && bytesToHex0x(e.block.rawHeader.parentHash) === header?.hash),
    );
    expect(events.find((e) => bytesToHex0x(e.block.rawHeader.parentHash) === header?.hash)?.source).toBe(
      'notify',
    );
  });

  it('finds a new tip by polling when there are no pushes', async () => {
    const d = await devnet();
    const { s, events } = source(d, { pollIntervalMs: 50 });
    await s.start();
    const [header] = await d.mine(1);
    await until(() =>
      events.some((e) => e.clean && bytesToHex0x(e.block.rawHeader.parentHash) === header?.hash),
    );
  });

  it('mines a template that pays the payout lock and refuses one that pays another', async () => {
    const d = await devnet();
    const ours = { codeHash: d.lock.code_hash, hashType: 'type' as const, args: d.lock.args };
    expect(d.lock.hash_type).toBe('type');
    const refused: string[] = [];
    const good = source(d, { payoutLock: ours, onRefused: (_r, problem) => refused.push(problem) });
    await good.s.start();
    expect(good.events).toHaveLength(1);
    expect(refused).toEqual([]);

    const thief = source(d, {
      payoutLock: { ...ours, args: `0x${'66'.repeat(20)}` },
      onRefused: (reason, problem) => refused.push(`${reason}: ${problem}`),
    });
    await thief.s.start();
    expect(thief.events).toEqual([]);
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatch(
      new RegExp(`^payout_lock: the cellbase pays .*args ${d.lock.args}, not the payout lock`),
    );
    expect(thief.s.status.lastError).toMatch(/template from poll refused/);
    // The same template again (the next poll) is checked again, not taken from the cache.
    const t = (await new CkbRpcClient(d.rpcUrl).getBlockTemplate()) as unknown as BlockTemplate;
    expect(thief.s.ingest(t, Date.now(), 100, 'notify')).toBeNull();
    expect(refused).toHaveLength(2);
  });

  it('keeps the current job when a template does not parse, and says why', async () => {
    const d = await devnet();
    const { s, events } = source(d);
    await s.start();
    const t = (await new CkbRpcClient(d.rpcUrl).getBlockTemplate()) as unknown as BlockTemplate;
    const broken = { ...t, parent_hash: '0x1234' };
    expect(s.ingest(broken, Date.now(), 99, 'notify')).toBeNull();
    expect(events).toHaveLength(1);
    expect(s.status.lastError).toMatch(/parent_hash/);
  });

  it('recognises an unchanged template without parsing it again', async () => {
    const d = await devnet();
    const { s, events } = source(d);
    const t = (await new CkbRpcClient(d.rpcUrl).getBlockTemplate()) as unknown as BlockTemplate;
    const first = s.ingest(t, Date.now(), 1, 'poll');
    expect(first).not.toBeNull();
    expect(s.ingest(structuredClone(t), Date.now(), 2, 'poll')).toBe(first);
    expect(events).toHaveLength(1);
  });

  it('keeps polling through node outages', async () => {
    const d = await devnet();
    const rpc = new CkbRpcClient(d.rpcUrl, { timeoutMs: 500 });
    let down = true;
    const flaky = {
      getBlockTemplate: () => (down ? Promise.reject(new Error('ECONNREFUSED')) : rpc.getBlockTemplate()),
    } as unknown as CkbRpcClient;
    const { s, events } = source(d, { rpc: flaky, pollIntervalMs: 30 });
    await s.start();
    expect(events).toHaveLength(0);
    expect(s.status.lastError).toMatch(/ECONNREFUSED/);
    down = false;
    await until(() => events.length === 1);
    expect(s.status.lastError).toBeNull();
  });

  it('rate-limits same-tip updates and drops answers older than the applied template', async () => {
    const d = await devnet();
    const rpc = new CkbRpcClient(d.rpcUrl);
    const t1 = (await rpc.getBlockTemplate()) as unknown as BlockTemplate;
    const { s, events } = source(d, { minUpdateIntervalMs: 200 });
    const bump = (t: BlockTemplate, ms: number): BlockTemplate => ({
      ...t,
      current_time: `0x${(BigInt(t.current_time) + BigInt(ms)).toString(16)}`,
    });
    expect(s.ingest(t1, Date.now(), 10, 'poll')).not.toBeNull();
    expect(events).toHaveLength(1);
    s.ingest(bump(t1, 1), Date.now(), 11, 'poll');
    s.ingest(bump(t1, 2), Date.now(), 12, 'poll');
    expect(events).toHaveLength(1);
    expect(s.ingest(bump(t1, 3), Date.now(), 5, 'poll')).toBeNull();
    await new Promise((r) => setTimeout(r, 260));
    expect(events).toHaveLength(2);
    expect(events[1]?.clean).toBe(false);
    expect(events[1]?.block.rawHeader.timestamp).toBe(BigInt(t1.current_time) + 2n);
    // A new parent is never rate-limited.
    const other = { ...bump(t1, 4), parent_hash: `0x${'ab'.repeat(32)}` };
    s.ingest(other, Date.now(), 13, 'notify');
    expect(events).toHaveLength(3);
    expect(events[2]?.clean).toBe(true);
  });
});
