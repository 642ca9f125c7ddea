import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The pool's HTTP API (node:http, read-only): /metrics, /health, /api/v1/pool,
 * /api/v1/workers, /api/v1/workers/:name, /api/v1/blocks. What it shows comes from an
 * ApiSource, so the server knows nothing about sockets or SQLite.
 */

export interface HealthReport {
  ready: boolean;
  /** Why not ready (empty when ready). */
  reasons: string[];
  [key: string]: unknown;
}

export interface ApiSource {
  health(): HealthReport;
  pool(): unknown;
  workers(): unknown;
  /** null → 404 */
  worker(name: string): unknown | null;
  blocks(limit: number, offset: number): unknown;
  metrics(): Promise<{ contentType: string; body: string }>;
}

export interface ApiServer {
  url: string;
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(text);
}

function intParam(url: URL, name: string, def: number, max: number): number {
  const raw = url.searchParams.get(name);
  if (raw === null) return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) return def;
  return Math.min(n, max);
}

export async function handleApiRequest(
  source: ApiSource,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    send(res, 405, { error: 'method not allowed' });
    return;
  }
  const url = new URL(req.url ?? '/', 'http://localhost');
  const path = url.pathname.replace(/\/+$/, '') || '/';
  if (path === '/metrics') {
    const m = await source.metrics();
    res.writeHead(200, { 'content-type': m.contentType });
    res.end(m.body);
    return;
  }
  if (path === '/health') {
    const h = source.health();
    send(res, h.ready ? 200 : 503, h);
    return;
  }
  if (path === '/api/v1/pool') return send(res, 200, source.pool());
  if (path === '/api/v1/workers') return send(res, 200, source.workers());
  if (path.startsWith('/api/v1/workers/')) {
    let name: string;
    try {
      name = decodeURIComponent(path.slice('/api/v1/workers/'.length));
    } catch {
      return send(res, 400, { error: 'bad worker name' });
    }
    const w = source.worker(name);
    return w === null ? send(res, 404, { error: `unknown worker '${name}'` }) : send(res, 200, w);
  }
  if (path === '/api/v1/blocks') {
    return send(res, 200, source.blocks(intParam(url, 'limit', 50, 1000), intParam(url, 'offset', 0, 1e9)));
  }
  send(res, 404, {
    error: 'not found',
    endpoints: [
      '/metrics',
      '/health',
      '/api/v1/pool',
      '/api/v1/workers',
      '/api/v1/workers/:name',
      '/api/v1/blocks',
    ],
  });
}

/** Starts the API on host:port (port 0 = ephemeral). */
export async function startApiServer(
  host: string,
  port: number,
  source: ApiSource,
  onError: (err: unknown) => void = () => {},
): Promise<ApiServer> {
  const server: Server = createServer((req, res) => {
    handleApiRequest(source, req, res).catch((err) => {
      onError(err);
      if (!res.headersSent) send(res, 500, { error: 'internal error' });
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5_000;
  server.headersTimeout = 10_000;
  server.requestTimeout = 10_000;
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
