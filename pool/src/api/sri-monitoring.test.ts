import { describe, expect, it, vi } from 'vitest';
import { SRI_PAGINATION, shapeProblems } from '../../test/vectors/sri-monitoring-schema.js';
import {
  type ClientChannelInfo,
  difficultyOfHash,
  MONITORING_PAGE,
  type MonitoringSource,
  monitoringRoutes,
  type ServerChannelInfo,
  SNAPSHOT_MS,
  type Sv1ClientInfo,
  type Sv2ClientInfo,
  targetHex,
} from './sri-monitoring.js';

function clientChannel(id: number, hashrate: number, extended: boolean): ClientChannelInfo {
  const c: ClientChannelInfo = {
    channel_id: id,
    user_identity: `alice.rig${id}`,
    nominal_hashrate: hashrate,
    stable_hashrate: false,
    target_hex: targetHex(1n << 200n),
    requested_max_target_hex: targetHex((1n << 256n) - 1n),
    extranonce_prefix_hex: '00000001',
    expected_shares_per_minute: 6,
    shares_accepted: 3,
    shares_rejected: 1,
    shares_rejected_by_reason: { 'stale-share': 1 },
    share_work_sum: 3 * 2 ** 56,
    last_share_sequence_number: 4,
    best_diff: 2 ** 60,
    last_batch_accepted: 3,
    last_batch_work_sum: 3 * 2 ** 56,
    share_batch_size: 10,
    blocks_found: 0,
  };
  if (extended) Object.assign(c, { full_extranonce_size: 16, rollable_extranonce_size: 12 });
  return c;
}

const client = (id: number, channels: number): Sv2ClientInfo => ({
  client_id: id,
  client_kind: 'miner',
  extended_channels: Array.from({ length: channels }, (_, i) => clientChannel(i + 1, 100, true)),
  standard_channels: [clientChannel(channels + 1, 50, false)],
});

const serverChannel: ServerChannelInfo = {
  channel_id: 7,
  user_identity: 'alice.rig1',
  nominal_hashrate: null,
  target_hex: targetHex(1n << 220n),
  extranonce_prefix_hex: '00000007',
  full_extranonce_size: 16,
  rollable_extranonce_size: 12,
  version_rolling: false,
  shares_acknowledged: 0,
  shares_submitted: 0,
  shares_rejected: 0,
  shares_rejected_by_reason: {},
  acknowledged_work_sum: 0,
  validated_work_sum: 0,
  best_diff: 0,
  blocks_found: 0,
};

const sv1Client: Sv1ClientInfo = {
  client_id: 3,
  channel_id: 7,
  connection_ip: '127.0.0.1',
  sv1_username: 'alice.rig1',
  sv1_worker_name: 'rig1',
  target_hex: targetHex(1n << 220n),
  hashrate: 1234.5,
  stable_hashrate: false,
  extranonce1_hex: '0000000700',
  extranonce2_len: 11,
  version_rolling_mask: null,
  version_rolling_min_bit: null,
};

const pool = (clients: Sv2ClientInfo[]): MonitoringSource => ({
  server: () => null,
  sv2Clients: () => clients,
  sv1Clients: () => null,
});
const translator: MonitoringSource = {
  server: () => ({ extended_channels: [serverChannel], standard_channels: [] }),
  sv2Clients: () => null,
  sv1Clients: () => [sv1Client],
};

const get = (source: MonitoringSource, pathAndQuery: string) => {
  const url = new URL(pathAndQuery, 'http://localhost');
  return monitoringRoutes(source)(url.pathname, url);
};
/** The body of a route that must be answered. */
const bodyOf = (source: MonitoringSource, pathAndQuery: string): unknown => {
  const a = get(source, pathAndQuery);
  if (!a) throw new Error(`${pathAndQuery} not answered`);
  return a.body;
};

