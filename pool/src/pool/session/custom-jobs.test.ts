import { describe, expect, it } from 'vitest';
import {
  grind,
  type Harness,
  harness,
  last,
  NET_COMPACT,
  negotiate,
  openStandard,
  setup,
} from '../../../test/support/session-harness.js';
import { ckbhash } from '../../ckb/hash.js';
import { compactToTarget, MAX_U256, meetsTarget, targetToU256Le } from '../../ckb/target.js';
import type { DeclaredJob } from '../../jd/declare.js';
import { SETUP_REQUIRES_WORK_SELECTION, type SetCustomCkbMiningJob } from '../../sv2/messages/index.js';
import { DeclaredWork } from '../declared-work.js';

/** A declaration the JDS accepted on the harness's current tip (the body is not read here). */
function declared(h: Harness, seed: number): DeclaredJob {
  const tip = h.jobs.current;
  if (!tip) throw new Error('no pool job yet');
  const rawHeader = {
    version: 0,
    compactTarget: NET_COMPACT,
    timestamp: 1n,
    number: tip.height,
    epoch: 1n,
    parentHash: tip.parentHash,
    transactionsRoot: new Uint8Array(32),
    proposalsHash: new Uint8Array(32),
    extraHash: new Uint8Array(32),
    dao: new Uint8Array(32),
  };
  return {
    token: Uint8Array.of(seed, 0, 0, 0, 0, 0, 0, 1),
    parentHash: tip.parentHash,
    number: tip.height,
    compactTarget: NET_COMPACT,
    rawHeader,
    powHash: ckbhash(Uint8Array.of(seed)),
    body: { uncles: [], transactions: [], proposals: [] },
  };
}

function setCustom(job: DeclaredJob, channelId: number): SetCustomCkbMiningJob {
  return {
    type: 'SetCustomCkbMiningJob',
    channelId,
    requestId: 5,
    miningJobToken: job.token,
    powHash: job.powHash,
    parentHash: job.parentHash,
    number: job.number,
    compactTarget: job.compactTarget,
  };
}

/** A connection to a pool that runs a JDS, set up with `flags`, with one open channel of `kind`. */
function withJds(flags = SETUP_REQUIRES_WORK_SELECTION, kind: 'extended' | 'standard' = 'extended') {
  const h = harness();
  const work = new DeclaredWork(() => h.jobs.nextId(), 1000);
  h.ctx.jd = work;
  setup(h, flags);
  negotiate(h);
  h.newJob(true);
  let channelId: number;
  let prefix: Uint8Array;
  if (kind === 'standard') {
    const ok = openStandard(h);
    channelId = ok.channelId;
    prefix = ok.extranoncePrefix;
  } else {
    h.session.handle({
      type: 'OpenExtendedMiningChannel',
      requestId: 3,
      userIdentity: 'carol.jdc',
      nominalHashRate: 0,
      maxTarget: targetToU256Le(MAX_U256),
      minExtranonceSize: 12,
    });
    const ok = h.sent.find((m) => m.type === 'OpenExtendedMiningChannelSuccess');
    if (ok?.type !== 'OpenExtendedMiningChannelSuccess') throw new Error('channel not opened');
    channelId = ok.channelId;
    prefix = ok.extranoncePrefix;
  }
  h.sent.length = 0;
  return { h, work, channelId, prefix };
}

const errorOf = (h: Harness) => {
  const m = last(h);
  return m.type === 'SetCustomMiningJobError' ? m.errorCode : `no error: ${m.type}`;
};

