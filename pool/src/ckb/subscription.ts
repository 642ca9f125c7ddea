/**
 * Client for the node's TCP subscription endpoint (`rpc.tcp_listen_address`, e.g. 18114):
 * newline-delimited JSON-RPC. We send `subscribe ["new_tip_header"]`; the node answers with an
 * opaque subscription id and then pushes
 *   {"jsonrpc":"2.0","method":"subscribe","params":{"subscription":"0x…","result":"<HeaderView JSON>"}}
 * where `result` is the header serialized as a JSON *string* (serde_json::to_string in
 * rpc/src/module/subscription.rs), so it is parsed twice.
 *
 * The connection is kept alive forever: on any failure it reconnects with exponential backoff
 * and jitter until `close()` or the AbortSignal. After every (re)subscription `onSubscribed`
 * fires, so the caller can re-read the tip it may have missed while disconnected.
 */
import { Socket } from 'node:net';
import { parseHostPort } from '../net/address.js';
import type { HeaderViewJson } from './rpc-types.js';

export interface BackoffOptions {
  /** First retry delay (default 250 ms). */
  initialMs?: number;
  /** Upper bound of a delay (default 30 000 ms). */
  maxMs?: number;
  /** Growth per failed attempt (default 2). */
  factor?: number;
  /** Fraction of the delay that is randomized, 0..1 (default 0.3: delay × [0.7, 1.0]). */
  jitter?: number;
}

/**
 * Delay before retry number `attempt` (0-based): min(max, initial × factor^attempt), of which
 * a `jitter` fraction is random so that many clients do not reconnect in lockstep.
 */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions = {},
  random: () => number = Math.random,
): number {
  const initial = options.initialMs ?? 250;
  const max = options.maxMs ?? 30_000;
  const factor = options.factor ?? 2;
  const jitter = Math.min(1, Math.max(0, options.jitter ?? 0.3));
  const base = Math.min(max, initial * factor ** Math.max(0, attempt));
  return Math.round(base * (1 - jitter * random()));
}

/** One line from the node, classified. */
export type SubscriptionLine =
  | { kind: 'response'; id: unknown; result: unknown }
  | { kind: 'error'; id: unknown; code: number; message: string }
  | { kind: 'notification'; subscription: string; result: unknown }
  | { kind: 'invalid'; reason: string };

/**
 * Classifies one line. Notification results that are strings are parsed as JSON (the node's
 * form); an already-decoded object is accepted too, since the WebSocket examples show both.
 */
export function parseSubscriptionLine(line: string): SubscriptionLine {
  let msg: unknown;
  try {
    msg = JSON.parse(line);
  } catch {
    return { kind: 'invalid', reason: `not JSON: ${line.slice(0, 120)}` };
  }
  if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) {
    return { kind: 'invalid', reason: `not a JSON-RPC object: ${line.slice(0, 120)}` };
  }
  const o = msg as Record<string, unknown>;
  if (typeof o.method === 'string') {
    const params = o.params as Record<string, unknown> | undefined;
    if (typeof params !== 'object' || params === null || !('result' in params)) {
      return { kind: 'invalid', reason: `notification without params.result: ${line.slice(0, 120)}` };
    }
    let result = params.result;
    if (typeof result === 'string') {
      const text = result;
      try {
        result = JSON.parse(text);
      } catch {
        return { kind: 'invalid', reason: `params.result is not JSON: ${text.slice(0, 120)}` };
      }
    }
    return { kind: 'notification', subscription: String(params.subscription), result };
  }
  if (o.error !== undefined && o.error !== null) {
    const e = o.error as { code?: unknown; message?: unknown };
    return {
      kind: 'error',
      id: o.id,
      code: typeof e.code === 'number' ? e.code : Number.NaN,
      message: typeof e.message === 'string' ? e.message : JSON.stringify(o.error),
    };
  }
  if ('result' in o) return { kind: 'response', id: o.id, result: o.result };
  return { kind: 'invalid', reason: `neither response nor notification: ${line.slice(0, 120)}` };
}

export interface TipSubscriptionOptions {
  /** `host:port` of the node's TCP subscription listener. */
  address: string;
  /** Called for every new tip header, in arrival order. */
  onHeader: (header: HeaderViewJson) => void;
  /** After each successful (re)subscription, with the node's subscription id. */
  onSubscribed?: (subscriptionId: string, reconnect: boolean) => void;
  /** When a connection ends; `retryInMs` is the delay before the next attempt. */
  onDisconnect?: (reason: Error, retryInMs: number) => void;
  /** Lines that are not understood (logged by the caller; never fatal). */
  onWarning?: (message: string) => void;
  backoff?: BackoffOptions;
  /** Time allowed for connect + subscribe answer (default 5000 ms). */
  connectTimeoutMs?: number;
  /** Longest accepted line; the node's codec allows 2 MiB. */
  maxLineBytes?: number;
  topic?: string;
  signal?: AbortSignal;
}

export type SubscriptionState = 'connecting' | 'subscribed' | 'waiting' | 'closed';

