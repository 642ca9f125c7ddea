import { connect, type Socket } from 'node:net';
import { eaglesongPow, powMidstate } from '../../src/ckb/eaglesong.js';
import { meetsTarget } from '../../src/ckb/target.js';
import { TestClient } from '../support/test-client.js';

/**
 * The honest miners that run throughout an attack: one SV2 miner on the pool, one V1 miner on
 * the translator, each submitting a real share every `intervalMs` and timing the answer.
 * A miner never reconnects: a closed connection is recorded and stays closed, so "no
 * reconnect" is simply `closed === null` at the end.
 */

export interface MinerStats {
  shares: number;
  accepted: number;
  /** Answers that were errors (stale shares after a new block are normal, a few). */
  errors: number;
  /** Shares that got no answer within 5 s. */
  unanswered: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Why the connection closed, or null (it stayed up). */
  closed: string | null;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

abstract class Miner {
  protected latencies: number[] = [];
  protected accepted = 0;
  protected errors = 0;
  protected unanswered = 0;
  protected closedWhy: string | null = null;
  private running = true;
  private loop: Promise<void> | null = null;

  protected abstract submitOne(): Promise<'ok' | 'error' | 'timeout'>;

  protected run(intervalMs: number): void {
    this.loop = (async () => {
      while (this.running && this.closedWhy === null) {
        const t0 = performance.now();
        const r = await this.submitOne();
        const ms = performance.now() - t0;
        if (r === 'timeout') this.unanswered += 1;
        else {
          this.latencies.push(ms);
          if (r === 'ok') this.accepted += 1;
          else this.errors += 1;
        }
        await new Promise((res) => setTimeout(res, Math.max(0, intervalMs - ms)));
      }
    })();
  }

  /** Statistics since the start (or the last `reset`). */
  stats(): MinerStats {
    const sorted = [...this.latencies].sort((a, b) => a - b);
    return {
      shares: this.latencies.length + this.unanswered,
      accepted: this.accepted,
      errors: this.errors,
      unanswered: this.unanswered,
      p50Ms: Math.round(percentile(sorted, 50)),
      p99Ms: Math.round(percentile(sorted, 99)),
      maxMs: Math.round(sorted[sorted.length - 1] ?? 0),
      closed: this.closedWhy,
    };
  }

  reset(): void {
    this.latencies = [];
    this.accepted = 0;
    this.errors = 0;
    this.unanswered = 0;
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    this.close();
  }

  protected abstract close(): void;
}

export class HonestSv2 extends Miner {
  private next = 0;

  private constructor(
    private readonly c: TestClient,
    private readonly ch: Awaited<ReturnType<TestClient['openStandard']>>,
  ) {
    super();
    c.conn.on('close', (info) => {
      this.closedWhy ??= info.reason;
    });
  }

  static async start(sv2Address: string, authority: string, intervalMs = 200): Promise<HonestSv2> {
    const c = await TestClient.connect(sv2Address, authority);
    await c.setup();
    const ch = await c.openStandard('honest.sv2');
    await c.waitJob(ch);
    const m = new HonestSv2(c, ch);
    m.run(intervalMs);
    return m;
  }

  protected async submitOne(): Promise<'ok' | 'error' | 'timeout'> {
    const job = this.c.latestJob(this.ch);
    const target = this.c.targets.get(this.ch.channelId);
    if (!job || target === undefined) return 'timeout';
    const g = TestClient.grind('dev', job, this.ch.extranoncePrefix, target, true, this.next);
    this.next = g.next;
    const seq = this.c.submit(this.ch.channelId, job.jobId, g.suffix);
    try {
      return (await this.c.answer(this.ch.channelId, seq, 5_000)) === 'ok' ? 'ok' : 'error';
    } catch {
      return 'timeout';
    }
  }

  protected close(): void {
    this.c.close();
  }
}

interface V1Job {
  id: string;
  midstate: Uint32Array;
}

/** A CKB Stratum V1 miner: subscribe, extranonce.subscribe, authorize, then shares. */
export class HonestV1 extends Miner {
  private buf = '';
  private nextId = 10;
  private readonly waiting = new Map<number, (error: unknown, result?: unknown) => void>();
  private extranonce1 = new Uint8Array(0);
  private target: bigint | null = null;
  private job: V1Job | null = null;
  private counter = 0;

