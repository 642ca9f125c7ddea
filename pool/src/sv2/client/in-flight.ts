import type { Sv2Message } from '../messages/index.js';

export type ShareVerdict = { ok: true } | { ok: false; code: string };

interface PendingShare {
  seq: number;
  resolve: (v: ShareVerdict) => void;
  timer: NodeJS.Timeout;
}

/**
 * Shares sent on one connection that still wait for the pool's verdict, per channel in sequence
 * order. One instance belongs to one connection: after a failback the old connection keeps its
 * instance, so late verdicts from that pool still reach the shares it was sent.
 */
export class InFlightShares {
  private readonly byChannel = new Map<number, PendingShare[]>();

  /**
   * @param timeoutMs a share without answer for this long resolves `{ ok: false, code: 'timeout' }`
   * @param onTimeout called after such a timeout (the owner may be waiting for the set to empty)
   */
  constructor(
    private readonly timeoutMs: number,
    private readonly onTimeout: () => void = () => {},
  ) {}

  /** Resolves with the pool's verdict on share `seq` of `channelId`, or a local failure code. */
  wait(channelId: number, seq: number): Promise<ShareVerdict> {
    let list = this.byChannel.get(channelId);
    if (!list) {
      list = [];
      this.byChannel.set(channelId, list);
    }
    const own = list;
    return new Promise((resolve) => {
      const entry: PendingShare = {
        seq,
        resolve,
        timer: setTimeout(() => {
          const i = own.indexOf(entry);
          if (i >= 0) own.splice(i, 1);
          resolve({ ok: false, code: 'timeout' });
          this.onTimeout();
        }, this.timeoutMs),
      };
      entry.timer.unref?.();
      own.push(entry);
    });
  }

  /** Applies a share verdict; true when `m` was one (even for a channel with nothing waiting). */
  answer(m: Sv2Message): boolean {
    switch (m.type) {
      case 'SubmitSharesSuccess': {
        const list = this.byChannel.get(m.channelId);
        // One Success acknowledges every share up to last_sequence_number not answered by an Error.
        while (list && list.length > 0 && list[0].seq <= m.lastSequenceNumber) {
          settle(list.shift() as PendingShare, { ok: true });
        }
        return true;
      }
      case 'SubmitSharesError': {
        const list = this.byChannel.get(m.channelId);
        const i = list ? list.findIndex((s) => s.seq === m.sequenceNumber) : -1;
        if (list && i >= 0) settle(list.splice(i, 1)[0], { ok: false, code: m.errorCode });
        return true;
      }
      default:
        return false;
    }
  }

  /** Answers every share of `channelId` with `code` and forgets the channel. */
  failChannel(channelId: number, code: string): void {
    const list = this.byChannel.get(channelId);
    if (!list) return;
    this.byChannel.delete(channelId);
    for (const s of list) settle(s, { ok: false, code });
  }

  /** Answers every share still waiting with `code`. */
  failAll(code: string): void {
    for (const ch of [...this.byChannel.keys()]) this.failChannel(ch, code);
  }

  /** No share waits for a verdict. */
  get empty(): boolean {
    for (const list of this.byChannel.values()) if (list.length > 0) return false;
    return true;
  }

  get size(): number {
    let n = 0;
    for (const list of this.byChannel.values()) n += list.length;
    return n;
  }
}

function settle(s: PendingShare, v: ShareVerdict): void {
  clearTimeout(s.timer);
  s.resolve(v);
}
