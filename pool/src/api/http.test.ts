import { afterEach, describe, expect, it } from 'vitest';
import { type ApiServer, type ApiSource, startApiServer } from './http.js';
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
    workers: () => [{ name: 'alice.rig1' }],
    worker: (name) => (name === 'alice.rig1' ? { name, hashrate: 1 } : null),
    blocks: (limit, offset) => ({ limit, offset, blocks: [] }),
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
    expect(await (await fetch(`${server.url}/api/v1/workers`)).json()).toEqual([{ name: 'alice.rig1' }]);
    expect(await (await fetch(`${server.url}/api/v1/workers/alice.rig1`)).json()).toEqual({
      name: 'alice.rig1',
      hashrate: 1,
    });
    expect((await fetch(`${server.url}/api/v1/workers/bob%2Erig`)).status).toBe(404);
    expect(await (await fetch(`${server.url}/api/v1/blocks?limit=5&offset=10`)).json()).toEqual({
      limit: 5,
      offset: 10,
      blocks: [],
    });
    expect((await fetch(`${server.url}/nope`)).status).toBe(404);
    expect((await fetch(`${server.url}/api/v1/pool`, { method: 'POST' })).status).toBe(405);
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
});