  private constructor(
    private readonly socket: Socket,
    private readonly user: string,
  ) {
    super();
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => this.onData(d));
    socket.on('error', () => {});
    socket.on('close', () => {
      this.closedWhy ??= 'closed by the translator';
      for (const w of this.waiting.values()) w('closed');
      this.waiting.clear();
    });
  }

  static async start(
    v1Url: string,
    o: { user?: string; intervalMs?: number; localAddress?: string } = {},
  ): Promise<HonestV1> {
    const user = o.user ?? 'honest.v1';
    const u = new URL(v1Url);
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = connect({ host: u.hostname, port: Number(u.port), localAddress: o.localAddress }, () =>
        resolve(s),
      );
      s.once('error', reject);
    });
    const m = new HonestV1(socket, user);
    const sub = (await m.request('mining.subscribe', ['honest-v1/1.0'])) as [null, string, number];
    m.extranonce1 = new Uint8Array(Buffer.from(sub[1], 'hex'));
    await m.request('mining.extranonce.subscribe', []);
    await m.request('mining.authorize', [user, 'x']);
    const end = Date.now() + 10_000;
    while (!m.job || m.target === null) {
      if (Date.now() > end) throw new Error('the honest V1 miner got no job within 10 s');
      await new Promise((r) => setTimeout(r, 20));
    }
    m.run(o.intervalMs ?? 200);
    return m;
  }

  private onData(d: string): void {
    this.buf += d;
    for (let nl = this.buf.indexOf('\n'); nl >= 0; nl = this.buf.indexOf('\n')) {
      const line = this.buf.slice(0, nl);
      this.buf = this.buf.slice(nl + 1);
      const msg = JSON.parse(line) as {
        id: number | null;
        method?: string;
        params?: unknown[];
        result?: unknown;
        error?: unknown;
      };
      if (msg.method === 'mining.set_target') this.target = BigInt(`0x${msg.params?.[0] as string}`);
      else if (msg.method === 'mining.notify') {
        const [id, powHash] = msg.params as [string, string];
        this.job = { id, midstate: powMidstate(new Uint8Array(Buffer.from(powHash, 'hex'))) };
      } else if (msg.method === 'mining.set_extranonce') {
        const [en1] = msg.params as [string, number];
        this.extranonce1 = new Uint8Array(Buffer.from(en1, 'hex'));
      } else if (typeof msg.id === 'number') {
        const w = this.waiting.get(msg.id);
        this.waiting.delete(msg.id);
        w?.(msg.error ?? null, msg.result);
      }
    }
  }

  private async request(method: string, params: unknown[], timeoutMs = 10_000): Promise<unknown> {
    const id = this.nextId++;
    const answered = new Promise<unknown>((resolve, reject) => {
      const t = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`no answer to ${method} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(id, (error, result) => {
        clearTimeout(t);
        if (error) reject(new Error(`${method}: ${JSON.stringify(error)}`));
        else resolve(result);
      });
    });
    this.socket.write(`${JSON.stringify({ id, method, params })}\n`);
    return answered;
  }

  protected async submitOne(): Promise<'ok' | 'error' | 'timeout'> {
    const job = this.job;
    const target = this.target;
    if (!job || target === null) return 'timeout';
    const nonce = new Uint8Array(16);
    nonce.set(this.extranonce1);
    const view = new DataView(nonce.buffer);
    for (;;) {
      this.counter += 1;
      view.setUint32(12, this.counter);
      if (meetsTarget(eaglesongPow(job.midstate, nonce), target)) break;
    }
    const en2 = Buffer.from(nonce.subarray(this.extranonce1.length)).toString('hex');
    try {
      await this.request('mining.submit', [this.user, job.id, en2], 5_000);
      return 'ok';
    } catch (err) {
      return /no answer/.test((err as Error).message) ? 'timeout' : 'error';
    }
  }

  protected close(): void {
    this.socket.destroy();
  }
}
