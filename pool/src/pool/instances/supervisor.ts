import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import { INSTANCE_ENV } from './instance.js';
import { decodeFromInstance, encode, type FromInstance, ProtocolError, type ToInstance } from './protocol.js';

/**
 * The primary's instances: forks them (node:cluster, the same command line, so a clone running
 * TypeScript through tsx and an installed package both work), routes their messages, restarts
 * one that dies unless the pool is stopping, and drains them all on stop.
 *
 * Why cluster and not worker threads: the primary accepts each connection and hands the socket
 * to an instance (round-robin), which shares one SV2 port on Node 20, 22 and 24 alike (worker
 * threads cannot share a listening socket, and `reusePort` needs Node ≥ 22.12); a crashed
 * instance is a process that exits, never a torn heap the others share; and the SQLite ledger
 * stays with one process.
 */

export interface SupervisorHooks {
  /** A message from instance `index`. */
  onMessage(index: number, m: FromInstance): void;
  /** Instance `index` listens (first start or restart). */
  onReady(index: number, address: string): void;
  /** Instance `index` exited while the pool runs; it is being restarted. */
  onCrash(index: number, code: number | null, signal: string | null): void;
}

/** Restarts of a crashing instance back off up to this. */
const MAX_RESTART_DELAY_MS = 5_000;
/** Time an instance has to drain (after its own grace) before it is killed. */
const DRAIN_KILL_MS = 10_000;

export class InstanceSupervisor {
  private readonly workers = new Map<number, Worker>();
  private readonly ready = new Set<number>();
  private stopping = false;
  private readonly restartDelay = new Map<number, number>();

  constructor(
    readonly count: number,
    private readonly hooks: SupervisorHooks,
    private readonly log: Logger,
  ) {
    // Structured clone over IPC: templates carry bigint and Uint8Array.
    cluster.setupPrimary({ serialization: 'advanced' });
  }

  /** Forks every instance; resolves when all listen, rejects if one dies first. */
  start(timeoutMs = 30_000): Promise<string> {
    return new Promise((resolve, reject) => {
      let address = '';
      const t = setTimeout(
        () => fail(new Error(`instances not listening within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const fail = (err: Error) => {
        clearTimeout(t);
        this.stopping = true;
        for (const w of this.workers.values()) w.process.kill('SIGKILL');
        reject(err);
      };
      this.starting = {
        ready: (addr) => {
          address ||= addr;
          if (this.ready.size === this.count) {
            clearTimeout(t);
            this.starting = null;
            resolve(address);
          }
        },
        died: (index, code) => fail(new Error(`instance ${index} exited with code ${code} while starting`)),
      };
      for (let i = 0; i < this.count; i++) this.fork(i);
    });
  }

  private starting: { ready(address: string): void; died(index: number, code: number | null): void } | null =
    null;

  private fork(index: number): void {
    const w = cluster.fork({ [INSTANCE_ENV.index]: String(index), [INSTANCE_ENV.count]: String(this.count) });
    this.workers.set(index, w);
    w.on('message', (raw: unknown) => {
      try {
        const m = decodeFromInstance(raw);
        if (!m) return;
        if (m.kind === 'ready') {
          this.ready.add(index);
          this.restartDelay.delete(index);
          this.hooks.onReady(index, m.address);
          this.starting?.ready(m.address);
        }
        this.hooks.onMessage(index, m);
      } catch (err) {
        if (!(err instanceof ProtocolError)) throw err;
        // A malformed message is a bug in that instance: what it waits for (share
        // confirmations) would never come, so it restarts and its miners reconnect.
        this.log.error({ instance: index, err: err.message }, 'bad message from an instance; restarting it');
        w.process.kill('SIGKILL');
      }
    });
    w.on('exit', (code, signal) => {
      if (this.workers.get(index) === w) this.workers.delete(index);
      this.ready.delete(index);
      if (this.starting) {
        this.starting.died(index, code);
        return;
      }
      if (this.stopping) return;
      this.hooks.onCrash(index, code, signal);
      const delay = this.restartDelay.get(index) ?? 100;
      this.restartDelay.set(index, Math.min(delay * 2, MAX_RESTART_DELAY_MS));
      setTimeout(() => {
        if (!this.stopping) this.fork(index);
      }, delay).unref();
    });
  }

  send(index: number, m: ToInstance): void {
    const w = this.workers.get(index);
    if (!w || !this.ready.has(index) || !w.isConnected()) return;
    w.send(encode(m));
  }

  /** Sends to every instance that listens. */
  broadcast(m: ToInstance): void {
    for (const i of this.ready) this.send(i, m);
  }

  /** Instances listening now. */
  get readyIndexes(): number[] {
    return [...this.ready];
  }

  /** Pid of instance `index` (tests, logs). */
  pid(index: number): number | undefined {
    return this.workers.get(index)?.process.pid;
  }

  /** Asks every instance to drain and waits for them to exit (killing any that hang). */
  async stop(): Promise<void> {
    this.stopping = true;
    const exits = [...this.workers.values()].map(
      (w) =>
        new Promise<void>((resolve) => {
          if (w.isDead()) return resolve();
          const kill = setTimeout(() => w.process.kill('SIGKILL'), DRAIN_KILL_MS);
          w.once('exit', () => {
            clearTimeout(kill);
            resolve();
          });
          if (w.isConnected()) w.send(encode({ kind: 'drain' }));
          else w.process.kill('SIGKILL');
        }),
    );
    await Promise.all(exits);
  }
}
