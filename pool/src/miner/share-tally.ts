/** What the miner's shares came to: the counts in `ckb-pool mine`'s summary and stats. */
export class ShareTally {
  accepted = 0;
  rejected = 0;
  /** Accepted shares that met the network target. */
  blocks = 0;
  jobs = 0;
  private readonly reasons: Record<string, number> = {};

  accept(isBlock = false): void {
    this.accepted += 1;
    if (isBlock) this.blocks += 1;
  }

  reject(reason: string): void {
    this.rejected += 1;
    this.reasons[reason] = (this.reasons[reason] ?? 0) + 1;
  }

  newJob(): void {
    this.jobs += 1;
  }

  /** Rejections by reason (a copy). */
  rejectReasons(): Record<string, number> {
    return { ...this.reasons };
  }
}
