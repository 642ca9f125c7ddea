/**
 * Transports of the dev chain, shaped like the node's (rpc/src/server.rs):
 * - HTTP JSON-RPC on `rpc.listen_address` (POST, single or batch requests);
 * - TCP on `rpc.tcp_listen_address`: newline-delimited JSON-RPC serving the same methods plus
 *   `subscribe`/`unsubscribe`; pushes are
 *   {"jsonrpc":"2.0","method":"subscribe","params":{"subscription":"0x…","result":"<JSON string>"}}
 *   with a random 16-byte hex subscription id (jsonrpc-utils pub_sub.rs).
 */
import { randomBytes } from 'node:crypto';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import {
  type AddressInfo,
  createServer as createTcpServer,
  type Socket,
  type Server as TcpServer,
} from 'node:net';
import type { DevChain, StoredBlock } from './chain.js';
import { type DevnetIdentity, handleRequest, methodNotFound } from './rpc-methods.js';
import { RpcFailure } from './verify.js';

const PARSE_ERROR = { jsonrpc: '2.0', error: { code: -32700, message: 'Parse error' }, id: null };
const MAX_BODY = 16 * 1024 * 1024;

function listen(server: HttpServer | TcpServer, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function hostForUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

export interface RunningServer {
  port: number;
  close(): Promise<void>;
}

/** Over HTTP there is no session, so subscribe is "Method not found", as on the node. */
function httpExtra(method: string): { handled: false } {
  if (method === 'subscribe' || method === 'unsubscribe') throw methodNotFound();
  return { handled: false };
}

export async function startHttpRpc(
  chain: DevChain,
  id: DevnetIdentity,
  host: string,
  port: number,
): Promise<RunningServer> {
  const server = createHttpServer((req, res) => {
    const send = (status: number, body: string, type = 'application/json') => {
      res.writeHead(status, { 'content-type': type });
      res.end(body);
    };
    if (req.method !== 'POST') {
      send(405, 'Used HTTP Method is not allowed. POST or OPTIONS is required', 'text/plain');
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        send(413, 'request body too large', 'text/plain');
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => {
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        send(200, JSON.stringify(PARSE_ERROR));
        return;
      }
      if (Array.isArray(body)) {
        const out = body.map((r) => handleRequest(chain, id, r, httpExtra)).filter((r) => r !== null);
        send(200, JSON.stringify(out));
        return;
      }
      const out = handleRequest(chain, id, body, httpExtra);
      send(200, out === null ? '' : JSON.stringify(out));
    });
  });
  const bound = await listen(server, port, host);
  return {
    port: bound,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const TOPICS = [
  'new_tip_header',
  'new_tip_block',
  'new_transaction',
  'proposed_transaction',
  'rejected_transaction',
  'log',
];

interface Session {
  socket: Socket;
  subscriptions: Map<string, string>;
}

export interface TcpRpc extends RunningServer {
  /** Number of open TCP sessions (for tests). */
  sessions(): number;
}

export async function startTcpRpc(
  chain: DevChain,
  id: DevnetIdentity,
  host: string,
  port: number,
): Promise<TcpRpc> {
  const sessions = new Set<Session>();

  const push = (tip: StoredBlock) => {
    // One serialization per topic, as the node broadcasts one string to all subscribers.
    const payload: Record<string, string> = {
      new_tip_header: JSON.stringify(chain.headerView(tip)),
      new_tip_block: JSON.stringify(chain.blockView(tip)),
    };
    for (const s of sessions) {
      for (const [subId, topic] of s.subscriptions) {
        const result = payload[topic];
        if (result === undefined) continue;
        s.socket.write(
          `${JSON.stringify({ jsonrpc: '2.0', method: 'subscribe', params: { subscription: subId, result } })}\n`,
        );
      }
    }
  };
  const offTip = chain.onTip(push);

  const server = createTcpServer((socket) => {
    const session: Session = { socket, subscriptions: new Map() };
    sessions.add(session);
    socket.setEncoding('utf8');
    let buffered = '';
    const extra = (method: string, params: unknown) => {
      if (method === 'subscribe') {
        const topic = Array.isArray(params) ? params[0] : undefined;
        if (typeof topic !== 'string' || !TOPICS.includes(topic)) {
          throw new RpcFailure(
            -32602,
            `Invalid params: unknown variant \`${String(topic)}\`, expected one of ${TOPICS.map((t) => `\`${t}\``).join(', ')}.`,
          );
        }
        const subId = `0x${randomBytes(16).toString('hex')}`;
        session.subscriptions.set(subId, topic);
        return { handled: true as const, result: subId };
      }
      if (method === 'unsubscribe') {
        const subId = Array.isArray(params) ? params[0] : undefined;
        return {
          handled: true as const,
          result: typeof subId === 'string' && session.subscriptions.delete(subId),
        };
      }
      return { handled: false as const };
    };
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      if (buffered.length > 2 * 1024 * 1024) {
        socket.destroy();
        return;
      }
      let nl = buffered.indexOf('\n');
      while (nl >= 0) {
        const line = buffered.slice(0, nl).trim();
        buffered = buffered.slice(nl + 1);
        nl = buffered.indexOf('\n');
        if (line === '') continue;
        let req: unknown;
        try {
          req = JSON.parse(line);
        } catch {
          socket.write(`${JSON.stringify(PARSE_ERROR)}\n`);
          continue;
        }
        const out = handleRequest(chain, id, req, extra);
        if (out !== null) socket.write(`${JSON.stringify(out)}\n`);
      }
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => sessions.delete(session));
  });
  const bound = await listen(server, port, host);
  return {
    port: bound,
    sessions: () => sessions.size,
    close: () =>
      new Promise((resolve) => {
        offTip();
        for (const s of sessions) s.socket.destroy();
        sessions.clear();
        server.close(() => resolve());
      }),
  };
}

export { hostForUrl };
