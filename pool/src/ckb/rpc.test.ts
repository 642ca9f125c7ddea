import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startDevnet } from '../devnet/index.js';
import { CkbRpcClient, CkbRpcError, CkbRpcTransportError } from './rpc.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A tiny HTTP server whose answer the test controls. */
async function fakeNode(
  handler: (
    body: { id: number; method: string; params: unknown[] },
    req: IncomingMessage,
  ) => {
    status?: number;
    body?: string;
    hang?: boolean;
  },
): Promise<string> {
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const out = handler(JSON.parse(Buffer.concat(chunks).toString('utf8')), req);
      if (out.hang) return;
      res.writeHead(out.status ?? 200, { 'content-type': 'application/json' });
      res.end(out.body ?? '');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(
    () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

async function failure(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => e,
  );
}

describe('CkbRpcClient', () => {
  it('talks to the dev chain: tip, template, info, sync state, node info', async () => {
    const d = await startDevnet({ rpcPort: 0 });
    cleanups.push(() => d.close());
    const rpc = new CkbRpcClient(d.rpcUrl);
    const tip = await rpc.getTipHeader();
    expect(tip.hash).toBe(d.tip().hash);
    const t = await rpc.getBlockTemplate();
    expect(t.parent_hash).toBe(tip.hash);
    expect((await rpc.getBlockchainInfo()).chain).toBe('ckb_dev');
    expect((await rpc.syncState()).tip_number).toBe('0x0');
    expect((await rpc.localNodeInfo()).active).toBe(true);
  });

  it('sends JSON-RPC 2.0 with positional params and a fresh id per call', async () => {
    const seen: Array<{ id: number; method: string; params: unknown[] }> = [];
    const url = await fakeNode((b) => {
      seen.push(b);
      return { body: JSON.stringify({ jsonrpc: '2.0', result: '0xabc', id: b.id }) };
    });
    const rpc = new CkbRpcClient(url);
    await rpc.submitBlock('42', { header: {} } as never);
    await rpc.getBlockTemplate();
    expect(seen[0]).toMatchObject({ jsonrpc: '2.0', method: 'submit_block', params: ['42', { header: {} }] });
    expect(seen[1]).toMatchObject({ method: 'get_block_template', params: [null, null, null] });
    expect(seen[1].id).not.toBe(seen[0].id);
  });

  it('turns a JSON-RPC error into CkbRpcError with code, message and data', async () => {
    const url = await fakeNode((b) => ({
      body: JSON.stringify({
        jsonrpc: '2.0',
        error: { code: -3, message: 'Invalid: Header(Pow(InvalidNonce))', data: 'Header(Pow(InvalidNonce))' },
        id: b.id,
      }),
    }));
    const err = await failure(new CkbRpcClient(url).submitBlock('1', {} as never));
    expect(err).toBeInstanceOf(CkbRpcError);
    const e = err as CkbRpcError;
    expect(e.code).toBe(-3);
    expect(e.rpcMessage).toBe('Invalid: Header(Pow(InvalidNonce))');
    expect(e.data).toBe('Header(Pow(InvalidNonce))');
    expect(e.message).toContain('submit_block');
  });

  it('reports a refused connection as a network transport error naming URL and method', async () => {
    const url = await fakeNode(() => ({ body: '' }));
    await cleanups.pop()!(); // close it: the port is now refused
    const err = await failure(new CkbRpcClient(url).getTipHeader());
    expect(err).toBeInstanceOf(CkbRpcTransportError);
    const e = err as CkbRpcTransportError;
    expect(e.kind).toBe('network');
    expect(e.message).toContain(url);
    expect(e.message).toContain('get_tip_header');
  });

  it('times out a node that never answers', async () => {
    const url = await fakeNode(() => ({ hang: true }));
    const err = await failure(new CkbRpcClient(url, { timeoutMs: 100 }).getTipHeader());
    expect(err).toBeInstanceOf(CkbRpcTransportError);
    expect((err as CkbRpcTransportError).kind).toBe('timeout');
    expect((err as Error).message).toContain('100 ms');
  });

  it('rejects answers that are not JSON-RPC: HTTP errors, non-JSON, wrong id', async () => {
    const a = await fakeNode(() => ({ status: 502, body: 'Bad Gateway' }));
    expect(((await failure(new CkbRpcClient(a).getTipHeader())) as CkbRpcTransportError).kind).toBe(
      'http-status',
    );
    const b = await fakeNode(() => ({ body: '<html>' }));
    expect(((await failure(new CkbRpcClient(b).getTipHeader())) as CkbRpcTransportError).kind).toBe(
      'bad-response',
    );
    const c = await fakeNode((req) => ({
      body: JSON.stringify({ jsonrpc: '2.0', result: 1, id: req.id + 1 }),
    }));
    expect(((await failure(new CkbRpcClient(c).getTipHeader())) as CkbRpcTransportError).kind).toBe(
      'bad-response',
    );
  });

  it('sends user:pass from the URL as Basic auth and keeps it out of messages', async () => {
    let auth: string | undefined;
    const url = await fakeNode((b, req) => {
      auth = req.headers.authorization;
      return { body: JSON.stringify({ jsonrpc: '2.0', result: null, id: b.id }) };
    });
    const withCreds = url.replace('http://', 'http://miner:s3cret@');
    const rpc = new CkbRpcClient(withCreds);
    await rpc.call('ping');
    expect(auth).toBe(`Basic ${Buffer.from('miner:s3cret').toString('base64')}`);
    expect(rpc.url).not.toContain('s3cret');
  });
});
