import { describe, expect, it } from 'vitest';
import { FailbackScheduler, type FailbackSettings, type FailbackTimers } from './failback.js';

/** Timers driven by hand: `advance(ms)` fires what is due, in order. */
function manualClock() {
  let now = 0;
  let nextId = 1;
  const timers = new Map<number, { at: number; fn: () => void }>();
  const t: FailbackTimers = {
    setTimeout(fn, ms) {
      const id = nextId++;
      timers.set(id, { at: now + ms, fn });
      return id;
    },
    clearTimeout(handle) {
      timers.delete(handle as number);
    },
  };
  const flush = () => new Promise<void>((r) => setImmediate(r));
  return {
    timers: t,
    get pending() {
      return timers.size;
    },
    get now() {
      return now;
    },
    async advance(ms: number) {
      const end = now + ms;
      for (;;) {
        const due = [...timers.entries()].filter(([, v]) => v.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
        if (!due) break;
        timers.delete(due[0]);
        now = due[1].at;
        due[1].fn();
        await flush();
      }
      now = end;
      await flush();
    },
  };
}

interface Conn {
  index: number;
  n: number;
}

/** A scheduler whose probes answer from `health` (URL index → up?). */
function harness(settings: FailbackSettings, health: Record<number, boolean>) {
  const clock = manualClock();
  const log: string[] = [];
  let made = 0;
  const released: Conn[] = [];
  const switched: Array<{ index: number; conn: Conn; at: number }> = [];
  const s = new FailbackScheduler<Conn>(
    settings,
    {
      async probe(index) {
        log.push(`probe ${index} @${clock.now}`);
        return health[index] ? { index, n: ++made } : null;
      },
      release(conn) {
        released.push(conn);
      },
      switchTo(index, conn) {
        switched.push({ index, conn, at: clock.now });
      },
    },
    clock.timers,
  );
  return { s, clock, log, released, switched };
}

describe('failback scheduling (probe rounds and hold-down)', () => {
  it('does not probe while on the preferred upstream, nor when failback is off', async () => {
    const a = harness({ probeIntervalMs: 1_000, healthyProbes: 2 }, { 0: true });
    a.s.start(0);
    await a.clock.advance(10_000);
    expect(a.log).toEqual([]);
    expect(a.clock.pending).toBe(0);

    const off = harness({ probeIntervalMs: 0, healthyProbes: 2 }, { 0: true });
    off.s.start(1);
    await off.clock.advance(10_000);
    expect(off.log).toEqual([]);
    expect(off.switched).toEqual([]);
  });

  it('switches to the preferred upstream only after the hold-down of consecutive healthy probes, on the last probe connection', async () => {
    const h = harness({ probeIntervalMs: 1_000, healthyProbes: 2 }, { 0: true });
    h.s.start(1);
    await h.clock.advance(999);
    expect(h.log).toEqual([]);
    await h.clock.advance(1);
    expect(h.log).toEqual(['probe 0 @1000']);
    expect(h.switched).toEqual([]);
    expect(h.released).toEqual([{ index: 0, n: 1 }]); // the first good probe is closed again
    await h.clock.advance(1_000);
    expect(h.switched).toEqual([{ index: 0, conn: { index: 0, n: 2 }, at: 2000 }]);
    expect(h.released).toHaveLength(1);
    // Once switched, nothing more is scheduled until the owner starts it again.
    await h.clock.advance(10_000);
    expect(h.log).toHaveLength(2);
    expect(h.clock.pending).toBe(0);
  });

  it('starts the hold-down again when the preferred upstream fails a probe (a flapping pool does not bounce miners)', async () => {
    const health: Record<number, boolean> = { 0: true };
    const h = harness({ probeIntervalMs: 1_000, healthyProbes: 2 }, health);
    h.s.start(1);
    await h.clock.advance(1_000); // ok (1)
    health[0] = false;
    await h.clock.advance(1_000); // failed: back to 0
    health[0] = true;
    await h.clock.advance(1_000); // ok (1)
    expect(h.switched).toEqual([]);
    expect(h.s.streak(0)).toBe(1);
    await h.clock.advance(1_000); // ok (2): switch
    expect(h.switched.map((x) => x.at)).toEqual([4000]);
  });

  it('probes the more preferred upstreams most preferred first and waits for the best one that answers', async () => {
    const health: Record<number, boolean> = { 0: false, 1: true };
    const h = harness({ probeIntervalMs: 1_000, healthyProbes: 2 }, health);
    h.s.start(2);
    await h.clock.advance(1_000);
    expect(h.log).toEqual(['probe 0 @1000', 'probe 1 @1000']);
    // The first URL comes back: the round stops at it; the second is not chosen meanwhile.
    health[0] = true;
    await h.clock.advance(1_000);
    expect(h.log.slice(2)).toEqual(['probe 0 @2000']);
    expect(h.switched).toEqual([]);
    await h.clock.advance(1_000);
    expect(h.switched.map((x) => x.index)).toEqual([0]);
    // A URL at or after the current one is never probed.
    expect(h.log.some((l) => l.startsWith('probe 2'))).toBe(false);
  });

  it('switches after a single healthy probe when the hold-down is one probe', async () => {
    const h = harness({ probeIntervalMs: 500, healthyProbes: 1 }, { 0: true });
    h.s.start(1);
    await h.clock.advance(500);
    expect(h.switched.map((x) => x.at)).toEqual([500]);
  });

  it('stops probing when the connection it watches goes away, and releases a probe that finishes late', async () => {
    const clock = manualClock();
    let finish: ((c: Conn | null) => void) | null = null;
    const released: Conn[] = [];
    const switched: number[] = [];
    const s = new FailbackScheduler<Conn>(
      { probeIntervalMs: 1_000, healthyProbes: 1 },
      {
        probe: () =>
          new Promise<Conn | null>((r) => {
            finish = r;
          }),
        release: (c) => released.push(c),
        switchTo: (i) => switched.push(i),
      },
      clock.timers,
    );
    s.start(1);
    await clock.advance(1_000);
    expect(finish).not.toBeNull();
    s.stop(); // the backup connection dropped while the probe was in progress
    (finish as unknown as (c: Conn | null) => void)({ index: 0, n: 1 });
    await clock.advance(5_000);
    expect(switched).toEqual([]);
    expect(released).toEqual([{ index: 0, n: 1 }]);
    expect(clock.pending).toBe(0);
  });
});
