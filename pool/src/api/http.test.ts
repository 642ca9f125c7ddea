import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ApiRequestError,
  type ApiServer,
  type ApiSource,
  DEFAULT_API_LIMITS,
  PAGE_LIMITS,
  startApiServer,
  withoutAddresses,
} from './http.js';
import { PoolMetrics } from './metrics.js';

let server: ApiServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

function source(ready: boolean, metrics = new PoolMetrics()): ApiSource {
  return {
    health: () => ({ ready, reasons: ready ? [] : ['node not synced'] }),
    pool: () => ({ hashrate: 12.5, height: 7 }),
    workers: ({ limit, cursor }) => {
      if (cursor === 'foreign') throw new ApiRequestError('cursor is not one this API returned');
      return { limit, cursor, workers: [{ name: 'alice.rig1' }], next: null };
    },
    worker: (name) => (name === 'alice.rig1' ? { name, hashrate: 1 } : null),
    blocks: ({ limit, cursor }) => ({ limit, cursor, blocks: [], next: null }),
    miner: (address) => {
      if (address === 'not-an-address') throw new ApiRequestError('not a CKB address');
      return address === 'ckt1q x' ? { address } : null;
    },
    hashrate: (window, address) => ({ window, address }),
    payouts: () => ({ enabled: false, payouts: [] }),
    metrics: async () => ({ contentType: metrics.registry.contentType, body: await metrics.text() }),
  };
}

