import type { ShareRecord } from '../../ledger/records.js';
import type { SharesMessage } from './protocol.js';
import { ShareBatchEncoder } from './share-batch.js';

/**
 * An instance's side of the ledger: shares go to the owner (the primary) in numbered batches,
 * one every `batchMs` (or at once when a batch reaches `maxBatch`), and the owner answers each
 * with how far it has queued them. Acknowledgements do not wait for that answer: a miner's
 * SubmitShares.Success goes out as in one process, where an accepted share sits in the
 * ledger's memory queue until the next flush. Waiting for the owner made every batch a round
 * trip that woke both processes, and crossing once per event-loop turn made hundreds of them a
 * second: with both, two instances spent a fifth more CPU per share than one process, where two
 * independent pools spend none more (docs/performance.md). What an instance killed outright
 * loses is at most one batch interval of acknowledged shares, less than a one-process pool's
 * crash loses; a drain still settles every share with the owner before the instance exits.
 */
export class RemoteShares {
  /** Shares recorded here so far (the number of the last one). */
  recorded = 0;
  /** The owner has queued shares 1..confirmed. */
  confirmed = 0;
  private readonly batch = new ShareBatchEncoder();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly idle: Array<() => void> = [];

  constructor(
    private readonly send: (m: SharesMessage) => void,
    private readonly o: { batchMs?: number; maxBatch?: number } = {},
  ) {}

  recordShare(share: ShareRecord): void {
    this.batch.addShare(share.worker, share.difficulty, share.timeMs, share.height);
    this.recorded += 1;
    this.arm();
  }

  recordRejected(worker: string, atMs: number): void {
    this.batch.addRejected(worker, atMs);
    this.arm();
  }

  private arm(): void {
    if (this.batch.size >= (this.o.maxBatch ?? MAX_BATCH)) {
      this.flush();
      return;
    }
    if (this.timer) return;
    this.timer = setTimeout(() => this.flush(), this.o.batchMs ?? BATCH_MS);
  }

  /** Sends what is batched now (before a found block, so its share goes first; at drain). */
  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.batch.size === 0) return;
    this.send({ kind: 'shares', upTo: this.recorded, ...this.batch.take() });
  }

  /** The owner's answer to a batch: it has queued shares up to `upTo`. */
  confirm(upTo: number): void {
    if (upTo <= this.confirmed) return;
    this.confirmed = Math.min(upTo, this.recorded);
    if (this.confirmed === this.recorded) for (const f of this.idle.splice(0)) f();
  }

  /** Resolves once the owner has every share recorded so far (false: not within `timeoutMs`). */
  settled(timeoutMs: number): Promise<boolean> {
    this.flush();
    if (this.confirmed === this.recorded) return Promise.resolve(true);
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve(false), timeoutMs);
      this.idle.push(() => {
        clearTimeout(t);
        resolve(true);
      });
    });
  }
}

/** How long shares gather before they cross to the owner. */
export const BATCH_MS = 50;
/** A batch this large crosses at once (a few hundred KB of columns at most). */
export const MAX_BATCH = 8_192;
