import { describe, expect, it } from 'vitest';
import { harness, last, negotiate, openStandard, setup } from '../../../test/support/session-harness.js';
import { MAX_U256, targetToU256Le, u256LeToTarget } from '../../ckb/target.js';
import type { Job } from '../jobs.js';

describe('SV2 session: UpdateChannel', () => {
  it('answers UpdateChannel with SetTarget when the new maximum target is harder, and errors for unknown ids', () => {
    const h = harness();
    setup(h);
    negotiate(h);
    h.newJob(true);
    const ok = openStandard(h);
    h.session.handle({
      type: 'UpdateChannel',
      channelId: ok.channelId,
      nominalHashRate: 0,
      maximumTarget: targetToU256Le(MAX_U256 / 64n),
    });
    const st = last(h);
    expect(st.type).toBe('SetTarget');
    if (st.type === 'SetTarget') expect(u256LeToTarget(st.maximumTarget) <= MAX_U256 / 64n).toBe(true);
    h.session.handle({
      type: 'UpdateChannel',
      channelId: 999,
      nominalHashRate: 0,
      maximumTarget: targetToU256Le(MAX_U256),
    });
    expect(last(h)).toEqual({ type: 'UpdateChannelError', channelId: 999, errorCode: 'invalid-channel-id' });
    h.session.handle({
      type: 'UpdateChannel',
      channelId: ok.channelId,
      nominalHashRate: 0,
      maximumTarget: targetToU256Le((h.jobs.current as Job).networkTarget - 1n),
    });
    expect(last(h)).toEqual({
      type: 'UpdateChannelError',
      channelId: ok.channelId,
      errorCode: 'max-target-out-of-range',
    });
  });

  it('refuses a nominal hashrate that is negative or not a number, leaving the channel as it was', () => {
    const h = harness();
    setup(h);
    negotiate(h);
    h.newJob(true);
    const ok = openStandard(h);
    const before = h.session.channels.get(ok.channelId)?.difficulty;
    for (const nominalHashRate of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      h.session.handle({
        type: 'UpdateChannel',
        channelId: ok.channelId,
        nominalHashRate,
        maximumTarget: targetToU256Le(MAX_U256),
      });
      expect(last(h)).toEqual({
        type: 'UpdateChannelError',
        channelId: ok.channelId,
        errorCode: 'invalid-nominal-hashrate',
      });
    }
    expect(h.session.channels.get(ok.channelId)?.difficulty).toBe(before);
  });

  it('refuses a maximum target of zero', () => {
    const h = harness();
    setup(h);
    negotiate(h);
    h.newJob(true);
    const ok = openStandard(h);
    h.session.handle({
      type: 'UpdateChannel',
      channelId: ok.channelId,
      nominalHashRate: 0,
      maximumTarget: new Uint8Array(32),
    });
    expect(last(h)).toMatchObject({ type: 'UpdateChannelError', errorCode: 'max-target-out-of-range' });
  });

  it('restarts vardiff from the difficulty a new nominal hashrate implies and announces the new target', () => {
    const h = harness();
    setup(h);
    negotiate(h);
    h.newJob(true);
    const ok = openStandard(h);
    h.clock.t += 5_000;
    // One share a second is wanted (harness), so a nominal rate of 16 difficulty units a
    // second implies difficulty 16, up from the initial 4.
    h.session.handle({
      type: 'UpdateChannel',
      channelId: ok.channelId,
      nominalHashRate: 16,
      maximumTarget: targetToU256Le(MAX_U256),
    });
    const ch = h.session.channels.get(ok.channelId);
    expect(ch?.difficulty).toBe(16);
    expect(ch?.vardiff.windowStartMs).toBe(h.clock.t);
    const st = last(h);
    if (st.type !== 'SetTarget') throw new Error(`expected SetTarget, got ${st.type}`);
    expect(u256LeToTarget(st.maximumTarget)).toBe(ch?.target);
  });

  it('sends nothing when the update leaves the target where it was', () => {
    const h = harness();
    setup(h);
    negotiate(h);
    h.newJob(true);
    const ok = openStandard(h);
    const sent = h.sent.length;
    h.session.handle({
      type: 'UpdateChannel',
      channelId: ok.channelId,
      nominalHashRate: 0,
      maximumTarget: targetToU256Le(MAX_U256),
    });
    expect(h.sent.length).toBe(sent);
  });
});
