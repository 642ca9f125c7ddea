import { afterEach, describe, expect, it, vi } from 'vitest';
import { targetToU256Le } from '../../ckb/target.js';
import type { Sv2Message } from '../messages/index.js';
import { type OpenedChannel, UpstreamChannels, type UpstreamMessageSink } from './upstream-channels.js';

/** UpstreamChannels with a recording sink and wire. */
function channels(o: { shareTimeoutMs?: number; openTimeoutMs?: number } = {}) {
  const events: unknown[][] = [];
  const wire: Sv2Message[] = [];
  let timeouts = 0;
  const sink: UpstreamMessageSink = {
    job: (job) => events.push(['job', job]),
    target: (...a) => events.push(['target', ...a]),
    prefix: (...a) => events.push(['prefix', ...a]),
    closedChannel: (...a) => events.push(['closedChannel', ...a]),
    reconnect: () => events.push(['reconnect']),
  };
  const c = new UpstreamChannels(
    {
      shareTimeoutMs: o.shareTimeoutMs ?? 15_000,
      openTimeoutMs: o.openTimeoutMs ?? 10_000,
      onShareTimeout: () => {
        timeouts += 1;
      },
    },
    sink,
  );
  const send = (m: Sv2Message) => wire.push(m);
  return { c, events, wire, send, timeouts: () => timeouts };
}

const prefix = Uint8Array.of(3, 0, 0, 1);

/** Opens a standard channel `channelId` in group 1 and returns what the opener got. */
async function openStandard(t: ReturnType<typeof channels>, channelId = 2): Promise<OpenedChannel> {
  const opened = t.c.open(t.send, 'standard', 'alice.rig1', 5);
  const req = t.wire.at(-1);
  if (req?.type !== 'OpenStandardMiningChannel') throw new Error('no open sent');
  t.c.handle(7, {
    type: 'OpenStandardMiningChannelSuccess',
    requestId: req.requestId,
    channelId,
    target: targetToU256Le(1n << 200n),
    extranoncePrefix: prefix,
    groupChannelId: 1,
  });
  return opened;
}

function job(channelId: number, jobId: number): Sv2Message {
  return {
    type: 'NewCkbJob',
    channelId,
    jobId,
    cleanJobs: true,
    height: 10n,
    powHash: new Uint8Array(32),
    parentHash: new Uint8Array(32),
    compactTarget: 0x1d00ffff,
  };
}

