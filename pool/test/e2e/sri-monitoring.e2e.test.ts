import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningMiner, startMiner } from '../../src/miner/miner.js';
import { type RunningTranslator, startTranslator } from '../../src/translator/translator.js';
import { SRI_ROUTES, shapeProblems } from '../vectors/sri-monitoring-schema.js';
import {
  E2E_TRANSLATOR_VARDIFF,
  getJson,
  silent,
  startTestDevnet,
  startTestPool,
  tempDir,
  until,
} from './harness.js';

/**
 * The pool and the translator, running for real with a V1 and an SV2 CPU miner, answer SRI's
 * monitoring routes with SRI's field names and JSON types (pool/test/vectors/
 * sri-monitoring-schema.ts), filled from what is really happening.
 */

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function miner(url: string, user: string): Promise<RunningMiner> {
  const m = await startMiner({ url, user, threads: 1, chain: 'dev', log: silent });
  cleanups.push(() => m.close());
  return m;
}

async function answer(base: string, path: string): Promise<{ status: number; body: unknown }> {
  const r = await fetch(`${base}${path}`);
  return { status: r.status, body: await r.json() };
}

/** Fetches `path` and expects 200 with the shape SRI's route has. */
async function sriShaped<T>(base: string, path: string, route: string): Promise<T> {
  const a = await answer(base, path);
  expect(a.status, path).toBe(200);
  expect(shapeProblems(a.body, SRI_ROUTES[route] as string), path).toEqual([]);
  return a.body as T;
}

async function notMonitored(base: string, path: string, error: string): Promise<void> {
  const a = await answer(base, path);
  expect(a, path).toEqual({ status: 404, body: { error } });
  expect(shapeProblems(a.body, 'ErrorResponse')).toEqual([]);
}

interface Channel {
  channel_id: number;
  user_identity: string;
  shares_accepted: number;
  best_diff: number;
  share_work_sum: number;
}
interface ClientChannels {
  extended_channels: Channel[];
  standard_channels: Channel[];
}
interface ServerChannel {
  channel_id: number;
  user_identity: string;
  shares_acknowledged: number;
  shares_submitted: number;
  acknowledged_work_sum: number;
  best_diff: number;
}
interface Sv1Client {
  client_id: number;
  channel_id: number | null;
  sv1_username: string;
  sv1_worker_name: string;
  hashrate: number | null;
  extranonce1_hex: string;
}

