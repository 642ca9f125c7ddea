/**
 * The monitoring REST shape of the SV2 reference implementation (SRI's sv2-apps, module
 * `stratum-apps/src/monitoring`), so dashboards written for SRI (sv2-ui) read the pool and the
 * translator as they read SRI's pool and tProxy. The JSON field names and types are SRI's
 * (snake_case; pool/test/vectors/sri-monitoring-schema.ts records them with the sv2-apps commit
 * they were read from); what fills them is ours, from a MonitoringSource.
 *
 * SRI's roles: "server" is the upstream connection (the translator's channels with the pool;
 * the pool has none), "clients" are SV2 downstream connections (the pool's miners and proxies;
 * the translator has none), "sv1 clients" are a translator's V1 miners. A part a role does not
 * have answers 404 `{ error }` and is null in /api/v1/global, as in SRI.
 */

export type Sv2ClientKind = 'miner' | 'translator_proxy' | 'unknown';

/** A channel a downstream opened with us (SRI's ExtendedChannelInfo / StandardChannelInfo). */
export interface ClientChannelInfo {
  channel_id: number;
  user_identity: string;
  nominal_hashrate: number;
  stable_hashrate: boolean;
  target_hex: string;
  requested_max_target_hex: string;
  extranonce_prefix_hex: string;
  /** Extended channels only. */
  full_extranonce_size?: number;
  /** Extended channels only. */
  rollable_extranonce_size?: number;
  expected_shares_per_minute: number;
  shares_accepted: number;
  shares_rejected: number;
  shares_rejected_by_reason: Record<string, number>;
  share_work_sum: number;
  last_share_sequence_number: number;
  best_diff: number;
  last_batch_accepted: number;
  last_batch_work_sum: number;
  share_batch_size: number;
  blocks_found: number;
}

export interface Sv2ClientInfo {
  client_id: number;
  client_kind: Sv2ClientKind;
  extended_channels: ClientChannelInfo[];
  standard_channels: ClientChannelInfo[];
}

/** A channel we opened with our upstream (SRI's ServerExtendedChannelInfo / ServerStandardChannelInfo). */
export interface ServerChannelInfo {
  channel_id: number;
  user_identity: string;
  nominal_hashrate: number | null;
  target_hex: string;
  extranonce_prefix_hex: string;
  /** Extended channels only. */
  full_extranonce_size?: number;
  /** Extended channels only. */
  rollable_extranonce_size?: number;
  /** Extended channels only. */
  version_rolling?: boolean;
  shares_acknowledged: number;
  shares_submitted: number;
  shares_rejected: number;
  shares_rejected_by_reason: Record<string, number>;
  acknowledged_work_sum: number;
  validated_work_sum: number;
  best_diff: number;
  blocks_found: number;
}

export interface ServerInfo {
  extended_channels: ServerChannelInfo[];
  standard_channels: ServerChannelInfo[];
}

export interface Sv1ClientInfo {
  client_id: number;
  channel_id: number | null;
  connection_ip: string;
  sv1_username: string;
  sv1_worker_name: string;
  target_hex: string;
  hashrate: number | null;
  stable_hashrate: boolean;
  extranonce1_hex: string;
  extranonce2_len: number;
  version_rolling_mask: string | null;
  version_rolling_min_bit: string | null;
}

/** What a role shows; null for a part the role does not have. */
export interface MonitoringSource {
  server(): ServerInfo | null;
  sv2Clients(): Sv2ClientInfo[] | null;
  sv1Clients(): Sv1ClientInfo[] | null;
}

/** SRI's pagination: `?offset=` (default 0) and `?limit=` (default 25, at most 100). */
export const MONITORING_PAGE = { default: 25, max: 100 } as const;

/** How long one snapshot of the role's state serves (SRI refreshes a snapshot cache the same way). */
export const SNAPSHOT_MS = 1_000;

export interface MonitoringAnswer {
  status: number;
  body: unknown;
}

class BadQuery extends Error {}