describe('UpstreamChannels', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('sends a standard open with an all-ones max target and resolves with the channel, its target and 12 rollable bytes', async () => {
    const t = channels();
    const ch = await openStandard(t);
    expect(t.wire[0]).toMatchObject({
      type: 'OpenStandardMiningChannel',
      userIdentity: 'alice.rig1',
      nominalHashRate: 5,
      maxTarget: new Uint8Array(32).fill(0xff),
    });
    expect(ch).toEqual({
      epoch: 7,
      channelId: 2,
      groupChannelId: 1,
      extranoncePrefix: prefix,
      extranonceSize: 12,
      target: 1n << 200n,
    });
  });

  it('asks for 12 extranonce bytes on an extended open and takes the size the pool answers', async () => {
    const t = channels();
    const opened = t.c.open(t.send, 'extended', 'proxy', 0);
    const req = t.wire[0];
    if (req?.type !== 'OpenExtendedMiningChannel') throw new Error('no extended open sent');
    expect(req.minExtranonceSize).toBe(12);
    t.c.handle(1, {
      type: 'OpenExtendedMiningChannelSuccess',
      requestId: req.requestId,
      channelId: 5,
      target: targetToU256Le(1n << 250n),
      extranonceSize: 12,
      extranoncePrefix: prefix,
      groupChannelId: 1,
    });
    expect((await opened).extranonceSize).toBe(12);
  });

  it('rejects an open the pool refuses, naming its error code', async () => {
    const t = channels();
    const opened = t.c.open(t.send, 'standard', 'x', 0);
    const req = t.wire[0];
    if (req?.type !== 'OpenStandardMiningChannel') throw new Error('no open sent');
    t.c.handle(1, {
      type: 'OpenMiningChannelError',
      requestId: req.requestId,
      errorCode: 'max-target-out-of-range',
    });
    await expect(opened).rejects.toThrow('OpenMiningChannel.Error max-target-out-of-range');
  });

  it('rejects an open the pool never answers after the open timeout', async () => {
    vi.useFakeTimers();
    const t = channels({ openTimeoutMs: 500 });
    const opened = t.c.open(t.send, 'standard', 'x', 0);
    const failed = expect(opened).rejects.toThrow('did not answer the channel open in time');
    vi.advanceTimersByTime(500);
    await failed;
  });

  it('numbers shares per channel from 1 and resolves each with the pool verdict', async () => {
    const t = channels();
    await openStandard(t);
    const first = t.c.submit(t.send, 2, 9, new Uint8Array(12));
    const second = t.c.submit(t.send, 2, 9, new Uint8Array(12));
    const seqs = t.wire
      .filter((m) => m.type === 'SubmitSharesCkb')
      .map((m) => m.type === 'SubmitSharesCkb' && m.sequenceNumber);
    expect(seqs).toEqual([1, 2]);
    t.c.handle(7, {
      type: 'SubmitSharesSuccess',
      channelId: 2,
      lastSequenceNumber: 1,
      newSubmitsAcceptedCount: 1,
      newSharesSum: 4n,
    });
    t.c.handle(7, { type: 'SubmitSharesError', channelId: 2, sequenceNumber: 2, errorCode: 'stale-share' });
    expect(await first).toEqual({ ok: true });
    expect(await second).toEqual({ ok: false, code: 'stale-share' });
  });

  it('answers a share the pool never judges with timeout and tells the client', async () => {
    vi.useFakeTimers();
    const t = channels({ shareTimeoutMs: 1_000 });
    await openStandard(t);
    const share = t.c.submit(t.send, 2, 9, new Uint8Array(12));
    vi.advanceTimersByTime(1_000);
    expect(await share).toEqual({ ok: false, code: 'timeout' });
    expect(t.timeouts()).toBe(1);
  });

  it('answers a share on a channel it never opened with upstream-lost and sends nothing', async () => {
    const t = channels();
    expect(await t.c.submit(t.send, 42, 1, new Uint8Array(12))).toEqual({ ok: false, code: 'upstream-lost' });
    expect(t.wire).toEqual([]);
  });

  it('appends the TLV tail only when it is given one', async () => {
    const t = channels();
    await openStandard(t);
    void t.c.submit(t.send, 2, 1, new Uint8Array(12), Uint8Array.of(0, 2, 1, 0, 1, 0x61));
    void t.c.submit(t.send, 2, 1, new Uint8Array(12));
    const shares = t.wire.filter((m) => m.type === 'SubmitSharesCkb');
    expect(shares.map((m) => 'tlv' in m)).toEqual([true, false]);
  });

  it('closes a channel: its shares fail as channel-closed, the pool is told, and later shares are refused', async () => {
    const t = channels();
    await openStandard(t);
    const pending = t.c.submit(t.send, 2, 1, new Uint8Array(12));
    t.c.close(t.send, 2);
    expect(t.wire.at(-1)).toEqual({ type: 'CloseChannel', channelId: 2, reasonCode: 'downstream-closed' });
    expect(await pending).toEqual({ ok: false, code: 'channel-closed' });
    expect(await t.c.submit(t.send, 2, 1, new Uint8Array(12))).toEqual({ ok: false, code: 'upstream-lost' });
  });

  it('passes jobs, targets, prefixes, channel closes and Reconnect to its sink', async () => {
    const t = channels();
    await openStandard(t);
    const pending = t.c.submit(t.send, 2, 1, new Uint8Array(12));
    t.c.handle(7, job(1, 4));
    t.c.handle(7, { type: 'SetTarget', channelId: 2, maximumTarget: targetToU256Le(1n << 100n) });
    t.c.handle(7, { type: 'SetExtranoncePrefix', channelId: 2, extranoncePrefix: prefix });
    t.c.handle(7, { type: 'CloseChannel', channelId: 2, reasonCode: 'maintenance' });
    t.c.handle(7, { type: 'Reconnect', newHost: '', newPort: 0 });
    expect(t.events.map((e) => e[0])).toEqual(['job', 'target', 'prefix', 'closedChannel', 'reconnect']);
    expect(t.events[1]).toEqual(['target', 7, 2, 1n << 100n]);
    expect(t.events[3]).toEqual(['closedChannel', 7, 2, 'maintenance']);
    // A channel the pool closed fails its shares in flight.
    expect(await pending).toEqual({ ok: false, code: 'channel-closed' });
  });

  it('remembers the newest job of a channel or its group, whichever is newer', async () => {
    const t = channels();
    await openStandard(t);
    expect(t.c.latestJob(2, 1)).toBeNull();
    t.c.handle(7, job(1, 4));
    expect(t.c.latestJob(2, 1)?.jobId).toBe(4);
    t.c.handle(7, job(2, 5));
    expect(t.c.latestJob(2, 1)?.jobId).toBe(5);
    t.c.handle(7, job(1, 6));
    expect(t.c.latestJob(2, 1)).toMatchObject({ jobId: 6, channelId: 1, epoch: 7, clean: true });
  });

  it('on reset fails opens with the reason and shares with upstream-lost, and forgets channels and jobs', async () => {
    const t = channels();
    await openStandard(t);
    t.c.handle(7, job(1, 4));
    const share = t.c.submit(t.send, 2, 4, new Uint8Array(12));
    const open = t.c.open(t.send, 'standard', 'y', 0);
    t.c.reset(new Error('upstream lost: eof'));
    await expect(open).rejects.toThrow('upstream lost: eof');
    expect(await share).toEqual({ ok: false, code: 'upstream-lost' });
    expect(t.c.latestJob(2, 1)).toBeNull();
    expect(await t.c.submit(t.send, 2, 4, new Uint8Array(12))).toEqual({ ok: false, code: 'upstream-lost' });
  });

  it('hands over shares in flight on a failback: they still take the old pool verdict, new shares start fresh', async () => {
    const t = channels();
    await openStandard(t);
    const share = t.c.submit(t.send, 2, 4, new Uint8Array(12));
    const old = t.c.handOver(new Error('upstream switched (failback)'));
    expect(old.size).toBe(1);
    // The old connection answers through the handed-over shares, not the new ones.
    t.c.handle(8, { type: 'SubmitSharesError', channelId: 2, sequenceNumber: 1, errorCode: 'x' });
    expect(old.size).toBe(1);
    old.answer({ type: 'SubmitSharesError', channelId: 2, sequenceNumber: 1, errorCode: 'stale-share' });
    expect(await share).toEqual({ ok: false, code: 'stale-share' });
  });
});

