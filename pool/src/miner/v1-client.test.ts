import { once } from 'node:events';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { V1Client } from './v1-client.js';

/** A V1 pool that answers subscribe and answers authorize with `auth`. */
async function pool(auth: { result: unknown; error: unknown }) {
  const sockets: Socket[] = [];
  const server = createServer((s) => {
    sockets.push(s);
    let buf = '';
    s.on('data', (b) => {
      buf += b;
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        const req = JSON.parse(buf.slice(0, i)) as { id: number; method: string };
        buf = buf.slice(i + 1);
        const answer =
          req.method === 'mining.subscribe'
            ? { result: [null, '00000001', 12], error: null }
            : req.method === 'mining.authorize'
              ? auth
              : { result: true, error: null };
        s.write(`${JSON.stringify({ id: req.id, ...answer })}\n`);
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `stratum+tcp://127.0.0.1:${port}`,
    close() {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

const open: Array<{ close(): unknown }> = [];
afterEach(() => {
  for (const o of open.splice(0)) o.close();
});

describe('V1Client', () => {
  it('reports the pool refusing the worker name at mining.authorize, with the pool message', async () => {
    const p = await pool({ result: false, error: [24, 'not an address of this chain', null] });
    const client = new V1Client(p.url, 'rig1');
    open.push(p, { close: () => client.close() });
    client.start();
    const [message] = (await once(client, 'refused')) as [string];
    expect(message).toBe('not an address of this chain');
  });

  it('does not report a refusal when authorize succeeds', async () => {
    const p = await pool({ result: true, error: null });
    const client = new V1Client(p.url, 'ckt1qrig1');
    open.push(p, { close: () => client.close() });
    let refused = false;
    client.on('refused', () => {
      refused = true;
    });
    client.start();
    await once(client, 'ready');
    // The authorize answer follows the subscribe answer on the same connection.
    await new Promise((r) => setTimeout(r, 100));
    expect(refused).toBe(false);
    expect(client.connected).toBe(true);
  });
});