function nonNegativeInt(url: URL, name: string): number | null {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === '') return null;
  if (!/^\d+$/.test(raw)) throw new BadQuery(`${name} must be a non-negative integer`);
  return Number(raw);
}

function page(url: URL): { offset: number; limit: number } {
  const offset = nonNegativeInt(url, 'offset') ?? 0;
  const limit = Math.min(nonNegativeInt(url, 'limit') ?? MONITORING_PAGE.default, MONITORING_PAGE.max);
  return { offset, limit };
}

function slice<T>(items: readonly T[], p: { offset: number; limit: number }): [number, T[]] {
  const start = Math.min(p.offset, items.length);
  return [items.length, items.slice(start, start + p.limit)];
}

/** Σ of the numbers, rounded to float32 as SRI's f32 totals are. */
const f32Sum = (xs: Iterable<number | null>): number => {
  let s = 0;
  for (const x of xs) if (x !== null) s += x;
  return Math.fround(s);
};

function serverSummary(s: ServerInfo) {
  const all = [...s.extended_channels, ...s.standard_channels];
  return {
    total_channels: all.length,
    extended_channels: s.extended_channels.length,
    standard_channels: s.standard_channels.length,
    total_hashrate: f32Sum(all.map((c) => c.nominal_hashrate)),
  };
}

function clientHashrate(c: Sv2ClientInfo): number {
  return f32Sum([...c.extended_channels, ...c.standard_channels].map((ch) => ch.nominal_hashrate));
}

function clientMetadata(c: Sv2ClientInfo) {
  return {
    client_id: c.client_id,
    client_kind: c.client_kind,
    extended_channels_count: c.extended_channels.length,
    standard_channels_count: c.standard_channels.length,
    total_hashrate: clientHashrate(c),
  };
}

function clientsSummary(cs: Sv2ClientInfo[]) {
  const extended = cs.reduce((n, c) => n + c.extended_channels.length, 0);
  const standard = cs.reduce((n, c) => n + c.standard_channels.length, 0);
  return {
    total_clients: cs.length,
    total_channels: extended + standard,
    extended_channels: extended,
    standard_channels: standard,
    total_hashrate: f32Sum(cs.map(clientHashrate)),
  };
}

const sv1Summary = (cs: Sv1ClientInfo[]) => ({
  total_clients: cs.length,
  total_hashrate: f32Sum(cs.map((c) => c.hashrate)),
});

const notFound = (error: string): MonitoringAnswer => ({ status: 404, body: { error } });
const ok = (body: unknown): MonitoringAnswer => ({ status: 200, body });

/** The SRI routes this module answers (for 404 listings and the docs). */
export const MONITORING_ROUTES = [
  '/api/v1/health',
  '/api/v1/global',
  '/api/v1/server',
  '/api/v1/server/channels?offset=&limit=',
  '/api/v1/clients?offset=&limit=',
  '/api/v1/clients/:id',
  '/api/v1/clients/:id/channels?offset=&limit=',
  '/api/v1/sv1/clients?offset=&limit=',
  '/api/v1/sv1/clients/:id',
] as const;

/**
 * Answers the SRI monitoring routes; null for any other path (the caller's own routes). The
 * source is read at most once per SNAPSHOT_MS, so a client polling fast costs one walk over
 * the channels per second, not one per request.
 */