describe('custom jobs of a JD client', () => {
  const fields = {
    miningJobToken: Uint8Array.of(0xd0, 1),
    powHash: new Uint8Array(32).fill(7),
    parentHash: new Uint8Array(32).fill(8),
    number: 15n,
    compactTarget: 0x207fffff,
  };

  it('sends SetCustomCkbMiningJob and resolves with the job id the pool gives', async () => {
    const t = channels();
    await openStandard(t, 4);
    const answer = t.c.setCustomJob(t.send, 4, fields);
    const sent = t.wire.at(-1);
    expect(sent).toMatchObject({ type: 'SetCustomCkbMiningJob', channelId: 4, number: 15n });
    if (sent?.type !== 'SetCustomCkbMiningJob') return;
    t.c.handle(7, { type: 'SetCustomMiningJobSuccess', channelId: 4, requestId: sent.requestId, jobId: 33 });
    await expect(answer).resolves.toEqual({ ok: true, jobId: 33 });
  });

  it('resolves with the pool’s error code, and with upstream-lost when the connection ends', async () => {
    const t = channels();
    await openStandard(t, 4);
    const refused = t.c.setCustomJob(t.send, 4, fields);
    const sent = t.wire.at(-1);
    if (sent?.type !== 'SetCustomCkbMiningJob') throw new Error('not sent');
    t.c.handle(7, {
      type: 'SetCustomMiningJobError',
      channelId: 4,
      requestId: sent.requestId,
      errorCode: 'stale-parent',
    });
    await expect(refused).resolves.toEqual({ ok: false, code: 'stale-parent' });
    const lost = t.c.setCustomJob(t.send, 4, fields);
    t.c.reset(new Error('gone'));
    await expect(lost).resolves.toEqual({ ok: false, code: 'upstream-lost' });
    await expect(t.c.setCustomJob(t.send, 99, fields)).resolves.toEqual({ ok: false, code: 'upstream-lost' });
  });
});