describe('SetCustomCkbMiningJob on a pool that runs a JDS', () => {
  it('accepts REQUIRES_WORK_SELECTION at setup', () => {
    const { h } = withJds();
    expect(h.session.state).toBe('ready');
    expect(h.closedWith).toEqual([]);
  });

  it('gives a declared job a job id on the extended channel, and credits shares on it as usual', () => {
    const { h, work, channelId, prefix } = withJds();
    const job = declared(h, 1);
    work.declared.add(job);
    h.session.handle(setCustom(job, channelId));
    const ok = last(h);
    expect(ok).toMatchObject({ type: 'SetCustomMiningJobSuccess', channelId, requestId: 5 });
    if (ok.type !== 'SetCustomMiningJobSuccess') return;
    const poolJob = work.jobOf(job);
    expect(poolJob.id).toBe(ok.jobId);
    const ch = h.session.channels.get(channelId);
    const shareTarget = MAX_U256 >> 2n; // the harness's initial difficulty 4
    const g = grind(poolJob, prefix, (out) => meetsTarget(out, shareTarget));
    const outcome = h.session.onSubmit({
      type: 'SubmitSharesCkb',
      channelId,
      sequenceNumber: 1,
      jobId: ok.jobId,
      nonceSuffix: g.suffix,
    });
    expect(['accepted', 'block']).toContain(outcome);
    expect(ch?.acceptedShares).toBe(1);
  });

  it('reports a share meeting the network target on a declared job as a declared block', () => {
    const { h, work, channelId, prefix } = withJds();
    const job = declared(h, 2);
    work.declared.add(job);
    h.session.handle(setCustom(job, channelId));
    const poolJob = work.jobOf(job);
    const g = grind(poolJob, prefix, (out) => meetsTarget(out, compactToTarget(NET_COMPACT)));
    const outcome = h.session.onSubmit({
      type: 'SubmitSharesCkb',
      channelId,
      sequenceNumber: 1,
      jobId: poolJob.id,
      nonceSuffix: g.suffix,
    });
    expect(outcome).toBe('block');
    expect(h.found).toHaveLength(1);
    expect(h.found[0]?.job.source).toBe('declared');
    expect(h.found[0]?.worker).toBe('carol.jdc');
  });

  it('makes shares on a declared job stale once the tip moves', () => {
    const { h, work, channelId, prefix } = withJds();
    const job = declared(h, 3);
    work.declared.add(job);
    h.session.handle(setCustom(job, channelId));
    const poolJob = work.jobOf(job);
    h.newJob(true);
    const g = grind(poolJob, prefix, () => true);
    const share = { type: 'SubmitSharesCkb', channelId, sequenceNumber: 2, jobId: poolJob.id } as const;
    expect(h.session.onSubmit({ ...share, nonceSuffix: g.suffix })).toBe('stale-share');
  });

  it('refuses an unknown token, a changed field, and a parent that is no longer the tip', () => {
    const { h, work, channelId } = withJds();
    const job = declared(h, 4);
    h.session.handle(setCustom(job, channelId));
    expect(errorOf(h)).toBe('invalid-mining-job-token');
    work.declared.add(job);
    h.session.handle({ ...setCustom(job, channelId), number: job.number + 1n });
    expect(errorOf(h)).toBe('invalid-job-param-value-number');
    h.newJob(true);
    h.session.handle(setCustom(job, channelId));
    expect(errorOf(h)).toBe('stale-parent');
  });

  it('refuses custom work on a standard channel or an unknown one', () => {
    const { h, work, channelId } = withJds(SETUP_REQUIRES_WORK_SELECTION, 'standard');
    const job = declared(h, 5);
    work.declared.add(job);
    h.session.handle(setCustom(job, channelId));
    expect(errorOf(h)).toBe('standard-channels-not-supported-for-custom-work');
    h.session.handle(setCustom(job, 99));
    expect(errorOf(h)).toBe('invalid-channel-id');
  });

  it('refuses custom work on a connection that did not set REQUIRES_WORK_SELECTION', () => {
    const { h, work, channelId } = withJds(0);
    const job = declared(h, 6);
    work.declared.add(job);
    h.session.handle(setCustom(job, channelId));
    expect(errorOf(h)).toBe('work-selection-not-negotiated');
  });

  it('answers the Bitcoin SetCustomMiningJob unsupported-job-format', () => {
    const { h, channelId } = withJds();
    h.session.handle({
      type: 'SetCustomMiningJob',
      channelId,
      requestId: 8,
      miningJobToken: new Uint8Array(8),
      version: 0,
      prevHash: new Uint8Array(32),
      minNtime: 0,
      nbits: 0,
      coinbaseTxVersion: 0,
      coinbasePrefix: new Uint8Array(0),
      coinbaseTxInputNSequence: 0,
      coinbaseTxOutputs: new Uint8Array(0),
      coinbaseTxLocktime: 0,
      merklePath: [],
    });
    expect(errorOf(h)).toBe('unsupported-job-format');
  });
});

describe('a pool without a JDS', () => {
  it('still refuses REQUIRES_WORK_SELECTION at setup', () => {
    const h = harness();
    setup(h, SETUP_REQUIRES_WORK_SELECTION);
    expect(last(h)).toMatchObject({ type: 'SetupConnectionError', errorCode: 'unsupported-feature-flags' });
  });
});
