import type { ShareRecord } from '../../ledger/ledger.js';
import type { SessionTransport } from '../session.js';
import type { SharesMessage } from './protocol.js';

/**
 * An instance's side of the ledger: shares go to the owner (the primary) in batches, one per
 * turn of the event loop, numbered; the owner answers how far it has queued them. A session's
 * SubmitShares.Success waits (AckGate) until every share recorded before it is queued by the
 * owner, so an acknowledged share is in the ledger after a drain, as in one process.
 */
export class RemoteShares {
  /** Shares recorded here so far (the number of the last one). */
  recorded = 0;
  /** The owner has queued shares 1..confirmed. */
  confirmed = 0;
  private shares: ShareRecord[] = [];
  private rejected: Array<[string, number]> = [];
  private armed = false;
  private readonly waiting = new Set<AckGate>();
  private readonly idle: Array<() => void> = [];

  constructor(
    private readonly send: (m: SharesMessage) => void,
    private readonly defer: (f: () => void) => void = setImmediate,
  ) {}

  recordShare(share: ShareRecord): void {
    this.shares.push(share);
    this.recorded += 1;
    this.arm();
  }

  recordRejected(worker: string, atMs: number): void {
    this.rejected.push([worker, atMs]);
    this.arm();
  }

  private arm(): void {
    if (this.armed) return;
    this.armed = true;
    this.defer(() => this.flush());
  }

  /** Sends what is batched now (also before a found block, so its share goes first). */
  flush(): void {
    this.armed = false;
    if (this.shares.length === 0 && this.rejected.length === 0) return;
    const m: SharesMessage = {
      kind: 'shares',
      upTo: this.recorded,
      shares: this.shares,
      rejected: this.rejected,
    };
    this.shares = [];
    this.rejected = [];
    this.send(m);
  }

  /** The owner's answer: releases the acknowledgements waiting on shares up to `upTo`. */
  confirm(upTo: number): void {
    if (upTo <= this.confirmed) return;
    this.confirmed = Math.min(upTo, this.recorded);
    for (const g of [...this.waiting]) {
      if (g.release(this.confirmed)) this.waiting.delete(g);
    }
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
