import { describe, expect, it } from 'vitest';
import { capturingLogger } from '../../test/support/payout-chain.js';
import type { PayoutRun } from './payer.js';
import { PayoutSchedule } from './schedule.js';

const idle: PayoutRun = {
  settled: { committed: 0, failed: 0, resent: 0 },
  pending: 0,
  batch: null,
  reason: 'none',
};

describe('the payout schedule', () => {
  it('runs a cycle at start and then every interval, one at a time', async () => {
    let running = 0;
    let most = 0;
    let runs = 0;
    const { log } = capturingLogger();
    const schedule = new PayoutSchedule(
      async () => {
        running += 1;
        most = Math.max(most, running);
        await new Promise((r) => setTimeout(r, 15));
        running -= 1;
        runs += 1;
        return idle;
      },
      5,
      log,
    );
    schedule.start();
    await new Promise((r) => setTimeout(r, 120));
    await schedule.close();
    const after = runs;
    await new Promise((r) => setTimeout(r, 40));
    expect(after).toBeGreaterThanOrEqual(3);
    expect(runs).toBe(after);
    expect(most).toBe(1);
  });

  it('logs a failing cycle as an error and keeps going', async () => {
    const { log, lines } = capturingLogger();
    const schedule = new PayoutSchedule(async () => Promise.reject(new Error('node down')), 60_000, log);
    await schedule.runOnce();
    expect(lines).toMatchObject([
      { level: 50, err: 'node down', msg: expect.stringMatching(/payout cycle failed/) },
    ]);
    await schedule.close();
  });

  it('runs cycles only while this host is the runner, and says when that changes', async () => {
    const { log, lines } = capturingLogger();
    let runs = 0;
    let runner = false;
    const schedule = new PayoutSchedule(
      async () => {
        runs += 1;
        return idle;
      },
      60_000,
      log,
      async () => runner,
    );
    await schedule.runOnce();
    await schedule.runOnce();
    expect(runs).toBe(0);
    runner = true;
    await schedule.runOnce();
    expect(runs).toBe(1);
    runner = false;
    await schedule.runOnce();
    expect(runs).toBe(1);
    expect(lines.map((l) => l.msg)).toEqual([
      expect.stringMatching(/another pool host runs the payout cycles/),
      expect.stringMatching(/this host runs the payout cycles/),
      expect.stringMatching(/another pool host runs the payout cycles/),
    ]);
    await schedule.close();
  });
});
