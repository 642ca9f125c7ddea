import type { ShareRecord } from '../../ledger/records.js';
import { outboundBatch } from '../../sv2/outbound-batch.js';
import type { SessionTransport } from '../session.js';
import type { SharesMessage } from './protocol.js';
import { ShareBatchEncoder } from './share-batch.js';

/**
 * An instance's side of the ledger: shares go to the owner (the primary) in numbered batches;
 * the owner answers each with how far it has queued them. One batch is in flight at a time:
 * what arrives meanwhile waits for the answer and goes as the next batch, so under load the
 * batches grow and the per-message cost of IPC on both sides is paid less often, and when
 * idle a share still leaves on the next turn of the event loop. A session's
 * SubmitShares.Success waits (AckGate) until every share recorded before it is queued by the
 * owner, so an acknowledged share is in the ledger after a drain, as in one process.
 */
export class RemoteShares {
  /** Shares recorded here so far (the number of the last one). */
  recorded = 0;
  /** The owner has queued shares 1..confirmed. */
  confirmed = 0;
  private readonly batch = new ShareBatchEncoder();
  private armed = false;
  /** Batches sent that the owner has not answered yet. */
  private unanswered = 0;
  private readonly waiting = new Set<AckGate>();
  private readonly idle: Array<() => void> = [];

  constructor(
    private readonly send: (m: SharesMessage) => void,
    private readonly defer: (f: () => void) => void = setImmediate,
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
    if (this.armed) return;
    this.armed = true;
    this.defer(() => this.flush());
  }

  /**
   * Sends what is batched, unless a batch is still unanswered (its answer sends this one).
   * `now`: send at once anyway (before a found block, so its share goes first; at drain).
   */
  flush(now = false): void {
    this.armed = false;
    if (this.batch.size === 0 || (this.unanswered > 0 && !now)) return;
    this.unanswered += 1;
    this.send({ kind: 'shares', upTo: this.recorded, ...this.batch.take() });
  }

  /** The owner's answer to a batch: releases the acknowledgements waiting on shares up to `upTo`. */
  confirm(upTo: number): void {
    if (this.unanswered > 0) this.unanswered -= 1;
    if (this.unanswered === 0) this.flush();
    if (upTo <= this.confirmed) return;
    this.confirmed = Math.min(upTo, this.recorded);
    // One confirmation releases many connections' acknowledgements: sealed first, then one
    // write per connection (a connection's several Successes go out as one buffer).
    outboundBatch.run(() => {
      for (const g of this.waiting) {
        if (g.release(this.confirmed)) this.waiting.delete(g);
      }
    });
    if (this.confirmed === this.recorded) for (const f of this.idle.splice(0)) f();
  }

  /** Resolves once the owner has every share recorded so far (false: not within `timeoutMs`). */
  settled(timeoutMs: number): Promise<boolean> {
    this.flush(true);
    if (this.confirmed === this.recorded) return Promise.resolve(true);
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve(false), timeoutMs);
      this.idle.push(() => {
        clearTimeout(t);
        resolve(true);
      });
    });
  }

  /** A gate with held messages, to release on the next confirmation. */
  wait(gate: AckGate): void {
    this.waiting.add(gate);
  }

  /** Wraps one connection's transport so its acknowledgements wait for the owner. */
  gate(inner: SessionTransport): SessionTransport {
    const g = new AckGate(this, inner);
    return {
      send: (m) => g.send(m),
      sendFrame: (f) => g.sendFrame(f),
      close: (reason) => g.close(reason),
    };
  }
}

/**
 * One connection's outgoing messages. A SubmitShares.Success is held until the owner has
 * queued every share recorded before it; once one message is held, everything after it is
 * held too, so the client sees messages in the order the session sent them.
 */
export class AckGate {
  private readonly held: Array<{ upTo: number; deliver: () => void }> = [];

  constructor(
    private readonly shares: RemoteShares,
    private readonly inner: SessionTransport,
  ) {}

  private pass(mustWait: boolean, deliver: () => void): void {
    if (this.held.length === 0 && (!mustWait || this.shares.confirmed >= this.shares.recorded)) {
      deliver();
      return;
    }
    this.held.push({ upTo: mustWait ? this.shares.recorded : 0, deliver });
    this.shares.wait(this);
  }

  send(m: Parameters<SessionTransport['send']>[0]): void {
    this.pass(m.type === 'SubmitSharesSuccess', () => this.inner.send(m));
  }

  sendFrame(frame: Uint8Array): void {
    const inner = this.inner;
    // The broadcast path: nothing held (the usual case) goes straight through, no closure made.
    if (this.held.length === 0 && inner.sendFrame) {
      inner.sendFrame(frame);
      return;
    }
    this.pass(false, () => (inner.sendFrame ? inner.sendFrame(frame) : undefined));
  }

  /** Closing after the held messages, so an error or a last Success still goes out first. */
  close(reason: string): void {
    this.pass(false, () => this.inner.close(reason));
  }

  /** Delivers what `confirmed` allows, in order; true when nothing is left held. */
  release(confirmed: number): boolean {
    let i = 0;
    while (i < this.held.length && (this.held[i] as { upTo: number }).upTo <= confirmed) {
      (this.held[i] as { deliver: () => void }).deliver();
      i++;
    }
    this.held.splice(0, i);
    return this.held.length === 0;
  }
}
