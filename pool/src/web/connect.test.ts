import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { ApiServer, ApiSource } from '../api/http.js';
import { startWebServer, type WebConnectInfo } from './server.js';

/** The page's "how to connect" box: URLs miners can dial, with the host name they used. */

let server: ApiServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

async function connectAs(
  host: string,
  connect: WebConnectInfo,
): Promise<{ sv2Url: string; v1Url: string | null }> {
  // /api/v1/connect reads nothing from the source.
  server = await startWebServer('127.0.0.1', 0, {} as ApiSource, { connect });
  const port = Number(new URL(server.url).port);
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/api/v1/connect', headers: { host } }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(JSON.parse(body)));
    });
    req.on('error', reject);
    req.end();
  });
}

const BASE = { sv2Url: null, sv2Port: 3336, authorityPubkey: 'PUB', v1Url: null };

describe('the connect box of the web page', () => {
  it('builds the V1 URL from the visitor’s host name and web.v1Port, as it does the SV2 URL', async () => {
    const c = await connectAs('pool.example.org:8081', { ...BASE, v1Port: 3333 });
    expect(c.sv2Url).toBe('stratum2+tcp://pool.example.org:3336/PUB');
    expect(c.v1Url).toBe('stratum+tcp://pool.example.org:3333');
  });

  it('prefers an explicit web.v1Url, and offers no V1 without either', async () => {
    expect(
      (await connectAs('a.example', { ...BASE, v1Url: 'stratum+tcp://v1.example:4444', v1Port: 3333 })).v1Url,
    ).toBe('stratum+tcp://v1.example:4444');
    await server?.close();
    expect((await connectAs('a.example', BASE)).v1Url).toBeNull();
  });
});
