import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { PoolMetrics } from '../api/metrics.js';
import { compactToTarget, MAX_U256, targetToCompact, targetToU256Le, u256LeToTarget } from '../ckb/target.js';
import type { TemplateBlock } from '../ckb/template.js';
import type { Ledger } from '../ledger/ledger.js';
import { encodeTlvs, type Sv2Message } from '../sv2/messages/index.js';
import { parseConfig } from './config.js';
import { DueWheel } from './due-wheel.js';
import { ExtranonceAllocator } from './extranonce.js';
import { HashrateTracker } from './hashrate.js';
import { type Job, JobBook, makeJob, meetsTarget, powOutput } from './jobs.js';
import { type PeerAccount, PeerLimits } from './peer-limits.js';
import { type FoundBlock, Session, type SessionContext } from './session.js';

const EXT_CKB = 0x4ccb;
const EXT_WORKER = 0x0002;

function fakeBlock(seed: number, compactTarget: number, number = 10n): TemplateBlock {
  const powHash = Uint8Array.from({ length: 32 }, (_, i) => (i * 7 + seed) & 0xff);
  const parentHash = Uint8Array.from({ length: 32 }, (_, i) => (i + seed) & 0xff);
  return {
    powHash,
    rawHeader: { compactTarget, number, parentHash },
    workId: 1n,
  } as unknown as TemplateBlock;
}

interface Harness {
  ctx: SessionContext;
  session: Session;
  sent: Sv2Message[];
  closedWith: string[];
  found: FoundBlock[];
  jobs: JobBook;
  clock: { t: number };
  newJob(clean: boolean, compact?: number): Job;
}

/** Network difficulty 2^20 by default: shares of difficulty 1..16 are cheap, blocks are rare. */
const NET_COMPACT = targetToCompact(MAX_U256 >> 20n);

function harness(overrides: Record<string, unknown> = {}, peer?: PeerAccount): Harness {
  const config = parseConfig({
    chain: 'dev',
    node: { rpcUrl: 'http://127.0.0.1:1' },
    sv2: { authorityKeyFile: '/x' },
    vardiff: {
      minDifficulty: 1,
      initialDifficulty: 4,
      targetShareIntervalSeconds: 1,
      retargetPeriodSeconds: 10,
    },
    shares: { batchMaxCount: 3, batchMaxDelayMs: 50 },
    ...overrides,
  });
  const jobs = new JobBook(config.jobs.maxPastJobs);
  const clock = { t: 1_000_000 };
  const found: FoundBlock[] = [];
  const ctx: SessionContext = {
    chain: 'dev',
    config,
    jobs,
    allocator: new ExtranonceAllocator(3),
    metrics: new PoolMetrics(),
    ledger: null,
    now: () => clock.t,
    onBlockFound: (f) => found.push(f),
  };
  const sent: Sv2Message[] = [];
  const closedWith: string[] = [];
  const session = new Session(
    ctx,
    { send: (m) => sent.push(m), close: (r) => closedWith.push(r) },
    1,
    '127.0.0.1:1',
    pino({ level: 'silent' }),
    peer,
  );
  let seed = 0;
  const newJob = (clean: boolean, compact = NET_COMPACT) => {
    const job = makeJob(jobs.nextId(), fakeBlock(++seed, compact), clean, clock.t, 1000, clock.t);
    jobs.add(job);
    session.broadcastJob(job);
    return job;
  };
  return { ctx, session, sent, closedWith, found, jobs, clock, newJob };
}

function setup(h: Harness, flags = 0): void {
  h.session.handle({
    type: 'SetupConnection',
    protocol: 0,
    minVersion: 2,
    maxVersion: 2,
    flags,
    endpointHost: 'pool',
    endpointPort: 3333,
    vendor: 'test',
    hardwareVersion: '',
    firmware: '',
    deviceId: '',
  });
}

function negotiate(h: Harness): void {
  h.session.handle({ type: 'RequestExtensions', requestId: 1, requestedExtensions: [EXT_CKB] });
}

function openStandard(h: Harness, maxTarget = MAX_U256, nominalHashRate = 0) {
  h.session.handle({
    type: 'OpenStandardMiningChannel',
    requestId: 9,
    userIdentity: 'alice.rig1',
    nominalHashRate,
    maxTarget: targetToU256Le(maxTarget),
  });
  const ok = h.sent.find((m) => m.type === 'OpenStandardMiningChannelSuccess');
  if (ok?.type !== 'OpenStandardMiningChannelSuccess') throw new Error('channel not opened');
  return ok;
}

