import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  EXT_CKB,
  EXT_WORKER,
  type Harness,
  harness,
  last,
  negotiate,
  openStandard,
  setup,
} from '../../../test/support/session-harness.js';
import { MAX_U256, targetToCompact, targetToU256Le, u256LeToTarget } from '../../ckb/target.js';
import type { SetCustomMiningJob } from '../../sv2/messages/index.js';
import { REQUIRED_EXTENSION_RETRY_MS } from './extensions.js';

/**
 * The pool's behaviour against the words of the specification (stratum-mining/sv2-spec:
 * 03-Protocol-Overview.md, 05-Mining-Protocol.md, extensions/0x0001-extensions-negotiation.md)
 * and the error codes of SRI (stratum-mining/stratum sv2/subprotocols/mining/src/lib.rs).
 * Each test quotes the sentence it checks; docs/protocol.md "Conformance" lists them.
 */

function openExtended(h: Harness, requestId = 21, maxTarget = MAX_U256) {
  h.session.handle({
    type: 'OpenExtendedMiningChannel',
    requestId,
    userIdentity: 'alice.proxy',
    nominalHashRate: 0,
    maxTarget: targetToU256Le(maxTarget),
    minExtranonceSize: 12,
  });
  return last(h);
}

function ready(flags = 0): Harness {
  const h = harness();
  setup(h, flags);
  negotiate(h);
  h.newJob(true);
  return h;
}

describe('extension 0x0001: a required extension left out', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  // 0x0001 §4.6: "If the client does not retry with the required extension, the server MUST
  // disconnect the client."
  it('disconnects a client that does not ask again for 0x4CCB after RequestExtensions.Error', () => {
    const h = harness();
    setup(h);
    h.session.handle({ type: 'RequestExtensions', requestId: 1, requestedExtensions: [EXT_WORKER] });
    expect(last(h)).toEqual({
      type: 'RequestExtensionsError',
      requestId: 1,
      unsupportedExtensions: [],
      requiredExtensions: [EXT_CKB],
    });
    vi.advanceTimersByTime(REQUIRED_EXTENSION_RETRY_MS - 1);
    expect(h.closedWith).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(h.closedWith).toEqual(['required extension 0x4CCB not negotiated']);
  });

  // 0x0001 §4.6: "The client now knows that the server requires extension 0x0005 and MAY choose
  // to retry with a modified request."
  it('keeps a client that retries with 0x4CCB in time', () => {
    const h = harness();
    setup(h);
    h.session.handle({ type: 'RequestExtensions', requestId: 1, requestedExtensions: [0x0003] });
    vi.advanceTimersByTime(REQUIRED_EXTENSION_RETRY_MS / 2);
    h.session.handle({ type: 'RequestExtensions', requestId: 2, requestedExtensions: [EXT_CKB] });
    expect(last(h)).toMatchObject({ type: 'RequestExtensionsSuccess', supportedExtensions: [EXT_CKB] });
    vi.advanceTimersByTime(REQUIRED_EXTENSION_RETRY_MS * 2);
    expect(h.closedWith).toEqual([]);
  });

  // 0x0001 §4.2: "The response to RequestExtensions MUST be received before proceeding with any
  // further protocol-specific messages." Going on without the required extension is not
  // retrying: the open hears why, then the connection ends.
  it('answers a channel open without 0x4CCB with ckb-extension-required and disconnects', () => {
    const h = harness();
    setup(h);
    h.session.handle({ type: 'RequestExtensions', requestId: 1, requestedExtensions: [0x0003] });
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
    expect(h.closedWith).toHaveLength(1);
  });

  // 0x0001 §1.1: "After the successful SetupConnection exchange, clients MUST send a
  // RequestExtensions message"; a client that skips it never negotiated what the pool requires.
  it('disconnects a client that submits shares without ever negotiating 0x4CCB', () => {
    const h = harness();
    setup(h);
    h.session.handle({
      type: 'SubmitSharesCkb',
      channelId: 1,
      sequenceNumber: 0,
      jobId: 1,
      nonceSuffix: new Uint8Array(12),
    });
    expect(h.closedWith).toHaveLength(1);
    expect(h.sent.filter((m) => m.type === 'SubmitSharesError')).toEqual([]);
  });

  it('does not disconnect when a later request fails after 0x4CCB was negotiated', () => {
    const h = harness();
    setup(h);
    negotiate(h);
    h.session.handle({ type: 'RequestExtensions', requestId: 2, requestedExtensions: [0x0042] });
    expect(last(h)).toMatchObject({ type: 'RequestExtensionsError' });
    vi.advanceTimersByTime(REQUIRED_EXTENSION_RETRY_MS * 2);
    expect(h.closedWith).toEqual([]);
  });
});

