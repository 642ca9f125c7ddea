import { describe, expect, it } from 'vitest';
import {
  EXT_CKB,
  EXT_WORKER,
  grind,
  harness,
  negotiate,
  openStandard,
  setup,
} from '../../../test/support/session-harness.js';
import {
  compactToTarget,
  MAX_U256,
  targetToCompact,
  targetToU256Le,
  u256LeToTarget,
} from '../../ckb/target.js';
import type { Ledger } from '../../ledger/ledger.js';
import { encodeTlvs } from '../../sv2/messages/index.js';
import { HashrateTracker } from '../hashrate.js';
import { meetsTarget } from '../jobs.js';

describe('SV2 session: shares', () => {
  function ready() {
    const h = harness();
    setup(h);
    negotiate(h);
    const job = h.newJob(true);
    const ch = openStandard(h);
    const target = u256LeToTarget(ch.target);
    return { h, job, ch, target };
  }

  it('accepts valid shares and acknowledges them in batches with the difficulty sum', () => {
    const { h, job, ch, target } = ready();
    let next = 0;
    h.sent.length = 0;
    for (let seq = 1; seq <= 3; seq++) {
      const g = grind(job, ch.extranoncePrefix, (o) => meetsTarget(o, target), next);
      next = g.next;
      expect(
        h.session.onSubmit({
          type: 'SubmitSharesCkb',
          channelId: ch.channelId,
          sequenceNumber: seq,
          jobId: job.id,
          nonceSuffix: g.suffix,
        }),
      ).toBe('accepted');
    }
    expect(h.sent.filter((m) => m.type === 'SubmitSharesSuccess')).toEqual([
      {
        type: 'SubmitSharesSuccess',
        channelId: ch.channelId,
        lastSequenceNumber: 3,
        newSubmitsAcceptedCount: 3,
        newSharesSum: 12n,
      },
    ]);
  });

  it('flushes a partial batch after the delay', async () => {
    const { h, job, ch, target } = ready();
    h.sent.length = 0;
    const g = grind(job, ch.extranoncePrefix, (o) => meetsTarget(o, target));
    h.session.onSubmit({
      type: 'SubmitSharesCkb',
      channelId: ch.channelId,
      sequenceNumber: 7,
      jobId: job.id,
      nonceSuffix: g.suffix,
    });
    expect(h.sent).toEqual([]);
    h.clock.t += 60;
    await new Promise((r) => setTimeout(r, 80));
    expect(h.sent).toEqual([
      {
        type: 'SubmitSharesSuccess',
        channelId: ch.channelId,
        lastSequenceNumber: 7,
        newSubmitsAcceptedCount: 1,
        newSharesSum: 4n,
      },
    ]);
  });

  it('answers each kind of bad share with its profile error code', () => {
    const { h, job, ch, target } = ready();
    const good = grind(job, ch.extranoncePrefix, (o) => meetsTarget(o, target));
    const low = grind(job, ch.extranoncePrefix, (o) => !meetsTarget(o, target));
    const submit = (over: Partial<{ channelId: number; jobId: number; nonceSuffix: Uint8Array }>) =>
      h.session.onSubmit({
        type: 'SubmitSharesCkb',
        channelId: ch.channelId,
        sequenceNumber: 1,
        jobId: job.id,
        nonceSuffix: good.suffix,
        ...over,
      });
    expect(submit({ channelId: 4242 })).toBe('invalid-channel-id');
    expect(submit({ channelId: ch.groupChannelId })).toBe('invalid-channel-id');
    expect(submit({ jobId: 999_999 })).toBe('invalid-job-id');
    expect(submit({ nonceSuffix: new Uint8Array(11) })).toBe('bad-extranonce-size');
    expect(submit({ nonceSuffix: low.suffix })).toBe('difficulty-too-low');
    expect(submit({})).toBe('accepted');
    expect(submit({})).toBe('duplicate-share');
    h.newJob(true);
    expect(submit({})).toBe('stale-share');
    const errors = h.sent
      .filter((m) => m.type === 'SubmitSharesError')
      .map((m) => (m.type === 'SubmitSharesError' ? m.errorCode : ''));
    expect(errors).toEqual([
      'invalid-channel-id',
      'invalid-channel-id',
      'invalid-job-id',
      'bad-extranonce-size',
      'difficulty-too-low',
      'duplicate-share',
      'stale-share',
    ]);
  });

  it('keeps late shares on replaced jobs of the same tip valid', () => {
    const { h, job, ch, target } = ready();
    h.newJob(false);
    h.newJob(false);
    const g = grind(job, ch.extranoncePrefix, (o) => meetsTarget(o, target));
    expect(
      h.session.onSubmit({
        type: 'SubmitSharesCkb',
        channelId: ch.channelId,
        sequenceNumber: 1,
        jobId: job.id,
        nonceSuffix: g.suffix,
      }),
    ).toBe('accepted');
  });

  it('reports a share meeting the network target as a block and acknowledges at once', () => {
    const h = harness();
    setup(h);
    negotiate(h);
    const easy = targetToCompact(MAX_U256 >> 3n);
    const job = h.newJob(true, easy);
    const ch = openStandard(h);
    const netTarget = compactToTarget(easy);
    const g = grind(job, ch.extranoncePrefix, (o) => meetsTarget(o, netTarget));
    h.sent.length = 0;
    expect(
      h.session.onSubmit({
        type: 'SubmitSharesCkb',
        channelId: ch.channelId,
        sequenceNumber: 5,
        jobId: job.id,
        nonceSuffix: g.suffix,
      }),
    ).toBe('block');
    expect(h.found).toHaveLength(1);
    expect(h.found[0]?.nonce16.slice(0, 4)).toEqual(ch.extranoncePrefix);
    expect(h.found[0]?.worker).toBe('alice.rig1');
    expect(h.sent.some((m) => m.type === 'SubmitSharesSuccess')).toBe(true);
  });

  it('raises the difficulty with SetTarget when shares come too fast, never above the network', () => {
    const { h, job, ch, target } = ready();
    let next = 0;
    for (let seq = 1; seq <= 20; seq++) {
      const g = grind(job, ch.extranoncePrefix, (o) => meetsTarget(o, target), next);
      next = g.next;
      h.clock.t += 10;
      h.session.onSubmit({
        type: 'SubmitSharesCkb',
        channelId: ch.channelId,
        sequenceNumber: seq,
        jobId: job.id,
        nonceSuffix: g.suffix,
      });
    }
    const st = h.sent.filter((m) => m.type === 'SetTarget');
    expect(st.length).toBeGreaterThan(0);
    const t = st[st.length - 1];
    if (t?.type !== 'SetTarget') throw new Error('no SetTarget');
    const newTarget = u256LeToTarget(t.maximumTarget);
    expect(newTarget < target).toBe(true);
    expect(newTarget >= job.networkTarget).toBe(true);
  });
});