function last(h: Harness): Sv2Message {
  return h.sent[h.sent.length - 1] as Sv2Message;
}

/** Finds nonce suffixes whose PoW meets (or misses) a target. */
function grind(
  job: Job,
  prefix: Uint8Array,
  want: (out: Uint8Array) => boolean,
  start = 0,
): { suffix: Uint8Array; next: number } {
  for (let i = start; ; i++) {
    const suffix = new Uint8Array(12);
    new DataView(suffix.buffer).setUint32(8, i);
    const nonce = new Uint8Array(16);
    nonce.set(prefix);
    nonce.set(suffix, 4);
    if (want(powOutput('dev', job, nonce))) return { suffix, next: i + 1 };
  }
}

describe('SV2 session: connection setup', () => {
  it('accepts mining protocol version 2 without flags and answers flags 0', () => {
    const h = harness();
    setup(h, 1);
    expect(last(h)).toMatchObject({ type: 'SetupConnectionSuccess', usedVersion: 2, flags: 0 });
    expect(h.closedWith).toEqual([]);
  });

  it('refuses version rolling and work selection naming exactly those flags', () => {
    const h = harness();
    setup(h, 0b111);
    expect(last(h)).toEqual({
      type: 'SetupConnectionError',
      flags: 0b110,
      errorCode: 'unsupported-feature-flags',
    });
    expect(h.closedWith).toHaveLength(1);
  });

  it('refuses other protocols and versions', () => {
    const h = harness();
    h.session.handle({
      type: 'SetupConnection',
      protocol: 2,
      minVersion: 2,
      maxVersion: 2,
      flags: 0,
      endpointHost: '',
      endpointPort: 0,
      vendor: '',
      hardwareVersion: '',
      firmware: '',
      deviceId: '',
    });
    expect(last(h)).toMatchObject({ errorCode: 'unsupported-protocol' });
    const h2 = harness();
    h2.session.handle({
      type: 'SetupConnection',
      protocol: 0,
      minVersion: 3,
      maxVersion: 4,
      flags: 0,
      endpointHost: '',
      endpointPort: 0,
      vendor: '',
      hardwareVersion: '',
      firmware: '',
      deviceId: '',
    });
    expect(last(h2)).toMatchObject({ errorCode: 'protocol-version-mismatch' });
  });

  it('closes a connection whose first message is not SetupConnection', () => {
    const h = harness();
    negotiate(h);
    expect(h.closedWith).toHaveLength(1);
    expect(h.sent).toEqual([]);
  });

  it('negotiates extension 0x4CCB and refuses channels without it', () => {
    const h = harness();
    setup(h);
    h.session.handle({
      type: 'OpenStandardMiningChannel',
      requestId: 5,
      userIdentity: 'a',
      nominalHashRate: 0,
      maxTarget: targetToU256Le(MAX_U256),
    });
    expect(last(h)).toEqual({
      type: 'OpenMiningChannelError',
      requestId: 5,
      errorCode: 'ckb-extension-required',
    });
    h.session.handle({ type: 'RequestExtensions', requestId: 2, requestedExtensions: [0x0003] });
    expect(last(h)).toMatchObject({
      type: 'RequestExtensionsError',
      unsupportedExtensions: [3],
      requiredExtensions: [EXT_CKB],
    });
    h.session.handle({ type: 'RequestExtensions', requestId: 3, requestedExtensions: [0x0003, EXT_CKB] });
    expect(last(h)).toEqual({
      type: 'RequestExtensionsSuccess',
      requestId: 3,
      supportedExtensions: [EXT_CKB],
    });
    expect(h.session.workerHashrateNegotiated).toBe(false);
  });

  it('negotiates 0x0002 alongside 0x4CCB, answering the supported subset and leaving unknown ones out', () => {
    const h = harness();
    setup(h);
    h.session.handle({
      type: 'RequestExtensions',
      requestId: 4,
      requestedExtensions: [EXT_CKB, EXT_WORKER, 0x0003],
    });
    expect(last(h)).toEqual({
      type: 'RequestExtensionsSuccess',
      requestId: 4,
      supportedExtensions: [EXT_CKB, EXT_WORKER],
    });
    expect(h.session.ckbNegotiated).toBe(true);
    expect(h.session.workerHashrateNegotiated).toBe(true);
  });

  it('answers a request for 0x0002 without 0x4CCB with an error naming 0x4CCB as required, negotiating nothing', () => {
    const h = harness();
    setup(h);
    h.session.handle({ type: 'RequestExtensions', requestId: 5, requestedExtensions: [EXT_WORKER] });
    expect(last(h)).toEqual({
      type: 'RequestExtensionsError',
      requestId: 5,
      unsupportedExtensions: [],
      requiredExtensions: [EXT_CKB],
    });
    expect(h.session.ckbNegotiated).toBe(false);
    expect(h.session.workerHashrateNegotiated).toBe(false);
  });
});

