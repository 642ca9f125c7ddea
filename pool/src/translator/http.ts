import { createServer, type Server } from 'node:http';
import { listenHttp } from '../api/http.js';
import { parseHostPort } from '../net/address.js';
import type { TranslatorMetrics } from './metrics.js';

/** /metrics (Prometheus text) and /health (200 when the pool connection carries work, else 503). */

export interface TranslatorHttp {
  url: string;
  close(): Promise<void>;
}

export async function startTranslatorHttp(
  listen: string,
  metrics: TranslatorMetrics,
  health: () => { ready: boolean } & Record<string, unknown>,
): Promise<TranslatorHttp> {
  const { host, port } = parseHostPort(listen, 'metrics listen');
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
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
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: 'not found', endpoints: ['/metrics', '/health'] }));
  });
  server.requestTimeout = 10_000;
  return listenHttp(server, host, port);
}
