import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MONITORING_ROUTES, type MonitoringRoutes } from './sri-monitoring.js';

/**
 * The pool's HTTP API (node:http, read-only): /metrics, /health, /api/v1/pool,
 * /api/v1/workers, /api/v1/workers/:name, /api/v1/blocks, /api/v1/miners/:address,
 * /api/v1/hashrate, /api/v1/payouts. What it shows comes from an
 * /api/v1/workers, /api/v1/workers/:name, /api/v1/blocks, and SRI's monitoring routes
 * (sri-monitoring.ts: /api/v1/health, /global, /server…, /clients…, /sv1/clients…; none of
 * their paths is one of ours). What it shows comes from an
 * ApiSource, so the server knows nothing about sockets or SQLite. Lists are pages
 * (`?limit=&cursor=`, the answer's `next` is the following page's cursor), and the server
 * bounds connections, time and response size: an API client cannot stall the pool.
 */

export interface HealthReport {
  ready: boolean;
  /** Why not ready (empty when ready). */
  reasons: string[];
  [key: string]: unknown;
}

export interface PageQuery {
  limit: number;
  /** The `next` of the previous page; null for the first page. */
  cursor: string | null;
}

/** Ledger-backed answers may be promises (a PostgreSQL ledger): the handler awaits them. */
export interface ApiSource {
  health(): HealthReport;
  pool(): unknown;
  /** A page of workers: `{ workers, next }`. */
  workers(page: PageQuery): unknown;
  /** null → 404 */
  worker(name: string): unknown | null;
  /** A page of blocks, newest first: `{ blocks, counts, next }`. */
  blocks(page: PageQuery): unknown;
  /** An address's account (`<address>[.<worker>]` names); null → 404. */
  miner(address: string): unknown | null;
  /** Hashrate per bucket over `window` (1h, 24h) of the pool or of one address. */
  hashrate(window: string, address: string | null): unknown;
  /** The latest payouts (empty in solo mode). */
  payouts(): unknown;
  metrics(): Promise<{ contentType: string; body: string }>;
  /** SRI's monitoring routes (sri-monitoring.ts), when the source serves them. */
  sri?: (path: string, url: URL) => ReturnType<MonitoringRoutes> | Promise<ReturnType<MonitoringRoutes>>;
}

/** A path parameter, or null when it is not valid percent-encoding. */
function pathParam(path: string, prefix: string): string | null {
  try {
    return decodeURIComponent(path.slice(prefix.length));
  } catch {
    return null;
  }
}

/** A request the source cannot answer as asked (a foreign cursor…): 400 with this message. */
export class ApiRequestError extends Error {}

/** Page sizes: the default, and the most one request may ask for. */
export const PAGE_LIMITS = {
  workers: { default: 100, max: 500 },
  blocks: { default: 50, max: 100 },
} as const;

export interface ApiServerLimits {
  /** Open connections at once; more are refused at accept. */
  maxConnections: number;
  /** Time for a client to send the request headers. */
  headersTimeoutMs: number;
  /** Time for a client to send the whole request. */
  requestTimeoutMs: number;
  /** How long an idle keep-alive connection stays open. */
  keepAliveTimeoutMs: number;
  /** Requests on one connection before it is closed. */
  maxRequestsPerSocket: number;
  /** A connection with no traffic for this long (a reader that stopped reading) is closed. */
  socketTimeoutMs: number;
  /** Largest JSON answer; a larger one is refused (500) instead of sent. */
  maxResponseBytes: number;
}

export const DEFAULT_API_LIMITS: ApiServerLimits = {
  maxConnections: 64,
  headersTimeoutMs: 5_000,
  requestTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5_000,
  maxRequestsPerSocket: 1_000,
  socketTimeoutMs: 30_000,
  maxResponseBytes: 4 * 1024 * 1024,
};

export interface ApiServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Error or status text as the API may show it: URLs and host:port addresses (the node's RPC
 * URL, container addresses) replaced, so an answer never maps the inside of the deployment.
 */
export function withoutAddresses(text: string): string {
  return text
    .replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s'"`<>]+/gi, '<url>')
    .replace(
      /\[[0-9a-f:.]+\](:\d+)?|\b\d{1,3}(\.\d{1,3}){3}(:\d+)?\b|\b[a-z][a-z0-9.-]*:\d{2,5}\b/gi,
      '<address>',
    );
}

class ResponseTooLarge extends Error {}