describe("SRI's monitoring API on a running pool and translator", () => {
  it('shows the SV2 miner and the translator as pool clients and the V1 miner as a translator sv1 client, in SRI’s shapes', async () => {
    const d = await startTestDevnet();
    cleanups.push(() => d.close());
    const t = tempDir();
    cleanups.push(() => t.remove());
    const p = await startTestPool(d, join(t.dir, 'ledger.sqlite'));
    cleanups.push(() => p.close());
    const tr: RunningTranslator = await startTranslator({
      listen: '127.0.0.1:0',
      upstreams: [p.poolUrl],
      chain: 'dev',
      metricsListen: '127.0.0.1:0',
      log: silent,
      backoffMinMs: 50,
      backoffMaxMs: 400,
      vardiff: E2E_TRANSLATOR_VARDIFF,
    });
    cleanups.push(() => tr.close());
    const trUrl = tr.metricsUrl as string;
    await miner(tr.v1Url, 'alice.v1');
    await miner(p.poolUrl, 'bob.sv2');

    // Both miners' shares accepted, and the snapshot (refreshed every second) showing them.
    await until(
      async () => {
        const v1 = (await getJson<{ items: Sv1Client[] }>(`${trUrl}/api/v1/sv1/clients`)).items;
        const srv = await getJson<{ extended_channels: ServerChannel[] }>(`${trUrl}/api/v1/server/channels`);
        const pool = await getJson<{ items: { client_id: number }[] }>(`${p.apiUrl}/api/v1/clients`);
        let poolAccepted = 0;
        for (const c of pool.items) {
          const ch = await getJson<ClientChannels>(`${p.apiUrl}/api/v1/clients/${c.client_id}/channels`);
          for (const x of [...ch.extended_channels, ...ch.standard_channels])
            if (x.shares_accepted > 0) poolAccepted += 1;
        }
        return (
          v1.some((c) => c.hashrate !== null) &&
          srv.extended_channels.some((c) => c.shares_acknowledged > 0) &&
          poolAccepted >= 2
        );
      },
      40_000,
      'accepted shares from both miners in the monitoring snapshots',
    );

    // The pool: SV2 clients with their channels, no server, no V1 clients.
    await sriShaped(p.apiUrl, '/api/v1/health', '/api/v1/health');
    const pg = await sriShaped<{ server: null; sv1_clients: null; sv2_clients: { total_clients: number } }>(
      p.apiUrl,
      '/api/v1/global',
      '/api/v1/global',
    );
    expect(pg.server).toBeNull();
    expect(pg.sv1_clients).toBeNull();
    expect(pg.sv2_clients.total_clients).toBe(2);
    const clients = await sriShaped<{ items: { client_id: number; client_kind: string }[]; total: number }>(
      p.apiUrl,
      '/api/v1/clients?limit=10',
      '/api/v1/clients',
    );
    expect(clients.items.map((c) => c.client_kind).sort()).toEqual(['miner', 'translator_proxy']);
    const byUser = new Map<string, Channel>();
    for (const c of clients.items) {
      await sriShaped(p.apiUrl, `/api/v1/clients/${c.client_id}`, '/api/v1/clients/{client_id}');
      const ch = await sriShaped<ClientChannels>(
        p.apiUrl,
        `/api/v1/clients/${c.client_id}/channels`,
        '/api/v1/clients/{client_id}/channels',
      );
      for (const x of [...ch.extended_channels, ...ch.standard_channels]) byUser.set(x.user_identity, x);
    }
    for (const user of ['alice.v1', 'bob.sv2']) {
      const ch = byUser.get(user);
      expect(ch?.shares_accepted, user).toBeGreaterThan(0);
      expect(ch?.share_work_sum, user).toBeGreaterThan(0);
      // The best share is at least as hard as the channel's share difficulty.
      expect(ch?.best_diff, user).toBeGreaterThanOrEqual(
        (ch?.share_work_sum ?? 0) / (ch?.shares_accepted ?? 1),
      );
    }
    await notMonitored(p.apiUrl, '/api/v1/server/channels', 'Server monitoring not available');
    await notMonitored(p.apiUrl, '/api/v1/sv1/clients', 'Sv1 client monitoring not available');
    // The pool's own routes are untouched.
    expect((await answer(p.apiUrl, '/api/v1/workers')).status).toBe(200);
    expect((await answer(p.apiUrl, '/api/v1/pool')).status).toBe(200);

    // The translator: its pool channels and its V1 miners, no SV2 clients.
    await sriShaped(trUrl, '/api/v1/health', '/api/v1/health');
    const tg = await sriShaped<{
      server: { total_channels: number };
      sv2_clients: null;
      sv1_clients: unknown;
    }>(trUrl, '/api/v1/global', '/api/v1/global');
    expect(tg.server.total_channels).toBeGreaterThanOrEqual(1);
    expect(tg.sv2_clients).toBeNull();
    await sriShaped(trUrl, '/api/v1/server', '/api/v1/server');
    const srv = await sriShaped<{ extended_channels: ServerChannel[] }>(
      trUrl,
      '/api/v1/server/channels',
      '/api/v1/server/channels',
    );
    const sv1 = await sriShaped<{ items: Sv1Client[]; total: number }>(
      trUrl,
      '/api/v1/sv1/clients',
      '/api/v1/sv1/clients',
    );
    expect(sv1.total).toBe(1);
    const m = sv1.items[0] as Sv1Client;
    expect(m).toMatchObject({ sv1_username: 'alice.v1', sv1_worker_name: 'v1' });
    expect(m.hashrate).toBeGreaterThan(0);
    const ch = srv.extended_channels.find((c) => c.channel_id === m.channel_id);
    expect(ch?.user_identity).toBe('alice.v1');
    expect(ch?.shares_acknowledged).toBeGreaterThan(0);
    expect(ch?.shares_submitted).toBeGreaterThanOrEqual(ch?.shares_acknowledged ?? 0);
    expect(ch?.acknowledged_work_sum).toBeGreaterThan(0);
    expect(m.extranonce1_hex.length).toBeGreaterThanOrEqual(8);
    await sriShaped(trUrl, `/api/v1/sv1/clients/${m.client_id}`, '/api/v1/sv1/clients/{client_id}');
    await notMonitored(trUrl, '/api/v1/clients', 'Sv2 clients monitoring not available');
    expect((await answer(trUrl, '/health')).status).toBe(200);
  });
});
