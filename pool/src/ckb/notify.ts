/**
 * HTTP receiver for the block assembler's `notify` push. With
 * `[block_assembler] notify = ["http://127.0.0.1:8888"]` the node POSTs, whenever its template
 * changes, the BlockTemplate JSON itself (not JSON-RPC; `content-type: application/json`, body
 * = serde_json::to_string(&template)) to each URL, ignores the answer and gives up after
 * `notify_timeout_millis` (800 ms by default) — tx-pool/src/block_assembler/mod.rs `notify`.
 * ckb-miner's receiver answers 200 with an empty body and ignores bodies it cannot parse; we
 * answer 400 for those so a misconfiguration shows up in the node's log and ours.
 *
 * Anyone who can POST here can feed the pool a template: bind it to loopback (the default) or
 * a network only the node shares, and give it a `secret`. The node cannot send headers, so the
 * secret travels as the URL path (`notify = ["http://pool:8888/<secret>"]`); a POST to any other
 * path is refused before its body is read.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BlockTemplateJson } from './rpc-types.js';

export interface NotifyReceiverOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 = ephemeral. */
  port: number;
  /** Called with each pushed template that has the template's shape. */
  onTemplate: (template: BlockTemplateJson) => void;
  /** Bodies that were rejected (bad JSON, wrong shape, too large). */
  onReject?: (reason: string) => void;
  /** Largest accepted body (default 16 MiB; a full template of a 597 kB block is ~2 MB). */
  maxBodyBytes?: number;
  /** When set, only POSTs to `/<secret>` are accepted. */
  secret?: string | null | undefined;
}

export interface NotifyReceiver {
  /** `http://host:port/` (without the secret: safe to log and show) where the node POSTs. */
  url: string;
  port: number;
  close(): Promise<void>;
}

const REQUIRED_TEMPLATE_FIELDS = [
  'version',
  'compact_target',
  'current_time',
  'number',
  'epoch',
  'parent_hash',
  'cellbase',
  'work_id',
  'dao',
  'transactions',
  'proposals',
  'uncles',
] as const;

/**
 * Checks that a pushed body looks like a BlockTemplate (the deep validation happens when the
 * template is turned into a job). Returns the reason it does not, or null.
 */
export function templateShapeProblem(body: unknown): string | null {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'body is not a JSON object';
  const o = body as Record<string, unknown>;
  for (const f of REQUIRED_TEMPLATE_FIELDS) {
    if (!(f in o)) return `missing field ${f}`;
  }
  for (const f of ['number', 'parent_hash', 'work_id', 'compact_target', 'current_time'] as const) {
    if (typeof o[f] !== 'string') return `field ${f} is not a string`;
  }
  for (const f of ['transactions', 'proposals', 'uncles'] as const) {
    if (!Array.isArray(o[f])) return `field ${f} is not an array`;
  }
  const cellbase = o.cellbase as Record<string, unknown> | null;
  if (typeof cellbase !== 'object' || cellbase === null || typeof cellbase.data !== 'object') {
    return 'field cellbase has no data';
  }
  return null;
}

/** Reads the shared secret from its file (the field name is for the error message). */
export function readNotifySecret(file: string, field = 'node.notifySecretFile'): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`${field}: cannot read ${file}: ${(err as Error).message}`);
  }
  const secret = text.trim();
  if (!/^[A-Za-z0-9_-]{32,}$/.test(secret)) {
    throw new Error(`${field}: ${file} must hold at least 32 characters of A-Z a-z 0-9 _ -`);
  }
  return secret;
}

/** Compares the request path with `/<secret>` in constant time (digests have equal length). */
export function pathCarriesSecret(path: string | undefined, secret: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(path ?? ''), digest(`/${secret}`));
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new Error(`body larger than ${limit} bytes`));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export async function startNotifyReceiver(options: NotifyReceiverOptions): Promise<NotifyReceiver> {
  const limit = options.maxBodyBytes ?? 16 * 1024 * 1024;
  const answer = (res: ServerResponse, status: number, text = '') => {
    res.writeHead(status, { 'content-type': 'text/plain', connection: 'close' });
    res.end(text);
  };
  const reject = (res: ServerResponse, status: number, reason: string) => {
    options.onReject?.(reason);
    answer(res, status, `${reason}\n`);
  };

  const server: Server = createServer(async (req, res) => {
    if (req.method !== 'POST') {
      reject(res, 405, `method ${req.method} not allowed; the node POSTs templates`);
      return;
    }
    if (options.secret && !pathCarriesSecret(req.url, options.secret)) {
      // Said to the caller without detail; the reason (never the path) goes to our log.
      options.onReject?.('unauthenticated: the URL path does not carry the notify secret');
      answer(res, 403, 'forbidden\n');
      return;
    }
    let body: Buffer;
    try {
      body = await readBody(req, limit);
    } catch (err) {
      reject(res, 413, (err as Error).message);
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch {
      reject(res, 400, 'body is not JSON');
      return;
    }
    const problem = templateShapeProblem(json);
    if (problem) {
      reject(res, 400, `not a block template: ${problem}`);
      return;
    }
    // Answer first: the node waits at most notify_timeout_millis and we have what we need.
    answer(res, 200);
    try {
      options.onTemplate(json as BlockTemplateJson);
    } catch (err) {
      options.onReject?.(`onTemplate threw: ${(err as Error).message}`);
    }
  });

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${port}/`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