function send(res: ServerResponse, status: number, body: unknown, maxBytes: number): void {
  const text = JSON.stringify(body, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
  if (Buffer.byteLength(text) > maxBytes) throw new ResponseTooLarge(`answer of ${text.length} bytes`);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(text);
}

/** `?limit=`: an integer 1..max (default when absent); anything else is the client's error. */
export function pageQuery(url: URL, limits: { default: number; max: number }): PageQuery {
  const raw = url.searchParams.get('limit');
  let limit: number = limits.default;
  if (raw !== null) {
    limit = Number(raw);
    if (!/^\d+$/.test(raw) || limit < 1)
      throw new ApiRequestError(`limit must be an integer 1..${limits.max}`);
    limit = Math.min(limit, limits.max);
  }
  const cursor = url.searchParams.get('cursor');
  return { limit, cursor: cursor === null || cursor === '' ? null : cursor };
}

export async function handleApiRequest(
  source: ApiSource,
  req: IncomingMessage,
  res: ServerResponse,
  maxResponseBytes = DEFAULT_API_LIMITS.maxResponseBytes,
): Promise<void> {
  const reply = (status: number, body: unknown) => send(res, status, body, maxResponseBytes);
  if (req.method !== 'GET' && req.method !== 'HEAD') return reply(405, { error: 'method not allowed' });
  const url = new URL(req.url ?? '/', 'http://localhost');
  const path = url.pathname.replace(/\/+$/, '') || '/';
  try {
    if (path === '/metrics') {
      const m = await source.metrics();
      res.writeHead(200, { 'content-type': m.contentType });
      res.end(m.body);
      return;
    }
    if (path === '/health') {
      const h = source.health();
      return reply(h.ready ? 200 : 503, h);
    }
    if (path === '/api/v1/pool') return reply(200, await source.pool());
    if (path === '/api/v1/workers')
      return reply(200, await source.workers(pageQuery(url, PAGE_LIMITS.workers)));
    if (path.startsWith('/api/v1/workers/')) {
      let name: string;
      try {
        name = decodeURIComponent(path.slice('/api/v1/workers/'.length));
      } catch {
        return reply(400, { error: 'bad worker name' });
      }
      const w = await source.worker(name);
      return w === null ? reply(404, { error: 'unknown worker' }) : reply(200, w);
    }
    if (path === '/api/v1/blocks') return reply(200, await source.blocks(pageQuery(url, PAGE_LIMITS.blocks)));
    if (path.startsWith('/api/v1/miners/')) {
      const address = pathParam(path, '/api/v1/miners/');
      if (address === null) return reply(400, { error: 'bad address' });
      const m = await source.miner(address);
      return m === null ? reply(404, { error: 'no shares from this address' }) : reply(200, m);
    }
    if (path === '/api/v1/hashrate')
      return reply(
        200,
        await source.hashrate(url.searchParams.get('window') ?? '1h', url.searchParams.get('address')),
      );
    if (path === '/api/v1/payouts') return reply(200, await source.payouts());
    const sri = await source.sri?.(path, url);
    if (sri) return reply(sri.status, sri.body);
  } catch (err) {
    if (err instanceof ApiRequestError) return reply(400, { error: err.message });
    throw err;
  }
  reply(404, {
    error: 'not found',
    endpoints: [
      '/metrics',
      '/health',
      '/api/v1/pool',
      '/api/v1/workers?limit=&cursor=',
      '/api/v1/workers/:name',
      '/api/v1/blocks?limit=&cursor=',
      '/api/v1/miners/:address',
      '/api/v1/hashrate?window=1h|24h&address=',
      '/api/v1/payouts',
      ...(source.sri ? MONITORING_ROUTES : []),
    ],
  });
}

/** Starts the API on host:port (port 0 = ephemeral) with the given limits. */
export async function startApiServer(
  host: string,
  port: number,
  source: ApiSource,
  onError: (err: unknown) => void = () => {},
  limits: ApiServerLimits = DEFAULT_API_LIMITS,
): Promise<ApiServer> {
  // Node enforces the header and request timeouts on this timer (30 s by default): check
  // often enough that a slow client is cut off near its deadline, not up to 30 s later.
  const connectionsCheckingInterval = Math.min(1_000, limits.headersTimeoutMs, limits.requestTimeoutMs);
  const server: Server = createServer({ connectionsCheckingInterval }, (req, res) => {
    handleApiRequest(source, req, res, limits.maxResponseBytes).catch((err) => {
      onError(err);
      if (res.headersSent) return void res.destroy();
      const error =
        err instanceof ResponseTooLarge ? 'answer too large; ask for a smaller page' : 'internal error';
      res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify({ error }));
    });
  });
  server.maxConnections = limits.maxConnections;
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.maxRequestsPerSocket = limits.maxRequestsPerSocket;
  server.setTimeout(limits.socketTimeoutMs, (socket) => socket.destroy());
  return listenHttp(server, host, port);
}

/**
 * Starts `server` on host:port and resolves once it listens (rejects on EADDRINUSE and the
 * like), with its URL and a close that also ends keep-alive connections, so shutdown never waits
 * on an idle scraper. Shared by the pool API and the translator's metrics endpoint.
 */
export async function listenHttp(server: Server, host: string, port: number): Promise<ApiServer> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const h = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${h}:${addr.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
