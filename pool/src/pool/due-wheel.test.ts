import { describe, expect, it } from 'vitest';
import { DueWheel } from './due-wheel.js';

describe('DueWheel', () => {
  it('hands out an item only once its time has come', () => {
    const w = new DueWheel<string>(1_000, 10_000);
    w.schedule('a', 12_500);
    expect(w.takeDue(12_999)).toEqual([]);
    expect(w.takeDue(13_000)).toEqual(['a']);
    expect(w.size).toBe(0);
  });

  it('takes everything overdue after a long pause, in time order', () => {
    const w = new DueWheel<string>(1_000, 0);
    w.schedule('late', 5_000);
    w.schedule('early', 2_000);
    expect(w.takeDue(60_000)).toEqual(['early', 'late']);
  });

  it('moves a rescheduled item and forgets an unscheduled one', () => {
    const w = new DueWheel<string>(1_000, 0);
    w.schedule('a', 1_000);
    w.schedule('b', 1_000);
    w.schedule('a', 9_000);
    w.unschedule('b');
    expect(w.has('b')).toBe(false);
    expect(w.takeDue(5_000)).toEqual([]);
    expect(w.takeDue(9_000)).toEqual(['a']);
  });

  it('gives an item scheduled in the past to the next tick', () => {
    const w = new DueWheel<string>(1_000, 0);
    w.takeDue(10_000);
    w.schedule('x', 3_000);
    expect(w.takeDue(10_500)).toEqual([]);
    expect(w.takeDue(11_000)).toEqual(['x']);
  });

  it('visits only due slots: 200,000 waiting items cost a tick nothing', () => {
    const w = new DueWheel<number>(1_000, 0);
    for (let i = 0; i < 200_000; i++) w.schedule(i, 3_600_000);
    const t0 = performance.now();
    for (let t = 1_000; t < 60_000; t += 1_000) expect(w.takeDue(t)).toEqual([]);
    expect(performance.now() - t0).toBeLessThan(50);
    expect(w.size).toBe(200_000);
  });
});