export function monitoringRoutes(source: MonitoringSource, startedAtMs = Date.now()) {
  let snap: {
    atMs: number;
    server: ServerInfo | null;
    clients: Sv2ClientInfo[] | null;
    sv1: Sv1ClientInfo[] | null;
  } | null = null;
  const snapshot = () => {
    const now = Date.now();
    if (!snap || now - snap.atMs >= SNAPSHOT_MS) {
      snap = { atMs: now, server: source.server(), clients: source.sv2Clients(), sv1: source.sv1Clients() };
    }
    return snap;
  };

  return (path: string, url: URL): MonitoringAnswer | null => {
    if (!path.startsWith('/api/v1/')) return null;
    try {
      return route(path.slice('/api/v1'.length), url);
    } catch (err) {
      if (err instanceof BadQuery) return { status: 400, body: { error: err.message } };
      throw err;
    }
  };

  function route(p: string, url: URL): MonitoringAnswer | null {
    if (p === '/health') return ok({ status: 'ok', timestamp: Math.floor(Date.now() / 1000) });
    if (p === '/global') {
      const s = snapshot();
      return ok({
        server: s.server && serverSummary(s.server),
        sv2_clients: s.clients && clientsSummary(s.clients),
        sv1_clients: s.sv1 && sv1Summary(s.sv1),
        uptime_secs: Math.floor((Date.now() - startedAtMs) / 1000),
      });
    }
    if (p === '/server' || p === '/server/channels') return serverRoute(p, url);
    if (p === '/clients' || p.startsWith('/clients/')) return clientsRoute(p, url);
    if (p === '/sv1/clients' || p.startsWith('/sv1/clients/')) return sv1Route(p, url);
    return null;
  }

  function serverRoute(p: string, url: URL): MonitoringAnswer {
    const server = snapshot().server;
    if (!server) return notFound('Server monitoring not available');
    if (p === '/server') {
      const s = serverSummary(server);
      return ok({
        extended_channels_count: s.extended_channels,
        standard_channels_count: s.standard_channels,
        total_hashrate: s.total_hashrate,
      });
    }
    const q = page(url);
    const [total_extended, extended_channels] = slice(server.extended_channels, q);
    const [total_standard, standard_channels] = slice(server.standard_channels, q);
    return ok({ ...q, total_extended, total_standard, extended_channels, standard_channels });
  }

  function clientsRoute(p: string, url: URL): MonitoringAnswer | null {
    const clients = snapshot().clients;
    if (!clients) return notFound('Sv2 clients monitoring not available');
    if (p === '/clients') {
      const q = page(url);
      const [total, items] = slice(clients.map(clientMetadata), q);
      return ok({ ...q, total, items });
    }
    const m = /^\/clients\/(\d+)(\/channels)?$/.exec(p);
    if (!m) return null;
    const id = Number(m[1]);
    const c = clients.find((x) => x.client_id === id);
    if (!c) return notFound(`Sv2 client ${id} not found`);
    if (!m[2]) return ok(clientMetadata(c));
    const q = page(url);
    const [total_extended, extended_channels] = slice(c.extended_channels, q);
    const [total_standard, standard_channels] = slice(c.standard_channels, q);
    return ok({ client_id: id, ...q, total_extended, total_standard, extended_channels, standard_channels });
  }

  function sv1Route(p: string, url: URL): MonitoringAnswer | null {
    const sv1 = snapshot().sv1;
    if (!sv1) return notFound('Sv1 client monitoring not available');
    if (p === '/sv1/clients') {
      const q = page(url);
      const [total, items] = slice(sv1, q);
      return ok({ ...q, total, items });
    }
    const m = /^\/sv1\/clients\/(\d+)$/.exec(p);
    if (!m) return null;
    const id = Number(m[1]);
    const c = sv1.find((x) => x.client_id === id);
    return c ? ok(c) : notFound(`Sv1 client ${id} not found`);
  }
}

export type MonitoringRoutes = ReturnType<typeof monitoringRoutes>;

/** A target as SRI shows it: 32 bytes, big-endian hex. */
export function targetHex(target: bigint): string {
  return target.toString(16).padStart(64, '0');
}

/** A share's difficulty as SRI's best_diff counts it: 2^256 / hash, the hash a 32-byte big-endian number (0 → 2^256). */
export function difficultyOfHash(hashBe: Uint8Array): number {
  let v = 0;
  for (let i = 0; i < hashBe.length; i++) v = v * 256 + (hashBe[i] as number);
  return v > 0 ? 2 ** 256 / v : 2 ** 256;
}