describe('SV2 session: channels', () => {
  it('opens a standard channel with a 4-byte prefix (instance id first), a group id and the current job', () => {
    const h = harness();
    setup(h);
    negotiate(h);
    const job = h.newJob(true);
    const ok = openStandard(h);
    expect(ok.extranoncePrefix).toHaveLength(4);
    expect(ok.extranoncePrefix[0]).toBe(3);
    expect(ok.groupChannelId).not.toBe(ok.channelId);
    expect(u256LeToTarget(ok.target)).toBe((MAX_U256 + 1n) / 4n);
    expect(last(h)).toMatchObject({
      type: 'NewCkbJob',
      channelId: ok.channelId,
      jobId: job.id,
      cleanJobs: true,
    });
  });

  it('opens extended channels with extranonce_size 12 and refuses min_extranonce_size above 12', () => {
    const h = harness();
    setup(h);
    negotiate(h);
    h.newJob(true);
    const open = (min: number) =>
      h.session.handle({
        type: 'OpenExtendedMiningChannel',
        requestId: min,
        userIdentity: 'proxy',
        nominalHashRate: 1e3,
        maxTarget: targetToU256Le(MAX_U256),
        minExtranonceSize: min,
      });
    open(13);
    expect(last(h)).toEqual({
      type: 'OpenMiningChannelError',
      requestId: 13,
      errorCode: 'min-extranonce-size-too-large',
    });
    open(8);
    const ok = h.sent.find((m) => m.type === 'OpenExtendedMiningChannelSuccess');
    expect(ok).toMatchObject({ extranonceSize: 12, requestId: 8 });
  });

  it('sends new jobs once to the group channel, or per channel with REQUIRES_STANDARD_JOBS', () => {
    const h = harness();
    setup(h);
    negotiate(h);
    h.newJob(true);
    const a = openStandard(h);
    openStandard(h);
    h.sent.length = 0;
    const job = h.newJob(false);
    expect(h.sent).toEqual([
      expect.objectContaining({
        type: 'NewCkbJob',
        channelId: a.groupChannelId,
        jobId: job.id,
        cleanJobs: false,
      }),
    ]);

    const s = harness();
    setup(s, 1);
    negotiate(s);
    s.newJob(true);
    openStandard(s);
    openStandard(s);
    s.sent.length = 0;
    s.newJob(true);
    expect(s.sent.filter((m) => m.type === 'NewCkbJob')).toHaveLength(2);
  });

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

  it('refuses channels beyond the per-connection cap', () => {
    const h = harness({ sv2: { authorityKeyFile: '/x', maxChannelsPerConnection: 2 } });
    setup(h);
    negotiate(h);
    h.newJob(true);
    openStandard(h);
    openStandard(h);
    h.session.handle({
      type: 'OpenStandardMiningChannel',
      requestId: 77,
      userIdentity: 'x',
      nominalHashRate: 0,
      maxTarget: targetToU256Le(MAX_U256),
    });
    expect(last(h)).toEqual({
      type: 'OpenMiningChannelError',
      requestId: 77,
      errorCode: 'channel-capacity-exhausted',
    });
    expect(h.ctx.allocator.size).toBe(2);
  });

  it('releases the prefix on CloseChannel', () => {
    const h = harness();
    setup(h);
    negotiate(h);
    h.newJob(true);
    const ok = openStandard(h);
    expect(h.ctx.allocator.size).toBe(1);
    h.session.handle({ type: 'CloseChannel', channelId: ok.channelId, reasonCode: 'bye' });
    expect(h.ctx.allocator.size).toBe(0);
    expect(h.session.channels.size).toBe(0);
  });
});

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
    expect(submit({ nonceSuffix: new Uint8Array(11) })).toBe('invalid-nonce-size');
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
      'invalid-nonce-size',
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

  it('refuses a max_target harder than the network target', () => {
    const h = harness();
    setup(h);
    negotiate(h);
    const job = h.newJob(true);
    h.session.handle({
      type: 'OpenStandardMiningChannel',
      requestId: 4,
      userIdentity: 'x',
      nominalHashRate: 0,
      maxTarget: targetToU256Le(job.networkTarget - 1n),
    });
    expect(last(h)).toEqual({
      type: 'OpenMiningChannelError',
      requestId: 4,
      errorCode: 'max-target-out-of-range',
    });
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

describe('SV2 session: limits per peer', () => {
  const limits = (o: Record<string, number>) =>
    new PeerLimits({
      maxChannels: o.maxChannels ?? 1_000,
      maxChannelsPerIp: o.maxChannelsPerIp ?? 1_000,
      maxWorkerNamesPerIp: o.maxWorkerNamesPerIp ?? 1_000,
      ipMessageRate: { perSecond: 0, burst: 1 },
    });

  function ready(peer: PeerAccount, overrides: Record<string, unknown> = {}): Harness {
    const h = harness(overrides, peer);
    setup(h);
    negotiate(h);
    h.newJob(true);
    return h;
  }

  /** Sends an open for `user`; the answer's type and error code. */
  function open(h: Harness, user: string, requestId = 5): { type: string; errorCode?: string } {
    h.session.handle({
      type: 'OpenStandardMiningChannel',
      requestId,
      userIdentity: user,
      nominalHashRate: 0,
      maxTarget: targetToU256Le(MAX_U256),
    });
    const m = h.sent.filter((x) => 'requestId' in x && x.requestId === requestId).pop();
    return m?.type === 'OpenMiningChannelError'
      ? { type: m.type, errorCode: m.errorCode }
      : { type: m?.type ?? 'none' };
  }

  async function refusals(h: Harness, reason: string): Promise<number> {
    const v = (await h.ctx.metrics.connectionsRejected.get()).values.find((x) => x.labels.reason === reason);
    return v?.value ?? 0;
  }

  it('refuses channels beyond the per-IP cap over all connections of that IP, and frees them when one leaves', async () => {
    const pool = limits({ maxChannelsPerIp: 3 });
    const a = ready(pool.join('10.0.0.1'));
    const b = ready(pool.join('10.0.0.1'));
    expect(open(a, 'w1', 1).type).toBe('OpenStandardMiningChannelSuccess');
    expect(open(a, 'w2', 2).type).toBe('OpenStandardMiningChannelSuccess');
    expect(open(b, 'w3', 3).type).toBe('OpenStandardMiningChannelSuccess');
    expect(open(b, 'w4', 4)).toEqual({
      type: 'OpenMiningChannelError',
      errorCode: 'channel-capacity-exhausted',
    });
    expect(await refusals(b, 'channels_per_ip')).toBe(1);
    // Another IP is not affected.
    const other = ready(pool.join('10.0.0.2'));
    expect(open(other, 'w5', 5).type).toBe('OpenStandardMiningChannelSuccess');
    a.session.closed();
    expect(pool.usage('10.0.0.1')?.channels).toBe(1);
    expect(open(b, 'w6', 6).type).toBe('OpenStandardMiningChannelSuccess');
  });

  it('refuses channels beyond the pool-wide total, whatever the IP', async () => {
    const pool = limits({ maxChannels: 2 });
    const a = ready(pool.join('10.0.0.1'));
    const b = ready(pool.join('10.0.0.2'));
    expect(open(a, 'w1', 1).type).toBe('OpenStandardMiningChannelSuccess');
    expect(open(b, 'w2', 2).type).toBe('OpenStandardMiningChannelSuccess');
    expect(open(b, 'w3', 3).errorCode).toBe('channel-capacity-exhausted');
    expect(await refusals(b, 'channels_total')).toBe(1);
    expect(pool.channels).toBe(2);
  });

  it('counts the per-connection channel cap under its own reason', async () => {
    const h = ready(limits({}).join('10.0.0.1'), {
      sv2: { authorityKeyFile: '/x', maxChannelsPerConnection: 1 },
    });
    expect(open(h, 'w1', 1).type).toBe('OpenStandardMiningChannelSuccess');
    expect(open(h, 'w2', 2).errorCode).toBe('channel-capacity-exhausted');
    expect(await refusals(h, 'channels_per_connection')).toBe(1);
  });

  it('limits distinct worker names per connection: a name in use is free, a new one is refused until one is released', async () => {
    const h = ready(limits({}).join('10.0.0.1'), { limits: { maxWorkerNamesPerConnection: 2 } });
    expect(open(h, 'alice.a', 1).type).toBe('OpenStandardMiningChannelSuccess');
    expect(open(h, 'alice.b', 2).type).toBe('OpenStandardMiningChannelSuccess');
    expect(open(h, 'alice.a', 3).type).toBe('OpenStandardMiningChannelSuccess');
    expect(open(h, 'alice.c', 4)).toEqual({
      type: 'OpenMiningChannelError',
      errorCode: 'too-many-worker-names',
    });
    expect(await refusals(h, 'worker_names_per_connection')).toBe(1);
    const b = [...h.session.channels.values()].find((c) => c.worker === 'alice.b');
    h.session.handle({ type: 'CloseChannel', channelId: b?.id ?? -1, reasonCode: 'bye' });
    expect(open(h, 'alice.c', 5).type).toBe('OpenStandardMiningChannelSuccess');
  });

  it('limits worker names per IP over all its connections', async () => {
    const pool = limits({ maxWorkerNamesPerIp: 2 });
    const a = ready(pool.join('10.0.0.1'));
    const b = ready(pool.join('10.0.0.1'));
    expect(open(a, 'n1', 1).type).toBe('OpenStandardMiningChannelSuccess');
    expect(open(b, 'n2', 2).type).toBe('OpenStandardMiningChannelSuccess');
    expect(open(b, 'n3', 3).errorCode).toBe('too-many-worker-names');
    expect(await refusals(b, 'worker_names_per_ip')).toBe(1);
    // No slot leaked by the refusals: one connection leaving frees exactly its names.
    b.session.closed();
    expect(pool.usage('10.0.0.1')).toEqual({ connections: 1, channels: 1, workerNames: 1 });
  });
});

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
    // Initial difficulty 4, floor 1: quiet periods halve it (4 → 2 → 1), then it stays.
    const periods: number[] = [];
    for (let i = 0; i < 5; i++) {
      h.clock.t += 10_000;
      for (const t of wheel.takeDue(h.clock.t)) t.session.vardiffDue(t.channel as never, h.clock.t);
      periods.push(wheel.size);
    }
    expect(setTargets()).toBe(2);
    expect(periods).toEqual([1, 1, 0, 0, 0]);
    const target = h.session.channels.get(ok.channelId)?.target ?? 0n;
    const g = grind(
      job,
      ok.extranoncePrefix,
      (out) => meetsTarget(out, target) && !meetsTarget(out, job.networkTarget),
    );
    h.session.onSubmit({
      type: 'SubmitSharesCkb',
      channelId: ok.channelId,
      sequenceNumber: 1,
      jobId: job.id,
      nonceSuffix: g.suffix,
    });
    expect(wheel.size).toBe(1);
    h.session.closed();
    expect(wheel.size).toBe(0);
  });
});

describe('Session.handle after setup', () => {
  it('ignores server-only and unknown messages without answering or closing', () => {
    const h = harness();
    setup(h);
    const before = h.sent.length;
    h.session.handle({ type: 'Reconnect', newHost: '', newPort: 0 });
    h.session.handle({
      type: 'Unknown',
      extensionType: 0,
      channelMsg: false,
      msgType: 0x7f,
      payload: new Uint8Array(),
    });
    expect(h.sent.length).toBe(before);
    expect(h.closedWith).toEqual([]);
    expect(h.session.state).not.toBe('closed');
  });

  it('closes a connection that sends SetupConnection twice', () => {
    const h = harness();
    setup(h);
    setup(h);
    expect(h.closedWith).toEqual(['SetupConnection sent twice']);
  });
});