describe('SV2 session: extension 0x0002 (worker-specific hashrate tracking)', () => {
  interface Credited {
    shares: string[];
    rejected: string[];
  }

  /** A connection with a channel named `alice.proxy`; records whom the ledger credits. */
  function tracked(
    o: { negotiate0x0002?: boolean; compact?: number; maxWorkerNamesPerConnection?: number } = {},
  ) {
    const h = harness(
      o.maxWorkerNamesPerConnection
        ? { limits: { maxWorkerNamesPerConnection: o.maxWorkerNamesPerConnection } }
        : {},
    );
    const credited: Credited = { shares: [], rejected: [] };
    h.ctx.ledger = {
      recordShare: (s: { worker: string }) => credited.shares.push(s.worker),
      recordRejected: (w: string) => credited.rejected.push(w),
    } as unknown as Ledger;
    h.ctx.hashrate = new HashrateTracker(0);
    setup(h);
    h.session.handle({
      type: 'RequestExtensions',
      requestId: 1,
      requestedExtensions: o.negotiate0x0002 === false ? [EXT_CKB] : [EXT_CKB, EXT_WORKER],
    });
    const job = h.newJob(true, o.compact);
    h.session.handle({
      type: 'OpenExtendedMiningChannel',
      requestId: 2,
      userIdentity: 'alice.proxy',
      nominalHashRate: 0,
      maxTarget: targetToU256Le(MAX_U256),
      minExtranonceSize: 12,
    });
    const ok = h.sent.find((m) => m.type === 'OpenExtendedMiningChannelSuccess');
    if (ok?.type !== 'OpenExtendedMiningChannelSuccess') throw new Error('channel not opened');
    const target = u256LeToTarget(ok.target);
    let next = 0;
    let seq = 0;
    /** Submits a fresh ordinary share (never a block by chance) with the given TLV tail. */
    const submit = (tlv?: Uint8Array) => {
      const g = grind(
        job,
        ok.extranoncePrefix,
        (out) => meetsTarget(out, target) && !meetsTarget(out, job.networkTarget),
        next,
      );
      next = g.next;
      return h.session.onSubmit({
        type: 'SubmitSharesCkb',
        channelId: ok.channelId,
        sequenceNumber: ++seq,
        jobId: job.id,
        nonceSuffix: g.suffix,
        ...(tlv ? { tlv } : {}),
      });
    };
    return { h, job, ch: ok, target, credited, submit };
  }

  const userIdentityTlv = (value: Uint8Array | string) =>
    encodeTlvs([
      {
        extensionType: 0x0002,
        fieldType: 0x01,
        value: typeof value === 'string' ? new TextEncoder().encode(value) : value,
      },
    ]);

  it('credits accepted shares to the TLV worker inside the channel account (ledger and hashrate)', () => {
    const { h, credited, submit } = tracked();
    expect(submit(userIdentityTlv('rig7'))).toBe('accepted');
    expect(submit(userIdentityTlv('alice.rig8'))).toBe('accepted');
    expect(submit(userIdentityTlv('alice'))).toBe('accepted');
    expect(submit()).toBe('accepted');
    expect(credited.shares).toEqual(['alice.rig7', 'alice.rig8', 'alice', 'alice.proxy']);
    // The API shows them online on this channel.
    const open = [...h.session.channels.values()][0];
    expect([...(open?.creditedWorkers?.keys() ?? [])]).toEqual(['alice.rig7', 'alice.rig8', 'alice']);
    const now = h.clock.t;
    expect(h.ctx.hashrate?.rate('alice.rig7', 600_000, now)).toBeGreaterThan(0);
    expect(h.ctx.hashrate?.rate('alice.proxy', 600_000, now)).toBeGreaterThan(0);
  });

  it('never lets a TLV name another account: bob.rig1 on alice.proxy is credited to alice.bob.rig1', () => {
    const { credited, submit } = tracked();
    expect(submit(userIdentityTlv('bob.rig1'))).toBe('accepted');
    expect(submit(userIdentityTlv('alicex.rig'))).toBe('accepted');
    expect(credited.shares).toEqual(['alice.bob.rig1', 'alice.alicex.rig']);
  });

  it('credits a found block to the TLV worker', () => {
    const easy = targetToCompact(MAX_U256 >> 3n);
    const { h, job, ch } = tracked({ compact: easy });
    const g = grind(job, ch.extranoncePrefix, (o) => meetsTarget(o, compactToTarget(easy)));
    const outcome = h.session.onSubmit({
      type: 'SubmitSharesCkb',
      channelId: ch.channelId,
      sequenceNumber: 1,
      jobId: job.id,
      nonceSuffix: g.suffix,
      tlv: userIdentityTlv('rig7'),
    });
    expect(outcome).toBe('block');
    expect(h.found.map((f) => f.worker)).toEqual(['alice.rig7']);
  });

  it('ignores the TLV on a connection that did not negotiate 0x0002', () => {
    const { credited, submit } = tracked({ negotiate0x0002: false });
    expect(submit(userIdentityTlv('rig7'))).toBe('accepted');
    expect(submit(userIdentityTlv('x'.repeat(40)))).toBe('accepted');
    expect(credited.shares).toEqual(['alice.proxy', 'alice.proxy']);
  });

  it('credits the channel worker when the TLV holds no usable name: empty, not UTF-8, control characters, other fields, a truncated tail', () => {
    const { credited, submit } = tracked();
    expect(submit(userIdentityTlv(''))).toBe('accepted');
    expect(submit(userIdentityTlv(Uint8Array.of(0x72, 0xff, 0xfe)))).toBe('accepted');
    expect(submit(userIdentityTlv('rig\n7'))).toBe('accepted');
    expect(submit(encodeTlvs([{ extensionType: 3, fieldType: 1, value: Uint8Array.of(1) }]))).toBe(
      'accepted',
    );
    expect(submit(Uint8Array.of(0x02, 0x00, 0x01, 0x0a, 0x00, 0x72))).toBe('accepted');
    expect(credited.shares).toEqual(Array(5).fill('alice.proxy'));
  });

  it('finds the user_identity behind TLV fields of other extensions', () => {
    const { credited, submit } = tracked();
    const other = encodeTlvs([{ extensionType: 0x0001, fieldType: 7, value: Uint8Array.of(1, 2, 3) }]);
    const tail = new Uint8Array([...other, ...userIdentityTlv('rig9')]);
    expect(submit(tail)).toBe('accepted');
    expect(credited.shares).toEqual(['alice.rig9']);
  });

  it('refuses a share whose user_identity is longer than 32 bytes with invalid-user-identity, counted against the channel worker', () => {
    const { h, credited, submit } = tracked();
    h.sent.length = 0;
    expect(submit(userIdentityTlv('r'.repeat(33)))).toBe('invalid-user-identity');
    expect(h.sent).toEqual([
      { type: 'SubmitSharesError', channelId: 2, sequenceNumber: 1, errorCode: 'invalid-user-identity' },
    ]);
    expect(credited).toEqual({ shares: [], rejected: ['alice.proxy'] });
    // Exactly 32 bytes is fine.
    expect(submit(userIdentityTlv('r'.repeat(32)))).toBe('accepted');
    expect(credited.shares).toEqual([`alice.${'r'.repeat(32)}`]);
  });

  it('counts rejected shares against the TLV worker', () => {
    const { h, job, ch, target, credited } = tracked();
    const low = grind(job, ch.extranoncePrefix, (o) => !meetsTarget(o, target));
    expect(
      h.session.onSubmit({
        type: 'SubmitSharesCkb',
        channelId: ch.channelId,
        sequenceNumber: 1,
        jobId: job.id,
        nonceSuffix: low.suffix,
        tlv: userIdentityTlv('rig7'),
      }),
    ).toBe('difficulty-too-low');
    expect(credited.rejected).toEqual(['alice.rig7']);
  });

  it('credits a TLV name beyond the worker-name limit to the channel, counted under the limit', async () => {
    const { h, credited, submit } = tracked({ maxWorkerNamesPerConnection: 2 });
    expect(submit(userIdentityTlv('rig7'))).toBe('accepted');
    expect(submit(userIdentityTlv('rig8'))).toBe('accepted');
    expect(submit(userIdentityTlv('rig7'))).toBe('accepted');
    expect(credited.shares).toEqual(['alice.rig7', 'alice.proxy', 'alice.rig7']);
    const v = (await h.ctx.metrics.connectionsRejected.get()).values.find(
      (x) => x.labels.reason === 'worker_names_per_connection',
    );
    expect(v?.value).toBe(1);
  });

  it('keeps targets and vardiff per channel whatever names the TLVs carry', () => {
    const { h, ch, target, submit } = tracked();
    for (let i = 0; i < 20; i++) {
      h.clock.t += 10;
      expect(submit(userIdentityTlv(`rig${i}`))).toBe('accepted');
    }
    const channel = h.session.channels.get(ch.channelId);
    expect(channel?.acceptedShares).toBe(20);
    expect(channel?.worker).toBe('alice.proxy');
    const st = h.sent.filter((m) => m.type === 'SetTarget');
    expect(st.map((m) => (m.type === 'SetTarget' ? m.channelId : 0))).toEqual(
      Array(st.length).fill(ch.channelId),
    );
    expect(st.length).toBeGreaterThan(0);
    expect(channel && channel.target < target).toBe(true);
  });
});
