import { describe, expect, it } from 'vitest';
import { grind, harness, negotiate, openStandard, setup } from '../../../test/support/session-harness.js';
import { MAX_U256, targetToU256Le, u256LeToTarget } from '../../ckb/target.js';
import type { Ledger } from '../../ledger/ledger.js';
import type { Job } from '../jobs.js';
import { meetsTarget } from '../jobs.js';

/**
 * sv2-spec, mining protocol, SetTarget: the maximum target "is applicable for all jobs
 * received on the channel in the future or already received with flag future_job=True. The
 * message is not applicable for already started jobs." CKB jobs are never future jobs, so a
 * share is judged — and credited — by the target in force when its job was sent.
 */
describe('SV2 session: a share is judged by the target its job was sent with', () => {
  /** A channel at difficulty 4 with a job, a ledger that records credits, and a way to move the target. */
  function mining() {
    const h = harness();
    const credits: number[] = [];
    h.ctx.ledger = {
      recordShare: (s: { difficulty: number }) => credits.push(s.difficulty),
      recordRejected: () => {},
    } as unknown as Ledger;
    setup(h);
    negotiate(h);
    const job = h.newJob(true);
    const ch = openStandard(h);
    const opened = u256LeToTarget(ch.target);
    let seq = 0;
    let next = 0;
    /** UpdateChannel with a nominal hashrate: the pool answers SetTarget for that difficulty (interval 1 s). */
    const moveTo = (hashRate: number): bigint => {
      h.session.handle({
        type: 'UpdateChannel',
        channelId: ch.channelId,
        nominalHashRate: hashRate,
        maximumTarget: targetToU256Le(MAX_U256),
      });
      const st = h.sent.at(-1);
      if (st?.type !== 'SetTarget') throw new Error(`expected SetTarget, got ${st?.type}`);
      return u256LeToTarget(st.maximumTarget);
    };
    /** Submits a fresh share on `j` whose PoW passes `want`. */
    const submit = (j: Job, want: (out: Uint8Array) => boolean) => {
      const g = grind(j, ch.extranoncePrefix, (o) => want(o) && !meetsTarget(o, j.networkTarget), next);
      next = g.next;
      return h.session.onSubmit({
        type: 'SubmitSharesCkb',
        channelId: ch.channelId,
        sequenceNumber: ++seq,
        jobId: j.id,
        nonceSuffix: g.suffix,
      });
    };
    return { h, job, ch, opened, credits, moveTo, submit };
  }

  it('accepts a share on a job sent before a SetTarget that meets only the old, easier target, ten minutes later', () => {
    const { h, job, opened, moveTo, submit, credits } = mining();
    const harder = moveTo(64);
    expect(harder < opened).toBe(true);
    h.clock.t += 600_000;
    expect(submit(job, (o) => meetsTarget(o, opened) && !meetsTarget(o, harder))).toBe('accepted');
    expect(credits).toEqual([4]);
  });

  it('rejects difficulty-too-low a share on a job sent after the SetTarget that meets only the old target', () => {
    const { h, opened, moveTo, submit, credits } = mining();
    const harder = moveTo(64);
    const later = h.newJob(false);
    h.sent.length = 0;
    expect(submit(later, (o) => meetsTarget(o, opened) && !meetsTarget(o, harder))).toBe(
      'difficulty-too-low',
    );
    expect(h.sent).toEqual([
      expect.objectContaining({ type: 'SubmitSharesError', errorCode: 'difficulty-too-low' }),
    ]);
    expect(credits).toEqual([]);
  });

  it('applies an easier target only to later jobs too: the earlier job keeps its harder target', () => {
    const { h, job, opened, moveTo, submit } = mining();
    const easier = moveTo(1);
    expect(easier > opened).toBe(true);
    const onlyEasier = (o: Uint8Array) => meetsTarget(o, easier) && !meetsTarget(o, opened);
    expect(submit(job, onlyEasier)).toBe('difficulty-too-low');
    expect(submit(h.newJob(false), onlyEasier)).toBe('accepted');
  });

  it("credits each share with its job target's difficulty: ledger, SubmitShares.Success sum and vardiff", () => {
    const { h, job, opened, moveTo, submit, credits } = mining();
    const harder = moveTo(64);
    const later = h.newJob(false);
    h.sent.length = 0;
    expect(submit(job, (o) => meetsTarget(o, opened))).toBe('accepted');
    expect(submit(later, (o) => meetsTarget(o, harder))).toBe('accepted');
    // A share on the old job that happens to meet the new target is still credited the old job's 4.
    expect(submit(job, (o) => meetsTarget(o, harder))).toBe('accepted');
    expect(credits).toEqual([4, 64, 4]);
    expect(h.sent).toEqual([expect.objectContaining({ type: 'SubmitSharesSuccess', newSharesSum: 72n })]);
    const channel = [...h.session.channels.values()][0];
    expect(channel?.acceptedDifficulty).toBe(72);
    expect(channel?.vardiff.windowDifficultySum).toBe(72);
  });

  it('forgets the targets of jobs a new tip made stale, and answers their shares stale-share', () => {
    const { h, job, opened, moveTo, submit } = mining();
    moveTo(64);
    h.newJob(false);
    moveTo(16);
    const tip = h.newJob(true);
    expect(submit(job, (o) => meetsTarget(o, opened))).toBe('stale-share');
    const channel = [...h.session.channels.values()][0];
    expect(channel?.jobTargets.map((e) => e.fromJobId)).toEqual([tip.id]);
  });
});
