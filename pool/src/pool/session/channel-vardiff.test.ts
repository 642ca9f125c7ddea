import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { grind, harness, negotiate, openStandard, setup } from '../../../test/support/session-harness.js';
import { targetToU256Le } from '../../ckb/target.js';
import type { Sv2Message } from '../../sv2/messages/index.js';
import { DueWheel } from '../due-wheel.js';
import { targetOfJob } from '../job-targets.js';
import { meetsTarget } from '../jobs.js';
import type { Session, SessionContext } from '../session.js';
import { ChannelVardiff } from './channel-vardiff.js';
import type { VardiffTask } from './context.js';

describe('SV2 session: vardiff work follows activity', () => {
  it('drops an idle channel from the vardiff wheel once quiet changes nothing, and puts it back on its next share', () => {
    const h = harness();
    const wheel = new DueWheel<{ session: Session; channel: unknown }>(1_000, h.clock.t);
    h.ctx.vardiffWheel = wheel as NonNullable<SessionContext['vardiffWheel']>;
    setup(h);
    negotiate(h);
    const job = h.newJob(true);
    const ok = openStandard(h);
    expect(wheel.size).toBe(1);
    const setTargets = () => h.sent.filter((m) => m.type === 'SetTarget').length;
    // Initial difficulty 4, floor 1: a quiet period (10 shares expected, none came) lowers it
    // ÷4 to the floor at once; the next quiet period changes nothing and it leaves the wheel.
    const periods: number[] = [];
    for (let i = 0; i < 5; i++) {
      h.clock.t += 10_000;
      for (const t of wheel.takeDue(h.clock.t)) t.session.vardiffDue(t.channel as never, h.clock.t);
      periods.push(wheel.size);
    }
    expect(setTargets()).toBe(1);
    expect(h.session.channels.get(ok.channelId)?.difficulty).toBe(1);
    expect(periods).toEqual([1, 0, 0, 0, 0]);
    // The lowered target applies to jobs sent after it (SetTarget), so the share is on a new job.
    const later = h.newJob(false);
    expect(later.id).toBeGreaterThan(job.id);
    const target = h.session.channels.get(ok.channelId)?.target ?? 0n;
    const g = grind(
      later,
      ok.extranoncePrefix,
      (out) => meetsTarget(out, target) && !meetsTarget(out, later.networkTarget),
    );
    expect(
      h.session.onSubmit({
        type: 'SubmitSharesCkb',
        channelId: ok.channelId,
        sequenceNumber: 1,
        jobId: later.id,
        nonceSuffix: g.suffix,
      }),
    ).toBe('accepted');
    expect(wheel.size).toBe(1);
    h.session.closed();
    expect(wheel.size).toBe(0);
  });
});

describe('ChannelVardiff', () => {
  function opened() {
    const h = harness();
    const wheel = new DueWheel<VardiffTask>(1_000, h.clock.t);
    h.ctx.vardiffWheel = wheel;
    setup(h);
    negotiate(h);
    const job = h.newJob(true);
    const ok = openStandard(h);
    const ch = h.session.channels.get(ok.channelId);
    if (!ch) throw new Error('channel not open');
    const wire = {
      ctx: h.ctx,
      transport: { send: (m: Sv2Message) => h.sent.push(m), close: () => {} },
      log: pino({ level: 'silent' }),
    };
    const calls: number[] = [];
    const vardiff = new ChannelVardiff(wire, { vardiffDue: (_c, now) => calls.push(now) });
    return { h, job, ch, wheel, vardiff, calls };
  }

  it('announces a new difficulty with SetTarget; the job already sent keeps the old target, the next job carries the new one', () => {
    const { h, job, ch, vardiff } = opened();
    const old = ch.target;
    h.sent.length = 0;
    vardiff.setDifficulty(ch, 8, null);
    expect(ch.difficulty).toBe(8);
    expect(ch.vardiff.difficulty).toBe(8);
    expect(h.sent).toEqual([
      { type: 'SetTarget', channelId: ch.id, maximumTarget: targetToU256Le(ch.target) },
    ]);
    expect(ch.target < old).toBe(true);
    expect(targetOfJob(ch, job.id).target).toBe(old);
    const next = h.newJob(false);
    expect(targetOfJob(ch, next.id).target).toBe(ch.target);
    expect(targetOfJob(ch, job.id).target).toBe(old);
  });

  it('sends nothing when the difficulty maps to the target the channel already has', () => {
    const { h, ch, vardiff } = opened();
    h.sent.length = 0;
    vardiff.setDifficulty(ch, ch.difficulty, null);
    expect(h.sent).toEqual([]);
  });

  it('schedules a channel once, at the end of its vardiff window, and unschedules it', () => {
    const { h, ch, wheel, vardiff, calls } = opened();
    const before = wheel.size;
    vardiff.schedule(ch);
    vardiff.schedule(ch);
    expect(wheel.size).toBe(before + 1);
    h.clock.t = ch.vardiff.windowStartMs + 10_000;
    const due = wheel.takeDue(h.clock.t).filter((t) => t.session !== h.session);
    for (const t of due) t.session.vardiffDue(t.channel, h.clock.t);
    expect(calls).toEqual([h.clock.t]);
    const after = wheel.size;
    vardiff.schedule(ch);
    expect(wheel.size).toBe(after + 1);
    vardiff.unschedule(ch);
    expect(wheel.size).toBe(after);
  });

  it('checks a channel again at the end of a window a burst retarget restarted', () => {
    const { h, ch, wheel, vardiff } = opened();
    const before = wheel.size;
    h.clock.t = ch.vardiff.windowStartMs + 1_000;
    const sent = h.sent.length;
    vardiff.due(ch, h.clock.t);
    expect(h.sent.length).toBe(sent);
    expect(wheel.size).toBe(before + 1);
  });
});
