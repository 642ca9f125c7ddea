import { createServer, type Server } from 'node:http';
import { listenHttp } from '../api/http.js';
import { MONITORING_ROUTES, type MonitoringRoutes } from '../api/sri-monitoring.js';
import { parseHostPort } from '../net/address.js';
import type { TranslatorMetrics } from './metrics.js';

/**
 * /metrics (Prometheus text), /health (200 when the pool connection carries work, else 503)
 * and SRI's monitoring routes (/api/v1/…, sri-monitoring.ts) when given.
 */

export interface TranslatorHttp {
  url: string;
  close(): Promise<void>;
}

export async function startTranslatorHttp(
  listen: string,
  metrics: TranslatorMetrics,
  sri: MonitoringRoutes | null,
  health: () => { ready: boolean } & Record<string, unknown>,
): Promise<TranslatorHttp> {
  const { host, port } = parseHostPort(listen, 'metrics listen');
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    if (path === '/metrics') {
      metrics.text().then(
        (body) => {
          res.writeHead(200, { 'content-type': metrics.registry.contentType });
          res.end(body);
        },
        () => {
          res.writeHead(500);
          res.end();
        },
      );
      return;
    }
    if (path === '/health') {
      const h = health();
      res.writeHead(h.ready ? 200 : 503, { 'content-type': 'application/json' });
      res.end(JSON.stringify(h));
      return;
    }
    const answer = sri?.(path, url);
    if (answer) {
      res.writeHead(answer.status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify(answer.body));
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    const endpoints = ['/metrics', '/health', ...(sri ? MONITORING_ROUTES : [])];
    res.end(JSON.stringify({ error: 'not found', endpoints }));
  });
  server.requestTimeout = 10_000;
  return listenHttp(server, host, port);
}
