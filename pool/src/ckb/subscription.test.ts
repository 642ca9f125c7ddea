import { createServer, type Socket } from 'node:net';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { type Devnet, startDevnet } from '../devnet/index.js';
import type { HeaderViewJson } from './rpc-types.js';
import { backoffDelay, parseSubscriptionLine, TipSubscription } from './subscription.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function waitFor<T>(check: () => T | undefined, timeoutMs = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = () => {
      const v = check();
      if (v !== undefined) resolve(v);
      else if (Date.now() - started > timeoutMs) reject(new Error('timed out waiting'));
      else setTimeout(tick, 10);
    };
    tick();
  });
}

describe('backoffDelay', () => {
  it('grows exponentially up to the cap and jitters only downwards within the jitter fraction', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 40 }),
        fc.double({ min: 0, max: 0.999, noNaN: true }),
        (attempt, r) => {
          const opts = { initialMs: 100, maxMs: 10_000, factor: 2, jitter: 0.3 };
          const base = Math.min(10_000, 100 * 2 ** attempt);
          const d = backoffDelay(attempt, opts, () => r);
          expect(d).toBeLessThanOrEqual(base);
          expect(d).toBeGreaterThanOrEqual(Math.floor(base * 0.7));
        },
      ),
    );
  });

  it('is the plain exponential sequence without jitter', () => {
    const opts = { initialMs: 250, maxMs: 2000, factor: 2, jitter: 0 };
    expect([0, 1, 2, 3, 4, 5].map((a) => backoffDelay(a, opts))).toEqual([250, 500, 1000, 2000, 2000, 2000]);
  });
});

describe('parseSubscriptionLine', () => {
  it('parses the node push whose params.result is the header as a JSON string', () => {
    const header = { number: '0x400', hash: `0x${'ab'.repeat(32)}` };
    const line = JSON.stringify({
      jsonrpc: '2.0',
      method: 'subscribe',
      params: { subscription: '0x2a', result: JSON.stringify(header) },
    });
    expect(parseSubscriptionLine(line)).toEqual({
      kind: 'notification',
      subscription: '0x2a',
      result: header,
    });
  });

  it('classifies the subscribe answer, errors and garbage', () => {
    expect(parseSubscriptionLine('{"jsonrpc":"2.0","result":"0x0","id":2}')).toEqual({
      kind: 'response',
      id: 2,
      result: '0x0',
    });
    expect(
      parseSubscriptionLine('{"jsonrpc":"2.0","error":{"code":-32601,"message":"Method not found"},"id":1}'),
    ).toMatchObject({ kind: 'error', code: -32601 });
    expect(parseSubscriptionLine('not json').kind).toBe('invalid');
    expect(parseSubscriptionLine('{"method":"subscribe","params":{"result":"{broken"}}').kind).toBe(
      'invalid',
    );
  });
});

describe('TipSubscription against the dev chain over TCP', () => {
  it('receives each new tip header', async () => {
    const d = await startDevnet({ rpcPort: 0 });
    cleanups.push(() => d.close());
    const headers: HeaderViewJson[] = [];
    const sub = new TipSubscription({ address: d.subscribeAddress, onHeader: (h) => headers.push(h) });
    cleanups.push(() => sub.close());
    await sub.waitSubscribed();
    expect(sub.subscriptionId).toMatch(/^0x[0-9a-f]{32}$/);
    const mined = await d.mine(2);
    await waitFor(() => (headers.length >= 2 ? true : undefined));
    expect(headers).toEqual(mined);
  });

  it('reconnects with backoff after the node restarts and resubscribes', async () => {
    let d: Devnet = await startDevnet({ rpcPort: 0 });
    const port = Number(d.subscribeAddress.split(':')[1]);
    const headers: HeaderViewJson[] = [];
    const events: string[] = [];
    const sub = new TipSubscription({
      address: d.subscribeAddress,
      onHeader: (h) => headers.push(h),
      onSubscribed: (_id, reconnect) => events.push(reconnect ? 'resubscribed' : 'subscribed'),
      onDisconnect: () => events.push('disconnected'),
      backoff: { initialMs: 20, maxMs: 100 },
    });
    cleanups.push(() => sub.close());
    await sub.waitSubscribed();
    await d.close();
    await waitFor(() => (events.includes('disconnected') ? true : undefined));
    d = await startDevnet({ rpcPort: 0, subscribePort: port });
    cleanups.push(() => d.close());
    await waitFor(() => (events.includes('resubscribed') ? true : undefined));
    const [h] = await d.mine(1);
    await waitFor(() => (headers.some((x) => x.hash === h.hash) ? true : undefined));
    expect(events[0]).toBe('subscribed');
  });

  it('stops for good on abort: no reconnect attempts', async () => {
    const sockets: Socket[] = [];
    const server = createServer((s) => sockets.push(s));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise((r) => server.close(r)));
    const port = (server.address() as { port: number }).port;
    const ac = new AbortController();
    const sub = new TipSubscription({
      address: `127.0.0.1:${port}`,
      onHeader: () => {},
      backoff: { initialMs: 10 },
      signal: ac.signal,
    });
    await waitFor(() => (sockets.length === 1 ? true : undefined));
    ac.abort();
    expect(sub.state).toBe('closed');
    await new Promise((r) => setTimeout(r, 100));
    expect(sockets.length).toBe(1);
    for (const s of sockets) s.destroy();
  });
});
