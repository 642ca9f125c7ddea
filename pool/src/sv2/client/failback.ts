/**
 * Failback: while the upstream client mines on a backup URL (any but the first), it probes the
 * more preferred URLs every `probeIntervalMs` and moves back to one only after it passed
 * `healthyProbes` consecutive probes (the hold-down: a flapping pool does not bounce miners).
 * A probe is a full connection — Noise handshake against the URL's authority key, SetupConnection
 * and extension negotiation — made by the owner (`UpstreamClient`); the last successful probe's
 * connection is the one the owner switches to.
 *
 * URLs are probed most preferred first; the first that answers ends the round (a less preferred
 * URL is not chosen while a better one is coming back), a URL that fails a probe starts its count
 * again. Rounds never overlap: the next one is scheduled when a round ends.
 */

export interface FailbackSettings {
  /** Time between probe rounds while on a backup URL (0 = no failback). */
  probeIntervalMs: number;
  /** Consecutive successful probes a more preferred URL needs before the switch (≥ 1). */
  healthyProbes: number;
}

export const FAILBACK_DEFAULTS: FailbackSettings = { probeIntervalMs: 30_000, healthyProbes: 2 };

export interface FailbackTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimers: FailbackTimers = {
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return t;
  },
  clearTimeout(handle) {
    clearTimeout(handle as NodeJS.Timeout);
  },
};

export interface FailbackHooks<P> {
  /** A full connection attempt to URL `index`: the ready connection, or null when it failed. */
  probe(index: number): Promise<P | null>;
  /** Closes a probe connection that is not switched to. */
  release(conn: P): void;
  /** The hold-down is met for URL `index`: switch to its connection (`conn`). */
  switchTo(index: number, conn: P): void;
  /** Each probe's outcome (metrics, logs). */
  probed?(index: number, ok: boolean, streak: number): void;
}

export class FailbackScheduler<P> {
  private timer: unknown = null;
  /** Bumped by start/stop: a round from an older run neither switches nor schedules. */
  private run = 0;
  private current = 0;
  private readonly streaks = new Map<number, number>();

  constructor(
    private readonly settings: FailbackSettings,
    private readonly hooks: FailbackHooks<P>,
    private readonly timers: FailbackTimers = realTimers,
  ) {}

  get enabled(): boolean {
    return this.settings.probeIntervalMs > 0;
  }

  /** Consecutive successful probes of URL `index` so far (this run). */
  streak(index: number): number {
    return this.streaks.get(index) ?? 0;
  }

  /** Now mining on URL `index`: probe the ones before it (nothing to do on the first). */
  start(index: number): void {
    this.stop();
    this.current = index;
    if (!this.enabled || index === 0) return;
    this.schedule(this.run);
  }

  /** The connection is gone or replaced: no more probes until the next start. */
  stop(): void {
    this.run += 1;
    this.streaks.clear();
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(run: number): void {
    this.timer = this.timers.setTimeout(() => {
      this.timer = null;
      void this.round(run);
    }, this.settings.probeIntervalMs);
  }

  private async round(run: number): Promise<void> {
    for (let i = 0; i < this.current; i++) {
      if (run !== this.run) return;
      let conn: P | null = null;
      try {
        conn = await this.hooks.probe(i);
      } catch {
        conn = null;
      }
      if (run !== this.run) {
        if (conn !== null) this.hooks.release(conn);
        return;
      }
      if (conn === null) {
        this.streaks.set(i, 0);
        this.hooks.probed?.(i, false, 0);
        continue;
      }
      const streak = this.streak(i) + 1;
      this.streaks.set(i, streak);
      this.hooks.probed?.(i, true, streak);
      if (streak >= Math.max(1, this.settings.healthyProbes)) {
        this.stop();
        this.hooks.switchTo(i, conn);
        return;
      }
      this.hooks.release(conn);
      break;
    }
    if (run === this.run) this.schedule(run);
  }
}