describe('SubmitShares.Error for Bitcoin-shaped shares (SRI error codes)', () => {
  const standardShare = (channelId: number, sequenceNumber: number) =>
    ({
      type: 'SubmitSharesStandard',
      channelId,
      sequenceNumber,
      jobId: 1,
      nonce: 0,
      ntime: 0,
      version: 0,
    }) as const;
  const extendedShare = (channelId: number, sequenceNumber: number) =>
    ({
      ...standardShare(channelId, sequenceNumber),
      type: 'SubmitSharesExtended',
      extranonce: new Uint8Array(12),
    }) as const;

  // 5.3.14: "An error is immediately submitted for every incorrect submit attempt."
  it('answers a standard share on an unknown channel with invalid-channel-id', () => {
    const h = ready();
    h.session.handle(standardShare(77, 3));
    expect(last(h)).toEqual({
      type: 'SubmitSharesError',
      channelId: 77,
      sequenceNumber: 3,
      errorCode: 'invalid-channel-id',
    });
  });

  // 5.3.11: job_id is the "Identifier of the job as provided by NewMiningJob or
  // NewExtendedMiningJob message"; this pool sends neither, so no job_id names one.
  it('answers a standard share on a standard channel with invalid-job-id', () => {
    const h = ready();
    const ch = openStandard(h);
    h.session.handle(standardShare(ch.channelId, 4));
    expect(last(h)).toEqual({
      type: 'SubmitSharesError',
      channelId: ch.channelId,
      sequenceNumber: 4,
      errorCode: 'invalid-job-id',
    });
  });

  // 5.3.12 SubmitSharesExtended: "Only relevant for extended channels." SRI looks it up among
  // extended channels only: anything else is invalid-channel-id.
  it('answers an extended share on a standard channel with invalid-channel-id, on an extended one with invalid-job-id', () => {
    const h = ready();
    const std = openStandard(h);
    h.session.handle(extendedShare(std.channelId, 5));
    expect(last(h)).toMatchObject({
      type: 'SubmitSharesError',
      sequenceNumber: 5,
      errorCode: 'invalid-channel-id',
    });
    const ext = openExtended(h);
    if (ext.type !== 'NewCkbJob') throw new Error(`expected the new channel's job, got ${ext.type}`);
    h.session.handle(extendedShare(ext.channelId, 6));
    expect(last(h)).toEqual({
      type: 'SubmitSharesError',
      channelId: ext.channelId,
      sequenceNumber: 6,
      errorCode: 'invalid-job-id',
    });
    h.session.handle(standardShare(ext.channelId, 7));
    expect(last(h)).toMatchObject({ sequenceNumber: 7, errorCode: 'invalid-channel-id' });
  });
});

describe('SetCustomMiningJob.Error', () => {
  const customJob = (channelId: number, requestId: number): SetCustomMiningJob => ({
    type: 'SetCustomMiningJob',
    channelId,
    requestId,
    miningJobToken: new Uint8Array(4),
    version: 0,
    prevHash: new Uint8Array(32),
    minNtime: 0,
    nbits: 0,
    coinbaseTxVersion: 2,
    coinbasePrefix: new Uint8Array(0),
    coinbaseTxInputNSequence: 0,
    coinbaseTxOutputs: new Uint8Array(0),
    coinbaseTxLocktime: 0,
    merklePath: [],
  });

  // 5.3.18: "Can be sent only on extended or group channel." 5.3.20: request_id "Value from the
  // request MUST be provided by upstream in the response message."
  it('answers a standard or unknown channel with invalid-channel-id, echoing request_id', () => {
    const h = ready();
    const std = openStandard(h);
    h.session.handle(customJob(std.channelId, 41));
    expect(last(h)).toEqual({
      type: 'SetCustomMiningJobError',
      channelId: std.channelId,
      requestId: 41,
      errorCode: 'invalid-channel-id',
    });
    h.session.handle(customJob(999, 42));
    expect(last(h)).toMatchObject({ requestId: 42, errorCode: 'invalid-channel-id' });
  });

  // 5.3.18: "SetupConnection.flags MUST contain REQUIRES_WORK_SELECTION flag", which this pool
  // refuses at setup: custom work is not supported (SRI: jd-not-supported).
  it('answers an extended or group channel with jd-not-supported', () => {
    const h = ready();
    const ext = openExtended(h);
    if (ext.type !== 'NewCkbJob') throw new Error(`expected the new channel's job, got ${ext.type}`);
    h.session.handle(customJob(ext.channelId, 43));
    expect(last(h)).toEqual({
      type: 'SetCustomMiningJobError',
      channelId: ext.channelId,
      requestId: 43,
      errorCode: 'jd-not-supported',
    });
    h.session.handle(customJob(h.session.groupChannelId, 44));
    expect(last(h)).toMatchObject({ requestId: 44, errorCode: 'jd-not-supported' });
  });

  // The CKB form of the request (docs/job-declaration-ckb.md) is answered the same way while no
  // JDS serves this pool: never left without an answer.
  it('answers the CKB SetCustomCkbMiningJob the same way', () => {
    const h = ready();
    const ext = openExtended(h);
    if (ext.type !== 'NewCkbJob') throw new Error(`expected the new channel's job, got ${ext.type}`);
    h.session.handle({
      type: 'SetCustomCkbMiningJob',
      channelId: ext.channelId,
      requestId: 45,
      miningJobToken: new Uint8Array(4),
      powHash: new Uint8Array(32),
      parentHash: new Uint8Array(32),
      number: 1n,
      compactTarget: 0x20010000,
    });
    expect(last(h)).toEqual({
      type: 'SetCustomMiningJobError',
      channelId: ext.channelId,
      requestId: 45,
      errorCode: 'jd-not-supported',
    });
  });
});