/** A `new_tip_header` subscription that keeps itself connected. Starts on construction. */
export class TipSubscription {
  private socket: Socket | null = null;
  private timer: NodeJS.Timeout | null = null;
  private attempt = 0;
  private everSubscribed = false;
  private closedFlag = false;
  private stateValue: SubscriptionState = 'connecting';
  private readonly host: string;
  private readonly port: number;
  private readonly onAbort = () => this.close();
  private subscribedWaiters: Array<() => void> = [];
  /** The node's id of the current subscription, if subscribed. */
  subscriptionId: string | null = null;

  constructor(private readonly options: TipSubscriptionOptions) {
    ({ host: this.host, port: this.port } = parseHostPort(options.address, 'node.subscribeAddress'));
    if (options.signal?.aborted) {
      this.closedFlag = true;
      this.stateValue = 'closed';
      return;
    }
    options.signal?.addEventListener('abort', this.onAbort, { once: true });
    this.connect();
  }

  get state(): SubscriptionState {
    return this.stateValue;
  }

  /** Resolves when subscribed (immediately if already); rejects after `timeoutMs`. */
  waitSubscribed(timeoutMs = 10_000): Promise<void> {
    if (this.stateValue === 'subscribed') return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.subscribedWaiters = this.subscribedWaiters.filter((w) => w !== done);
        reject(new Error(`not subscribed to ${this.options.address} within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(t);
        resolve();
      };
      this.subscribedWaiters.push(done);
    });
  }

  /** Stops for good: no more callbacks, no reconnects. */
  close(): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    this.stateValue = 'closed';
    this.options.signal?.removeEventListener('abort', this.onAbort);
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.socket?.destroy();
    this.socket = null;
  }

  private connect(): void {
    this.stateValue = 'connecting';
    const socket = new Socket();
    this.socket = socket;
    const maxLine = this.options.maxLineBytes ?? 2 * 1024 * 1024;
    const requestId = 1;
    let buffered = '';
    let failed = false;
    const connectTimer = setTimeout(
      () => fail(new Error(`no subscription answer within ${this.options.connectTimeoutMs ?? 5000} ms`)),
      this.options.connectTimeoutMs ?? 5000,
    );

    const fail = (err: Error) => {
      if (failed) return;
      failed = true;
      clearTimeout(connectTimer);
      socket.destroy();
      if (this.socket === socket) this.socket = null;
      this.subscriptionId = null;
      if (this.closedFlag) return;
      const delay = backoffDelay(this.attempt++, this.options.backoff);
      this.stateValue = 'waiting';
      this.options.onDisconnect?.(err, delay);
      this.timer = setTimeout(() => {
        this.timer = null;
        if (!this.closedFlag) this.connect();
      }, delay);
    };

    const handleLine = (line: string) => {
      if (line.trim() === '') return;
      const msg = parseSubscriptionLine(line);
      switch (msg.kind) {
        case 'response':
          if (msg.id === requestId && this.subscriptionId === null) {
            clearTimeout(connectTimer);
            this.subscriptionId = String(msg.result);
            this.stateValue = 'subscribed';
            this.attempt = 0;
            const reconnect = this.everSubscribed;
            this.everSubscribed = true;
            this.options.onSubscribed?.(this.subscriptionId, reconnect);
            const waiters = this.subscribedWaiters;
            this.subscribedWaiters = [];
            for (const w of waiters) w();
          }
          return;
        case 'error':
          // e.g. -32601 when the Subscription module is disabled: retrying later may help
          // (the operator can fix ckb.toml), so treat it like a lost connection.
          fail(new Error(`subscribe rejected by ${this.options.address}: code ${msg.code}: ${msg.message}`));
          return;
        case 'notification':
          if (this.subscriptionId !== null && msg.subscription !== this.subscriptionId) {
            this.options.onWarning?.(`push for unknown subscription ${msg.subscription}`);
            return;
          }
          if (typeof msg.result !== 'object' || msg.result === null) {
            this.options.onWarning?.(`push result is not a header object: ${line.slice(0, 120)}`);
            return;
          }
          try {
            this.options.onHeader(msg.result as HeaderViewJson);
          } catch (err) {
            // A consumer bug must not kill the connection or the process.
            this.options.onWarning?.(`onHeader threw: ${(err as Error).message}`);
          }
          return;
        case 'invalid':
          this.options.onWarning?.(msg.reason);
          return;
      }
    };

    socket.setEncoding('utf8');
    socket.setNoDelay(true);
    socket.on('connect', () => {
      socket.setKeepAlive(true, 10_000);
      const topic = this.options.topic ?? 'new_tip_header';
      socket.write(
        `${JSON.stringify({ id: requestId, jsonrpc: '2.0', method: 'subscribe', params: [topic] })}\n`,
      );
    });
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      let nl = buffered.indexOf('\n');
      while (nl >= 0 && !failed && !this.closedFlag) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        handleLine(line);
        nl = buffered.indexOf('\n');
      }
      if (buffered.length > maxLine) fail(new Error(`line longer than ${maxLine} bytes`));
    });
    socket.on('error', (err) => fail(err));
    socket.on('close', () => fail(new Error(`connection to ${this.options.address} closed`)));
    socket.connect(this.port, this.host);
  }
}
