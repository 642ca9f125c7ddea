import { ProtocolError } from './protocol.js';

/**
 * A batch of shares as it crosses from an instance to the primary: columns of numbers in typed
 * arrays (structured clone copies them as one block) and each worker name sent once per
 * instance, then referred to by its index. A share as an object with a 100-character address
 * costs ~1.8 µs to serialise and parse again; as columns with interned names it is a fraction of
 * that, and IPC is most of what a share costs on top of its validation (docs/performance.md).
 */

/** The columns of one batch (a part of SharesMessage). */
export interface ShareColumns {
  /** The primary forgets every name it knows for this instance before reading `names`. */
  reset: boolean;
  /** Names first used in this batch: they get the next indexes, in this order. */
  names: string[];
  /** Per accepted share: the index of its worker's name. */
  workers: Uint32Array;
  /** Per accepted share: difficulty, timeMs, height. */
  values: Float64Array;
  /** Per rejected share: the index of its worker's name. */
  rejectedWorkers: Uint32Array;
  rejectedAtMs: Float64Array;
}

export const VALUES_PER_SHARE = 3;

/** Names an instance keeps before it starts the table over (a pool's workers come and go). */
export const MAX_INTERNED_NAMES = 65_536;

/** The instance's side: collects shares and turns them into columns. */
export class ShareBatchEncoder {
  private readonly ids = new Map<string, number>();
  private fresh: string[] = [];
  private reset = true;
  private workers: number[] = [];
  private values: number[] = [];
  private rejectedWorkers: number[] = [];
  private rejectedAtMs: number[] = [];

  constructor(private readonly maxNames = MAX_INTERNED_NAMES) {}

  get size(): number {
    return this.workers.length + this.rejectedWorkers.length;
  }

  addShare(worker: string, difficulty: number, timeMs: number, height: number): void {
    this.workers.push(this.id(worker));
    this.values.push(difficulty, timeMs, height);
  }

  addRejected(worker: string, atMs: number): void {
    this.rejectedWorkers.push(this.id(worker));
    this.rejectedAtMs.push(atMs);
  }

  /** The batch so far; the next one starts empty. */
  take(): ShareColumns {
    const batch: ShareColumns = {
      reset: this.reset,
      names: this.fresh,
      workers: Uint32Array.from(this.workers),
      values: Float64Array.from(this.values),
      rejectedWorkers: Uint32Array.from(this.rejectedWorkers),
      rejectedAtMs: Float64Array.from(this.rejectedAtMs),
    };
    this.fresh = [];
    this.reset = false;
    this.workers = [];
    this.values = [];
    this.rejectedWorkers = [];
    this.rejectedAtMs = [];
    // Only between batches: the indexes of the batch just taken must stay as they were.
    if (this.ids.size >= this.maxNames) {
      this.ids.clear();
      this.reset = true;
    }
    return batch;
  }

  private id(name: string): number {
    let id = this.ids.get(name);
    if (id === undefined) {
      id = this.ids.size;
      this.ids.set(name, id);
      this.fresh.push(name);
    }
    return id;
  }
}

/** Thrown for columns that do not fit together: a bug on the instance, never passed on. */
export class ShareBatchError extends ProtocolError {}

export interface ShareSink {
  share(worker: string, difficulty: number, timeMs: number, height: number): void;
  rejected(worker: string, atMs: number): void;
}

/** The primary's side, one per instance: keeps that instance's names and reads its batches. */
export class ShareBatchDecoder {
  private names: string[] = [];

  /** Checks the whole batch, then hands each share to `sink` in order. */
  read(b: ShareColumns, sink: ShareSink): void {
    const known = (b.reset ? 0 : this.names.length) + b.names.length;
    const n = b.workers.length;
    if (b.values.length !== n * VALUES_PER_SHARE || b.rejectedAtMs.length !== b.rejectedWorkers.length) {
      throw new ShareBatchError('share batch columns of different lengths');
    }
    for (const id of b.workers) if (id >= known) throw new ShareBatchError(`unknown worker index ${id}`);
    for (const id of b.rejectedWorkers)
      if (id >= known) throw new ShareBatchError(`unknown worker index ${id}`);
    if (b.reset) this.names = [];
    const names = this.names;
    for (const name of b.names) names.push(name);
    const v = b.values;
    for (let i = 0; i < n; i++) {
      const j = i * VALUES_PER_SHARE;
      sink.share(
        names[b.workers[i] as number] as string,
        v[j] as number,
        v[j + 1] as number,
        v[j + 2] as number,
      );
    }
    for (let i = 0; i < b.rejectedWorkers.length; i++) {
      sink.rejected(names[b.rejectedWorkers[i] as number] as string, b.rejectedAtMs[i] as number);
    }
  }
}