describe('REQUIRES_STANDARD_JOBS', () => {
  // 5.3.1: REQUIRES_STANDARD_JOBS "The downstream node requires standard jobs, and is unable to
  // process extended jobs." SRI: extended-channels-not-supported-for-standard-jobs.
  it('refuses extended channels with extended-channels-not-supported-for-standard-jobs', () => {
    const h = ready(1);
    expect(openExtended(h, 22)).toEqual({
      type: 'OpenMiningChannelError',
      requestId: 22,
      errorCode: 'extended-channels-not-supported-for-standard-jobs',
    });
  });

  // 5.3.22 SetGroupChannel: "This message can be sent only to connections that don't have
  // REQUIRES_STANDARD_JOBS flag in SetupConnection." So no group channel is promised: Success
  // has flags 0 and every channel opens with group_channel_id 0 (as SRI's pool answers) and
  // gets its jobs addressed to itself.
  it('promises no group channel: flags 0, group_channel_id 0, jobs per channel', () => {
    const h = harness();
    setup(h, 1);
    expect(last(h)).toEqual({ type: 'SetupConnectionSuccess', usedVersion: 2, flags: 0 });
    negotiate(h);
    h.newJob(true);
    const a = openStandard(h);
    h.sent.length = 0;
    const b = openStandard(h);
    expect(a.groupChannelId).toBe(0);
    expect(b.groupChannelId).toBe(0);
    h.sent.length = 0;
    h.newJob(true);
    expect(h.sent.map((m) => (m.type === 'NewCkbJob' ? m.channelId : m.type)).sort()).toEqual(
      [a.channelId, b.channelId].sort(),
    );
    expect(h.sent.some((m) => m.type === 'SetGroupChannel')).toBe(false);
  });

  it('does not read CloseChannel 0 as closing a group on a standard-jobs connection', () => {
    const h = ready(1);
    const a = openStandard(h);
    h.session.handle({ type: 'CloseChannel', channelId: 0, reasonCode: 'x' });
    expect(h.session.channels.has(a.channelId)).toBe(true);
  });
});

describe("the client's max_target", () => {
  // 5.3.2 max_target: "Maximum target which can be accepted by the connected device or devices.
  // Server MUST accept the target or respond by sending OpenMiningChannel.Error message."
  it('never sends a target above max_target, not even when the network becomes easier', () => {
    const h = ready();
    const maxTarget = MAX_U256 >> 10n;
    const ch = openStandard(h, maxTarget);
    expect(u256LeToTarget(ch.target)).toBeLessThanOrEqual(maxTarget);
    h.sent.length = 0;
    // Network difficulty 16, far easier than the 1024 the client's max_target allows.
    h.newJob(true, targetToCompact(MAX_U256 >> 4n));
    h.newJob(false, targetToCompact(MAX_U256 >> 2n));
    for (const m of h.sent) {
      if (m.type === 'SetTarget') expect(u256LeToTarget(m.maximumTarget)).toBeLessThanOrEqual(maxTarget);
    }
    expect(h.session.channels.get(ch.channelId)?.target).toBeLessThanOrEqual(maxTarget);
  });

  it('keeps vardiff steps down under max_target on an easy network', () => {
    const h = ready();
    const maxTarget = MAX_U256 >> 10n;
    const ch = openStandard(h, maxTarget);
    const channel = h.session.channels.get(ch.channelId);
    if (!channel) throw new Error('no channel');
    // The network becomes easier than max_target allows (difficulty 16 < 1024).
    h.newJob(true, targetToCompact(MAX_U256 >> 4n));
    // A quiet channel: every vardiff window without shares lowers the difficulty.
    for (let i = 0; i < 6; i++) {
      h.clock.t += 60_000;
      h.session.vardiffDue(channel, h.clock.t);
    }
    for (const m of h.sent) {
      if (m.type === 'SetTarget') expect(u256LeToTarget(m.maximumTarget)).toBeLessThanOrEqual(maxTarget);
    }
    expect(channel.target).toBeLessThanOrEqual(maxTarget);
  });

  // The same sentence, the other branch: a max_target harder than a block cannot be honoured
  // without missing blocks, so the open is refused (SRI: max-target-out-of-range).
  it('refuses a max_target harder than the network with max-target-out-of-range', () => {
    const h = ready();
    h.session.handle({
      type: 'OpenStandardMiningChannel',
      requestId: 31,
      userIdentity: 'a',
      nominalHashRate: 0,
      maxTarget: targetToU256Le(MAX_U256 >> 40n),
    });
    expect(last(h)).toEqual({
      type: 'OpenMiningChannelError',
      requestId: 31,
      errorCode: 'max-target-out-of-range',
    });
  });
});
