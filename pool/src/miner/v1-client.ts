import { EventEmitter } from 'node:events';
import { connect, type Socket } from 'node:net';
import { LineSplitter, parseLine, requestLine } from '../stratum-v1/wire.js';

/**
 * A CKB Stratum V1 client (what an ASIC speaks): subscribe, extranonce.subscribe, authorize,
 * then set_target / notify / set_extranonce from the pool and submits with their answers.
 * Reconnects with backoff when the connection drops.
 */

export interface V1Work {
  jobId: string;
  powHash: Uint8Array;
  height: bigint;
  parentHash: Uint8Array;
  clean: boolean;
}

export interface V1ClientEvents {
  ready: [extranonce1: Uint8Array, extranonce2Size: number];
  extranonce: [extranonce1: Uint8Array, extranonce2Size: number];
  target: [target: bigint];
  job: [job: V1Work];
  down: [reason: string];
  /** `mining.authorize` answered false: the pool or translator refuses this name. */
  refused: [message: string];
}

export type V1Answer = { ok: true } | { ok: false; code: number; message: string };

export function parseV1Url(url: string): { host: string; port: number } {
  const u = new URL(url);
  if (u.protocol !== 'stratum+tcp:') throw new Error(`V1 URL must be stratum+tcp://HOST:PORT, got ${url}`);
  if (!u.port) throw new Error(`V1 URL has no port: ${url}`);
  return { host: u.hostname.replace(/^\[(.*)\]$/, '$1'), port: Number(u.port) };
}

export class V1Client extends EventEmitter<V1ClientEvents> {
  private socket: Socket | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, (r: { result: unknown; error: unknown }) => void>();
  private stopped = false;
  private attempt = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  extranonce1: Uint8Array = new Uint8Array(0);
  extranonce2Size = 0;
  connections = 0;
  /** Bytes on the wire, all connections. */
  bytesIn = 0;
  bytesOut = 0;

  constructor(
    private readonly url: string,
    private readonly user: string,
    private readonly agent = 'ckb-pool-miner/0.1.0',
  ) {
    super();
    parseV1Url(url);
  }

  start(): void {
    this.dial();
  }

  get connected(): boolean {
    return this.socket !== null && this.extranonce2Size > 0;
  }

  private dial(): void {
    if (this.stopped) return;
    const { host, port } = parseV1Url(this.url);
    const socket = connect({ host, port });
    socket.setNoDelay(true);
    this.socket = socket;
    const splitter = new LineSplitter(1 << 20);
    socket.on('connect', () => {
      this.connections += 1;
      void this.handshake(socket);
    });
    socket.on('data', (chunk: Buffer) => {
      let lines: string[];
      try {
        lines = splitter.push(chunk);
      } catch {
        socket.destroy();
        return;
      }
      for (const l of lines) this.onLine(l);
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      this.bytesIn += socket.bytesRead;
      this.bytesOut += socket.bytesWritten;
      if (this.socket === socket) this.socket = null;
      const wasUp = this.extranonce2Size > 0;
      this.extranonce2Size = 0;
      for (const r of this.pending.values()) r({ result: null, error: [20, 'connection lost', null] });
      this.pending.clear();
      if (wasUp) this.emit('down', 'connection closed');
      if (this.stopped) return;
      const delay = Math.min(5_000, 100 * 2 ** Math.min(this.attempt++, 10));
      this.retryTimer = setTimeout(() => {
        this.retryTimer = null;
        this.dial();
      }, delay);
      this.retryTimer.unref?.();
    });
  }

  private request(method: string, params: unknown[]): Promise<{ result: unknown; error: unknown }> {
    const socket = this.socket;
    if (!socket) return Promise.resolve({ result: null, error: [20, 'not connected', null] });
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      socket.write(requestLine(id, method, params));
    });
  }

  private async handshake(socket: Socket): Promise<void> {
    const sub = await this.request('mining.subscribe', [this.agent, null]);
    const r = sub.result as unknown[];
    if (!Array.isArray(r) || typeof r[1] !== 'string' || typeof r[2] !== 'number') {
      socket.destroy();
      return;
    }
    this.extranonce1 = new Uint8Array(Buffer.from(r[1], 'hex'));
    this.extranonce2Size = r[2];
    this.attempt = 0;
    this.emit('ready', this.extranonce1, this.extranonce2Size);
    void this.request('mining.extranonce.subscribe', []);
    const auth = await this.request('mining.authorize', [this.user, 'x']);
    if (auth.result === true) return;
    // A refusal carries its reason in the error array; a lost connection is not a refusal.
    const err = auth.error;
    if (auth.result === false && Array.isArray(err) && typeof err[1] === 'string')
      this.emit('refused', err[1]);
    socket.destroy();
  }

  private onLine(line: string): void {
    const p = parseLine(line);
    if (p.kind === 'response') {
      if (typeof p.id !== 'number') return;
      const r = this.pending.get(p.id);
      if (r) {
        this.pending.delete(p.id);
        r({ result: p.result, error: p.error });
      }
      return;
    }
    if (p.kind !== 'notification') return;
    const params = p.params;
    switch (p.method) {
      case 'mining.set_target':
        if (typeof params[0] === 'string' && /^[0-9a-fA-F]{64}$/.test(params[0]))
          this.emit('target', BigInt(`0x${params[0]}`));
        return;
      case 'mining.notify': {
        const [jobId, powHash, height, parentHash, clean] = params;
        if (typeof jobId !== 'string' || typeof powHash !== 'string' || powHash.length !== 64) return;
        this.emit('job', {
          jobId,
          powHash: new Uint8Array(Buffer.from(powHash, 'hex')),
          height: BigInt(typeof height === 'number' ? height : 0),
          parentHash: new Uint8Array(Buffer.from(typeof parentHash === 'string' ? parentHash : '', 'hex')),
          clean: clean === true,
        });
        return;
      }
      case 'mining.set_extranonce':
        if (typeof params[0] === 'string' && typeof params[1] === 'number') {
          this.extranonce1 = new Uint8Array(Buffer.from(params[0], 'hex'));
          this.extranonce2Size = params[1];
          this.emit('extranonce', this.extranonce1, this.extranonce2Size);
        }
        return;
      default:
        return;
    }
  }

  async submit(jobId: string, extranonce2: Uint8Array): Promise<V1Answer> {
    const r = await this.request('mining.submit', [
      this.user,
      jobId,
      Buffer.from(extranonce2).toString('hex'),
    ]);
    if (r.result === true) return { ok: true };
    const e = Array.isArray(r.error) ? r.error : [20, 'rejected'];
    return { ok: false, code: Number(e[0]), message: String(e[1]) };
  }

  get wireBytesIn(): number {
    return this.bytesIn + (this.socket?.bytesRead ?? 0);
  }
  get wireBytesOut(): number {
    return this.bytesOut + (this.socket?.bytesWritten ?? 0);
  }

  close(): void {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.socket?.destroy();
  }
}
