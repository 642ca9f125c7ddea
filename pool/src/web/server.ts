import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import {
  type ApiServer,
  type ApiServerLimits,
  type ApiSource,
  DEFAULT_API_LIMITS,
  handleApiRequest,
  listenHttp,
} from '../api/http.js';
import { RequestRateLimit } from './rate-limit.js';

/**
 * The miners' web site: a public, read-only listener of its own, apart from the operator's
 * API. Two pages (`/` the pool, `/miners/:address` one account) drawn in the browser from the
 * same JSON the API serves, which this listener also serves — only the public part of it: no
 * /metrics, no /health, nothing about the node. Every client address is rate-limited.
 */

export interface WebConnectInfo {
  /** `stratum2+tcp://host:port/AUTHORITY` as miners should dial it (host filled in per request when null). */
  sv2Url: string | null;
  sv2Port: number;
  authorityPubkey: string;
  /** `stratum+tcp://host:port` of the translator, when miners can reach one. */
  v1Url: string | null;
  /** A translator on the pool's own host name at this port (host filled in per request). */
  v1Port?: number | null;
}

export interface WebServerOptions {
  connect: WebConnectInfo;
  limits?: ApiServerLimits;
  rate?: { perSecond: number; burst: number };
  onError?: (err: unknown) => void;
}

/** The JSON routes the web listener passes to the API handler. */
const PUBLIC_API = [
  /^\/api\/v1\/pool$/,
  /^\/api\/v1\/blocks$/,
  /^\/api\/v1\/miners\/[^/]+$/,
  /^\/api\/v1\/hashrate$/,
  /^\/api\/v1\/payouts$/,
];

interface Asset {
  type: string;
  body: Buffer;
}

function loadAssets(): Map<string, Asset> {
  const web = new URL('../../web/', import.meta.url);
  const require = createRequire(import.meta.url);
  const read = (file: string | URL) => readFileSync(file);
  return new Map<string, Asset>([
    ['/assets/app.js', { type: 'text/javascript; charset=utf-8', body: read(new URL('app.js', web)) }],
    ['/assets/style.css', { type: 'text/css; charset=utf-8', body: read(new URL('style.css', web)) }],
    [
      '/assets/uPlot.iife.min.js',
      { type: 'text/javascript; charset=utf-8', body: read(require.resolve('uplot/dist/uPlot.iife.min.js')) },
    ],
    [
      '/assets/uPlot.min.css',
      { type: 'text/css; charset=utf-8', body: read(require.resolve('uplot/dist/uPlot.min.css')) },
    ],
  ]);
}

const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

function page(kind: 'pool' | 'miner'): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>CKB pool</title><link rel="icon" href="data:,"><link rel="stylesheet" href="/assets/uPlot.min.css"><link rel="stylesheet" href="/assets/style.css">
</head><body data-page="${kind}"><header><a href="/">CKB pool</a>
<form id="lookup"><input name="address" placeholder="your ckb… / ckt… address" aria-label="address"><button>Look up</button></form>
</header><main id="app"><p class="muted">Loading…</p></main>
<script src="/assets/uPlot.iife.min.js"></script><script src="/assets/app.js"></script></body></html>
`;
}

function hostOf(req: IncomingMessage): string {
  const host = (req.headers.host ?? 'localhost').replace(/:\d+$/, '');
  // A Host header is the client's to write: keep only what a host name or address can be.
  return /^[a-z0-9.-]{1,253}$|^\[[0-9a-f:.]+\]$/i.test(host) ? host : 'localhost';
}

function connectJson(c: WebConnectInfo, req: IncomingMessage) {
  const host = hostOf(req);
  return {
    sv2Url: c.sv2Url ?? `stratum2+tcp://${host}:${c.sv2Port}/${c.authorityPubkey}`,
    authorityPubkey: c.authorityPubkey,
    v1Url: c.v1Url ?? (c.v1Port ? `stratum+tcp://${host}:${c.v1Port}` : null),
    worker: '<your CKB address>.<worker name>',
  };
}

export async function startWebServer(
  host: string,
  port: number,
  source: ApiSource,
  o: WebServerOptions,
): Promise<ApiServer> {
  const limits = o.limits ?? DEFAULT_API_LIMITS;
  const assets = loadAssets();
  const rate = new RequestRateLimit(o.rate ?? { perSecond: 10, burst: 40 });
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const client = req.socket.remoteAddress ?? '?';
    if (!rate.take(client)) {
      res.writeHead(429, { 'retry-after': String(rate.retryAfterSeconds(client)), ...SECURITY_HEADERS });
      return void res.end('too many requests\n');
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, SECURITY_HEADERS);
      return void res.end();
    }
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const asset = assets.get(path);
    if (asset) {
      res.writeHead(200, {
        'content-type': asset.type,
        'cache-control': 'public, max-age=300',
        ...SECURITY_HEADERS,
      });
      return void res.end(asset.body);
    }
    if (path === '/' || /^\/miners\/[^/]+$/.test(path)) {
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-store',
        ...SECURITY_HEADERS,
      });
      return void res.end(page(path === '/' ? 'pool' : 'miner'));
    }
    if (path === '/api/v1/connect') {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', ...SECURITY_HEADERS });
      return void res.end(JSON.stringify(connectJson(o.connect, req)));
    }
    if (PUBLIC_API.some((r) => r.test(path)))
      return handleApiRequest(source, req, res, limits.maxResponseBytes);
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', ...SECURITY_HEADERS });
    res.end('not found\n');
  };
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      o.onError?.(err);
      if (res.headersSent) return void res.destroy();
      res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('internal error\n');
    });
  });
  server.maxConnections = limits.maxConnections;
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.setTimeout(limits.socketTimeoutMs, (socket) => socket.destroy());
  return listenHttp(server, host, port);
}