describe("SRI's monitoring routes", () => {
  it('answer a pool: SV2 clients, their channels and a global summary; no server and no V1 clients', () => {
    const src = pool([client(1, 2), client(2, 0)]);
    const global = get(src, '/api/v1/global');
    expect(shapeProblems(global?.body, 'GlobalInfo')).toEqual([]);
    expect(global?.body).toMatchObject({
      server: null,
      sv1_clients: null,
      sv2_clients: {
        total_clients: 2,
        total_channels: 4,
        extended_channels: 2,
        standard_channels: 2,
        total_hashrate: 300,
      },
    });
    const list = get(src, '/api/v1/clients');
    expect(shapeProblems(list?.body, 'Sv2ClientsResponse')).toEqual([]);
    expect(list?.body).toMatchObject({ offset: 0, limit: 25, total: 2 });
    const one = get(src, '/api/v1/clients/1');
    expect(shapeProblems(one?.body, 'Sv2ClientResponse')).toEqual([]);
    expect(one?.body).toMatchObject({ client_id: 1, extended_channels_count: 2, standard_channels_count: 1 });
    const channels = get(src, '/api/v1/clients/1/channels');
    expect(shapeProblems(channels?.body, 'Sv2ClientChannelsResponse')).toEqual([]);
    for (const [path, error] of [
      ['/api/v1/server', 'Server monitoring not available'],
      ['/api/v1/server/channels', 'Server monitoring not available'],
      ['/api/v1/sv1/clients', 'Sv1 client monitoring not available'],
      ['/api/v1/clients/9', 'Sv2 client 9 not found'],
      ['/api/v1/clients/9/channels', 'Sv2 client 9 not found'],
    ] as const) {
      const a = get(src, path);
      expect(a, path).toEqual({ status: 404, body: { error } });
      expect(shapeProblems(a?.body, 'ErrorResponse')).toEqual([]);
    }
  });

  it('answer a translator: the channels with the pool (server) and the V1 miners; no SV2 clients', () => {
    expect(get(translator, '/api/v1/global')?.body).toMatchObject({
      server: { total_channels: 1, extended_channels: 1, standard_channels: 0, total_hashrate: 0 },
      sv2_clients: null,
      sv1_clients: { total_clients: 1, total_hashrate: Math.fround(1234.5) },
    });
    expect(shapeProblems(get(translator, '/api/v1/server')?.body, 'ServerResponse')).toEqual([]);
    expect(shapeProblems(get(translator, '/api/v1/server/channels')?.body, 'ServerChannelsResponse')).toEqual(
      [],
    );
    expect(shapeProblems(get(translator, '/api/v1/sv1/clients')?.body, 'Sv1ClientsResponse')).toEqual([]);
    expect(get(translator, '/api/v1/sv1/clients/3')?.body).toEqual(sv1Client);
    expect(get(translator, '/api/v1/sv1/clients/4')?.status).toBe(404);
    expect(get(translator, '/api/v1/clients')).toEqual({
      status: 404,
      body: { error: 'Sv2 clients monitoring not available' },
    });
  });

  it('answer /api/v1/health with status ok and the time in seconds, like SRI', () => {
    const a = get(pool([]), '/api/v1/health');
    expect(a?.status).toBe(200);
    expect(shapeProblems(a?.body, 'HealthResponse')).toEqual([]);
    expect(
      Math.abs((bodyOf(pool([]), '/api/v1/health') as { timestamp: number }).timestamp - Date.now() / 1000),
    ).toBeLessThan(2);
  });

  it('page with offset and limit as SRI does: 25 by default, at most 100, an offset past the end is empty', () => {
    expect(MONITORING_PAGE).toEqual({ default: SRI_PAGINATION.defaultLimit, max: SRI_PAGINATION.maxLimit });
    const many = pool(Array.from({ length: 130 }, (_, i) => client(i, 0)));
    const ids = (q: string) =>
      (bodyOf(many, `/api/v1/clients${q}`) as { items: { client_id: number }[] }).items;
    expect(ids('').map((c) => c.client_id)).toEqual([...Array(25).keys()]);
    expect(get(many, '/api/v1/clients?limit=500')?.body).toMatchObject({ limit: 100, total: 130 });
    expect(ids('?limit=500')).toHaveLength(100);
    expect(ids('?offset=120&limit=50').map((c) => c.client_id)).toEqual(
      [...Array(10).keys()].map((i) => 120 + i),
    );
    expect(ids('?offset=999')).toEqual([]);
    expect(ids('?limit=0')).toEqual([]);
    const wide = pool([client(1, 30)]);
    const ch = get(wide, '/api/v1/clients/1/channels?offset=20&limit=5')?.body;
    expect(ch).toMatchObject({
      offset: 20,
      limit: 5,
      total_extended: 30,
      total_standard: 1,
      standard_channels: [],
    });
    expect(
      (ch as { extended_channels: { channel_id: number }[] }).extended_channels.map((c) => c.channel_id),
    ).toEqual([21, 22, 23, 24, 25]);
  });

  it('refuse a limit or offset that is not a non-negative integer with 400', () => {
    for (const q of ['limit=-1', 'limit=ten', 'offset=1.5']) {
      expect(get(pool([]), `/api/v1/clients?${q}`)).toEqual({
        status: 400,
        body: { error: expect.stringMatching(/must be a non-negative integer/) },
      });
    }
  });

  it('leave every other path to the caller (null), so existing /api/v1 routes keep working', () => {
    for (const p of [
      '/api/v1/pool',
      '/api/v1/workers',
      '/api/v1/workers/alice',
      '/api/v1/blocks',
      '/health',
      '/metrics',
    ])
      expect(get(pool([]), p), p).toBeNull();
  });

  it('read the source once per snapshot period however many requests come', () => {
    vi.useFakeTimers();
    try {
      const sv2Clients = vi.fn(() => [client(1, 1)]);
      const routes = monitoringRoutes({ server: () => null, sv1Clients: () => null, sv2Clients });
      const url = new URL('http://localhost/api/v1/clients');
      for (let i = 0; i < 50; i++) routes(url.pathname, url);
      expect(sv2Clients).toHaveBeenCalledTimes(1);
      vi.advanceTimersByTime(SNAPSHOT_MS);
      routes(url.pathname, url);
      expect(sv2Clients).toHaveBeenCalledTimes(2);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('the value helpers', () => {
  it('write targets as 64 big-endian hex digits, as SRI does', () => {
    expect(targetHex(1n)).toBe(`${'0'.repeat(63)}1`);
    expect(targetHex((1n << 256n) - 1n)).toBe('f'.repeat(64));
  });

  it('take a share difficulty as 2^256 / the hash read big-endian', () => {
    const hash = new Uint8Array(32);
    hash[8] = 1; // 2^(8 * 23) = 2^184
    expect(difficultyOfHash(hash)).toBe(2 ** 72);
    expect(difficultyOfHash(new Uint8Array(32))).toBe(2 ** 256);
  });
});

describe('the shape check against the recorded SRI field lists', () => {
  it('reports a missing field, a wrong JSON type, a null where SRI has no Option, and a field SRI lacks', () => {
    const { shares_accepted: _gone, ...missing } = clientChannel(1, 1, false);
    expect(shapeProblems(missing, 'StandardChannelInfo')).toEqual([
      'StandardChannelInfo.shares_accepted: missing',
    ]);
    expect(shapeProblems({ ...sv1Client, extranonce2_len: '11' }, 'Sv1ClientInfo')).toHaveLength(1);
    expect(shapeProblems({ ...sv1Client, connection_ip: null }, 'Sv1ClientInfo')).toHaveLength(1);
    expect(shapeProblems({ ...sv1Client, hashrate: null }, 'Sv1ClientInfo')).toEqual([]);
    expect(shapeProblems({ ...sv1Client, extra: 1 }, 'Sv1ClientInfo')).toEqual([
      'Sv1ClientInfo.extra: not in SRI',
    ]);
    expect(shapeProblems(clientChannel(1, 1, true), 'StandardChannelInfo')).toHaveLength(2);
  });
});