describe('pool HTTP API', () => {
  it('answers /health with 503 until ready, then 200', async () => {
    server = await startApiServer('127.0.0.1', 0, source(false));
    const r = await fetch(`${server.url}/health`);
    expect(r.status).toBe(503);
    expect(await r.json()).toEqual({ ready: false, reasons: ['node not synced'] });
    await server.close();
    server = await startApiServer('127.0.0.1', 0, source(true));
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
  });

  it('serves pool, workers, one worker (404 when unknown, names URL-decoded) and blocks with paging', async () => {
    server = await startApiServer('127.0.0.1', 0, source(true));
    expect(await (await fetch(`${server.url}/api/v1/pool`)).json()).toEqual({ hashrate: 12.5, height: 7 });
    expect(await (await fetch(`${server.url}/api/v1/workers`)).json()).toEqual({
      limit: PAGE_LIMITS.workers.default,
      cursor: null,
      workers: [{ name: 'alice.rig1' }],
      next: null,
    });
    expect(await (await fetch(`${server.url}/api/v1/workers/alice.rig1`)).json()).toEqual({
      name: 'alice.rig1',
      hashrate: 1,
    });
    expect((await fetch(`${server.url}/api/v1/workers/bob%2Erig`)).status).toBe(404);
    expect(await (await fetch(`${server.url}/api/v1/blocks?limit=5&cursor=abc`)).json()).toEqual({
      limit: 5,
      cursor: 'abc',
      blocks: [],
      next: null,
    });
    expect((await fetch(`${server.url}/nope`)).status).toBe(404);
    expect((await fetch(`${server.url}/api/v1/pool`, { method: 'POST' })).status).toBe(405);
  });

  it('serves a miner by URL-decoded address (404 unknown, 400 invalid), hashrate series and payouts', async () => {
    server = await startApiServer('127.0.0.1', 0, source(true));
    const get = async (path: string) => {
      const r = await fetch(`${server?.url}${path}`);
      return { status: r.status, body: await r.json() };
    };
    expect(await get('/api/v1/miners/ckt1q%20x')).toEqual({ status: 200, body: { address: 'ckt1q x' } });
    expect((await get('/api/v1/miners/ckt1qnobody')).status).toBe(404);
    expect(await get('/api/v1/miners/not-an-address')).toEqual({
      status: 400,
      body: { error: 'not a CKB address' },
    });
    expect((await get('/api/v1/miners/%E0%A4%A')).status).toBe(400);
    expect((await get('/api/v1/hashrate?window=24h&address=ckt1qa')).body).toEqual({
      window: '24h',
      address: 'ckt1qa',
    });
    expect((await get('/api/v1/hashrate')).body).toEqual({ window: '1h', address: null });
    expect((await get('/api/v1/payouts')).body).toEqual({ enabled: false, payouts: [] });
  });

  it('exposes ckb_pool_ metrics in Prometheus text format', async () => {
    const m = new PoolMetrics();
    m.shares.inc({ outcome: 'accepted' }, 3);
    m.jobBroadcastSeconds.observe(0.004);
    m.lastTemplateAtMs = Date.now() - 2000;
    server = await startApiServer('127.0.0.1', 0, source(true, m));
    const r = await fetch(`${server.url}/metrics`);
    expect(r.headers.get('content-type')).toContain('text/plain');
    const text = await r.text();
    expect(text).toContain('ckb_pool_shares_total{outcome="accepted"} 3');
    expect(text).toContain('ckb_pool_job_broadcast_seconds_bucket');
    const age = Number(/^ckb_pool_template_age_seconds (\S+)$/m.exec(text)?.[1]);
    expect(age).toBeGreaterThanOrEqual(2);
    for (const line of text.split('\n').filter((l) => l.startsWith('# TYPE'))) {
      expect(line.split(' ')[2]).toMatch(/^ckb_pool_/);
    }
  });

  it('caps a page at its maximum and answers 400 to a bad limit or a foreign cursor', async () => {
    server = await startApiServer('127.0.0.1', 0, source(true));
    const get = (q: string) => fetch(`${server?.url}/api/v1/workers${q}`);
    expect(((await (await get('?limit=100000')).json()) as { limit: number }).limit).toBe(
      PAGE_LIMITS.workers.max,
    );
    expect(
      ((await (await fetch(`${server.url}/api/v1/blocks?limit=9999`)).json()) as { limit: number }).limit,
    ).toBe(PAGE_LIMITS.blocks.max);
    for (const q of ['?limit=0', '?limit=-1', '?limit=2.5', '?limit=ten']) {
      const r = await get(q);
      expect(r.status, q).toBe(400);
      expect(await r.json()).toEqual({ error: `limit must be an integer 1..${PAGE_LIMITS.workers.max}` });
    }
    const foreign = await get('?cursor=foreign');
    expect(foreign.status).toBe(400);
    expect(await foreign.json()).toEqual({ error: 'cursor is not one this API returned' });
  });

  it('refuses to send an answer larger than its bound, and says why without internals', async () => {
    const errors: unknown[] = [];
    const big: ApiSource = { ...source(true), pool: () => ({ blob: 'x'.repeat(200_000) }) };
    server = await startApiServer('127.0.0.1', 0, big, (e) => errors.push(e), {
      ...DEFAULT_API_LIMITS,
      maxResponseBytes: 100_000,
    });
    const r = await fetch(`${server.url}/api/v1/pool`);
    expect(r.status).toBe(500);
    expect(await r.json()).toEqual({ error: 'answer too large; ask for a smaller page' });
    expect(errors).toHaveLength(1);
  });

  it('closes a client that sends its headers too slowly, and refuses connections past the cap', async () => {
    server = await startApiServer('127.0.0.1', 0, source(true), () => {}, {
      ...DEFAULT_API_LIMITS,
      maxConnections: 2,
      headersTimeoutMs: 300,
      requestTimeoutMs: 300,
    });
    const { port } = new URL(server.url);
    /** Opens a connection that never finishes its headers; resolves with when it was closed. */
    const open = () => {
      const t0 = Date.now();
      const s = connect(Number(port), '127.0.0.1', () => s.write('GET /health HTTP/1.1\r\nHost: x\r\n'));
      s.on('error', () => {});
      s.resume(); // read the server's answer (a 408), or its close is never seen
      const closedAfterMs = new Promise<number>((r) => s.on('close', () => r(Date.now() - t0)));
      return new Promise<{ closedAfterMs: Promise<number> }>((resolve) => {
        s.once('connect', () => resolve({ closedAfterMs }));
        s.once('close', () => resolve({ closedAfterMs }));
      });
    };
    const slow = await Promise.all([open(), open()]);
    await new Promise((r) => setTimeout(r, 50)); // both accepted
    // The third connection is over the cap: closed at once, long before the header timeout.
    const third = await open();
    expect(await third.closedAfterMs).toBeLessThan(250);
    for (const s of slow) expect(await s.closedAfterMs).toBeLessThan(2_000);
  });
});

describe('withoutAddresses', () => {
  it('takes URLs and host:port addresses out of text the API shows', () => {
    expect(
      withoutAddresses('CKB RPC get_block_template at http://ckb:8114: request failed: ECONNREFUSED'),
    ).toBe('CKB RPC get_block_template at <url> request failed: ECONNREFUSED');
    expect(withoutAddresses('connect ECONNREFUSED 172.18.0.2:8114 and [fd00::2]:8114 or ckb:18114')).toBe(
      'connect ECONNREFUSED <address> and <address> or <address>',
    );
    expect(withoutAddresses('node is in initial block download')).toBe('node is in initial block download');
  });
});
