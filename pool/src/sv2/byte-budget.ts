/**
 * A byte budget shared by many connections: each reports how many received bytes it holds that
 * do not yet form a frame, and a connection whose holding grows while the total is over the
 * budget is the one that must go. Plain arithmetic, no timers: checked on every read.
 */
export class ByteBudget {
  private held = 0;

  constructor(readonly max: number) {
    if (!(max >= 0)) throw new RangeError(`a byte budget needs max >= 0, got ${max}`);
  }

  /** Bytes held by all connections right now. */
  get total(): number {
    return this.held;
  }

  /** Records a change of one connection's holding; true while the total is within the budget. */
  adjust(delta: number): boolean {
    this.held += delta;
    return this.held <= this.max;
  }
}
