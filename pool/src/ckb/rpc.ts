/**
 * JSON-RPC 2.0 client for the CKB node's HTTP RPC (default port 8114).
 *
 * Two kinds of failure are kept apart because callers react differently:
 * - `CkbRpcError`: the node answered with a JSON-RPC error (e.g. `submit_block` → code -3
 *   "Invalid: Header(Pow(InvalidNonce…))"). Retrying the same request will not help.
 * - `CkbRpcTransportError`: no usable answer (connection refused, timeout, HTTP error status,
 *   a body that is not JSON-RPC). The node may be restarting; retrying can help.
 * Both name the URL (without credentials) and the method.
 */
import { toMinimalHex } from './hex.js';
import type {
  BlockJson,
  BlockTemplateJson,
  BlockViewJson,
  ChainInfoJson,
  HeaderViewJson,
  LocalNodeJson,
  SyncStateJson,
} from './rpc-types.js';

export type * from './rpc-types.js';

/** The node answered with a JSON-RPC error object. */
export class CkbRpcError extends Error {
  constructor(
    readonly code: number,
    readonly rpcMessage: string,
    readonly method: string,
    readonly url: string,
    readonly data?: unknown,
  ) {
    super(`CKB RPC ${method} at ${url} failed with code ${code}: ${rpcMessage}`);
    this.name = 'CkbRpcError';
  }
}

export type TransportFailure = 'timeout' | 'network' | 'http-status' | 'bad-response' | 'aborted';

/** The request got no usable JSON-RPC answer. */
export class CkbRpcTransportError extends Error {
  constructor(
    readonly kind: TransportFailure,
    readonly method: string,
    readonly url: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`CKB RPC ${method} at ${url}: ${detail}`, options);
    this.name = 'CkbRpcTransportError';
  }
}

export interface CkbRpcClientOptions {
  /** Per-request timeout in milliseconds (default 10 000). */
  timeoutMs?: number;
  /** Extra HTTP headers (e.g. a reverse proxy's auth). */
  headers?: Record<string, string>;
}

export interface CallOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * Splits `user:pass@` out of the URL: fetch refuses URLs with credentials, while the node's
 * own miner accepts them (ckb-miner parse_authorization) and sends them as Basic auth.
 */
function splitCredentials(url: string): { url: string; authorization: string | null } {
  const u = new URL(url);
  let authorization: string | null = null;
  if (u.username || u.password) {
    const user = decodeURIComponent(u.username);
    const pass = decodeURIComponent(u.password);
    authorization = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
    u.username = '';
    u.password = '';
  }
  return { url: u.toString(), authorization };
}

export class CkbRpcClient {
  /** The endpoint without credentials: what requests go to and what errors name. */
  readonly url: string;
  private readonly authorization: string | null;
  private readonly timeoutMs: number;
  private readonly headers: Record<string, string>;
  private nextId = 1;

  constructor(url: string, options: CkbRpcClientOptions = {}) {
    ({ url: this.url, authorization: this.authorization } = splitCredentials(url));
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.headers = options.headers ?? {};
  }

  /** Calls `method` with positional `params`; resolves to `result` or throws one of the two errors. */
  async call<T>(method: string, params: unknown[] = [], options: CallOptions = {}): Promise<T> {
    const id = this.nextId++;
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
    const headers: Record<string, string> = { 'content-type': 'application/json', ...this.headers };
    if (this.authorization) headers.authorization = this.authorization;

    let text: string;
    let status: number;
    try {
      const res = await fetch(this.url, {
        method: 'POST',
        headers,
        body: JSON.stringify({ id, jsonrpc: '2.0', method, params }),
        signal,
      });
      status = res.status;
      text = await res.text();
    } catch (err) {
      if (timeout.aborted) {
        throw new CkbRpcTransportError('timeout', method, this.url, `no answer within ${timeoutMs} ms`, {
          cause: err,
        });
      }
      if (options.signal?.aborted) {
        throw new CkbRpcTransportError('aborted', method, this.url, 'request aborted', { cause: err });
      }
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const detail = cause?.code ?? cause?.message ?? (err as Error).message;
      throw new CkbRpcTransportError('network', method, this.url, `request failed: ${detail}`, {
        cause: err,
      });
    }

    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      if (status < 200 || status >= 300) {
        throw new CkbRpcTransportError(
          'http-status',
          method,
          this.url,
          `HTTP ${status}: ${text.slice(0, 200)}`,
        );
      }
      throw new CkbRpcTransportError(
        'bad-response',
        method,
        this.url,
        `answer is not JSON: ${text.slice(0, 200)}`,
      );
    }
    return this.unwrap<T>(body, id, method, status);
  }

  private unwrap<T>(body: unknown, id: number, method: string, status: number): T {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new CkbRpcTransportError(
        'bad-response',
        method,
        this.url,
        `answer is not a JSON-RPC object (HTTP ${status})`,
      );
    }
    const o = body as { id?: unknown; result?: unknown; error?: unknown };
    if (o.error !== undefined && o.error !== null) {
      const e = o.error as { code?: unknown; message?: unknown; data?: unknown };
      const code = typeof e.code === 'number' ? e.code : Number.NaN;
      const message = typeof e.message === 'string' ? e.message : JSON.stringify(o.error);
      throw new CkbRpcError(code, message, method, this.url, e.data);
    }
    if (status < 200 || status >= 300) {
      throw new CkbRpcTransportError('http-status', method, this.url, `HTTP ${status}`);
    }
    if (o.id !== id) {
      throw new CkbRpcTransportError(
        'bad-response',
        method,
        this.url,
        `answer id ${JSON.stringify(o.id)} ≠ request id ${id}`,
      );
    }
    if (!('result' in o)) {
      throw new CkbRpcTransportError('bad-response', method, this.url, 'answer has neither result nor error');
    }
    return o.result as T;
  }

  /** `get_block_template(bytes_limit?, proposals_limit?, max_version?)`. */
  getBlockTemplate(
    limits: { bytesLimit?: bigint; proposalsLimit?: bigint; maxVersion?: number } = {},
    options?: CallOptions,
  ): Promise<BlockTemplateJson> {
    const hex = (v: bigint | number | undefined) => (v === undefined ? null : toMinimalHex(v));
    return this.call(
      'get_block_template',
      [hex(limits.bytesLimit), hex(limits.proposalsLimit), hex(limits.maxVersion)],
      options,
    );
  }

  /**
   * `submit_block(work_id, block)` → the block hash. The node only logs `work_id`; ckb-miner
   * sends the template's work_id as a decimal string, which is what callers should pass.
   */
  submitBlock(workId: string, block: BlockJson, options?: CallOptions): Promise<string> {
    return this.call('submit_block', [workId, block], options);
  }

  getTipHeader(options?: CallOptions): Promise<HeaderViewJson> {
    return this.call('get_tip_header', [], options);
  }

  getHeaderByNumber(number: bigint, options?: CallOptions): Promise<HeaderViewJson | null> {
    return this.call('get_header_by_number', [toMinimalHex(number)], options);
  }

  getBlock(hash: string, options?: CallOptions): Promise<BlockViewJson | null> {
    return this.call('get_block', [hash], options);
  }

  getBlockchainInfo(options?: CallOptions): Promise<ChainInfoJson> {
    return this.call('get_blockchain_info', [], options);
  }

  syncState(options?: CallOptions): Promise<SyncStateJson> {
    return this.call('sync_state', [], options);
  }

  localNodeInfo(options?: CallOptions): Promise<LocalNodeJson> {
    return this.call('local_node_info', [], options);
  }
}
