import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { Worker } from 'node:worker_threads';
import { nonceToWords, powMidstate } from '../ckb/eaglesong.js';
import type { Chain } from '../ckb/pow.js';
import { targetToBeWords } from '../ckb/target.js';
import type { FromWorker, ToWorker } from './thread-protocol.js';

/**
 * The miner's hashing threads. Work is a pow_hash, the fixed nonce prefix (what the pool or
 * translator assigned) and the number of bytes the miner may roll; every thread scans its own
 * slice of the last 4 nonce bytes under random middle bytes, so threads never overlap. A
 * thread that exhausts its slice gets fresh middle bytes.
 */

export interface Work {
  /** Owner's handle for the job (returned with each share). */
  key: unknown;
  chain: Chain;
  powHash: Uint8Array;
  /** Fixed leading nonce bytes (extranonce prefix / extranonce1). */
  prefix: Uint8Array;
  target: bigint;
}

export interface FoundShare {
  key: unknown;
  /** The full 16-byte nonce. */
  nonce: Uint8Array;
}

interface ThreadState {
  worker: Worker;
  gen: number;
}

// Compiled, the worker is plain JS; from TypeScript sources it needs the entry that registers tsx.
const WORKER_URL = new URL(
  import.meta.url.endsWith('.ts') ? './worker-entry.mjs' : './worker.js',
  import.meta.url,
);

export class HashThreads extends EventEmitter<{ share: [FoundShare]; error: [Error] }> {
  private readonly threads: ThreadState[] = [];
  private work: Work | null = null;
  private midstate: Uint32Array | null = null;
  private nextGen = 1;
  private readonly gens = new Map<number, unknown>();
  /** Hashes done by all threads since start. */
  hashes = 0;
  private closed = false;

  constructor(readonly count: number) {
    super();
    if (!Number.isInteger(count) || count < 1 || count > 256) throw new RangeError('threads must be 1..256');
  }

  /** Starts the threads and resolves when they have loaded. */
  async start(): Promise<void> {
    const online: Promise<void>[] = [];
    for (let i = 0; i < this.count; i++) {
      const worker = new Worker(WORKER_URL);
      const state: ThreadState = { worker, gen: 0 };
      this.threads.push(state);
      worker.on('message', (m: FromWorker) => this.onMessage(i, m));
      worker.on('error', (err) => this.emit('error', err));
      online.push(
        new Promise<void>((resolve, reject) => {
          worker.once('online', () => resolve());
          worker.once('error', reject);
        }),
      );
    }
    await Promise.all(online);
  }

  private onMessage(index: number, m: FromWorker): void {
    if (m.type === 'hashes') {
      this.hashes += m.count;
      return;
    }
    if (m.type === 'share') {
      if (!this.gens.has(m.gen)) return;
      this.emit('share', { key: this.gens.get(m.gen), nonce: m.nonce });
      return;
    }
    if (m.type === 'exhausted') {
      const t = this.threads[index];
      if (t.gen === m.gen && this.work) this.assign(index);
    }
  }

  /** Replaces the work of every thread (a new job, a new target or a new prefix). */
  setWork(work: Work): void {
    if (this.closed) return;
    if (work.prefix.length > 12) throw new RangeError('the miner needs at least 4 rollable nonce bytes');
    if (!this.work || this.work.powHash !== work.powHash) this.midstate = powMidstate(work.powHash);
    this.work = work;
    for (let i = 0; i < this.threads.length; i++) this.assign(i);
  }

  private assign(index: number): void {
    const w = this.work;
    const t = this.threads[index];
    if (!w || !t || !this.midstate) return;
    const gen = this.nextGen++;
    this.gens.set(gen, w.key);
    // Shares of the last few generations may still be in flight from the threads.
    if (this.gens.size > 4 * this.threads.length + 16) {
      const oldest = this.gens.keys().next().value as number;
      this.gens.delete(oldest);
    }
    t.gen = gen;
    const nonce = new Uint8Array(16);
    nonce.set(w.prefix, 0);
    // Middle bytes (between the prefix and the 4-byte counter) are random per assignment.
    if (w.prefix.length < 12) nonce.set(randomBytes(12 - w.prefix.length), w.prefix.length);
    const slice = Math.floor(2 ** 32 / this.threads.length);
    const msg: ToWorker = {
      type: 'work',
      gen,
      chain: w.chain,
      midstate: this.midstate,
      nonceWords: nonceToWords(nonce),
      start: index * slice,
      count: slice,
      target: w.target,
      targetWords: targetToBeWords(w.target),
    };
    t.worker.postMessage(msg);
  }

  /** Stops hashing until the next `setWork` (no job, pool unreachable). */
  idle(): void {
    this.work = null;
    for (const t of this.threads) t.worker.postMessage({ type: 'idle' } satisfies ToWorker);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.work = null;
    await Promise.all(this.threads.map((t) => t.worker.terminate()));
  }
}
