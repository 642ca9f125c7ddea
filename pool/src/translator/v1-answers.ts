/**
 * The reply order of docs/protocol.md §7 for one V1 miner, apart from what the requests mean:
 * every request is answered once, in the order received, so an answer still waiting upstream
 * (a share's verdict, the pool's word on a name) holds back the answers after it. Notifications
 * that subscribe/authorize trigger wait behind those answers (some firmware reads its first two
 * lines as them); other notifications, new jobs above all, go out at once so a slow share
 * verdict never delays work.
 */

/** A request's place in the answer order; its line is null until the answer is known. */
export interface AnswerSlot {
  line: string | null;
  /** Subscribe/authorize answers hold back later notifications until written. */
  gatesNotifications: boolean;
}

export class V1Answers {
  private readonly queue: AnswerSlot[] = [];
  private drained: (() => void) | null = null;

  /** `write` puts one line on the wire. */
  constructor(private readonly write: (line: string) => void) {}

  /** Answers owed, and the notifications held behind them. */
  get pending(): number {
    return this.queue.length;
  }

  /** The next place in the answer order, for an answer not known yet. */
  reserve(gatesNotifications: boolean): AnswerSlot {
    const slot: AnswerSlot = { line: null, gatesNotifications };
    this.queue.push(slot);
    return slot;
  }

  /** The answer for `slot`: written once every earlier answer is. */
  fill(slot: AnswerSlot, line: string): void {
    slot.line = line;
    this.flush();
  }

  /** An answer known at once, still behind any earlier answer in flight. */
  now(line: string): void {
    this.fill(this.reserve(false), line);
  }

  /** Pool → miner line: behind pending subscribe/authorize answers, otherwise at once. */
  notify(line: string): void {
    if (this.queue.some((s) => s.gatesNotifications)) {
      this.queue.push({ line, gatesNotifications: false });
      this.flush();
      return;
    }
    this.write(line);
  }

  /** Calls `then` once nothing is owed any more: at once if nothing is. */
  whenDrained(then: () => void): void {
    this.drained = then;
    this.flush();
  }

  private flush(): void {
    while (this.queue.length > 0 && this.queue[0].line !== null) {
      this.write((this.queue.shift() as AnswerSlot).line as string);
    }
    const drained = this.drained;
    if (drained && this.queue.length === 0) {
      this.drained = null;
      drained();
    }
  }
}
