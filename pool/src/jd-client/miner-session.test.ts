import { describe, expect, it } from 'vitest';
import { u256LeToTarget } from '../ckb/target.js';
import type { Sv2Message } from '../sv2/messages/index.js';
import { type DownstreamJob, type MinerHub, MinerSession, type ShareAnswer } from './miner-session.js';

const job: DownstreamJob = {
  jobId: 4,
  clean: true,
  height: 15n,
  powHash: new Uint8Array(32).fill(1),
  parentHash: new Uint8Array(32).fill(2),
  compactTarget: 0x207fffff,
};

function harness(answer: ShareAnswer = { ok: true, difficulty: 16n }) {
  const sent: Sv2Message[] = [];
  const closed: string[] = [];
  const shares: Array<[number, number, Uint8Array]> = [];
  const hub: MinerHub = {
    openChannel: () => ({
      channelId: 7,
      extranoncePrefix: Uint8Array.of(0, 0, 0, 9, 0, 0, 0, 1),
      extranonceSize: 8,
      target: 1n << 250n,
    }),
    closeChannel: (id) => closed.push(`channel ${id}`),
    currentJob: () => job,
    share: async (channelId, jobId, suffix) => {
      shares.push([channelId, jobId, suffix]);
      return answer;
    },
  };
  const session = new MinerSession(
    {
      send: (m) => {
        sent.push(m);
        return true;
      },
      close: (_r, why) => {
        closed.push(why ?? '');
      },
    },
    hub,
  );
  return { session, sent, closed, shares };
}

const setup = {
  type: 'SetupConnection',
  protocol: 0,
  minVersion: 2,
  maxVersion: 2,
  flags: 0,
  endpointHost: 'jdc',
  endpointPort: 3340,
  vendor: 'test',
  hardwareVersion: '',
  firmware: '',
  deviceId: '',
} as const;

describe('a miner on the JD client', () => {
  it('opens a channel with the JD client’s prefix and target and gets the current job at once', () => {
    const h = harness();
    h.session.handle(setup);
    h.session.handle({
      type: 'OpenStandardMiningChannel',
      requestId: 1,
      userIdentity: 'rig',
      nominalHashRate: 1,
      maxTarget: new Uint8Array(32),
    });
    expect(h.sent.map((m) => m.type)).toEqual([
      'SetupConnectionSuccess',
      'OpenStandardMiningChannelSuccess',
      'NewCkbJob',
    ]);
    const opened = h.sent[1];
    if (opened.type !== 'OpenStandardMiningChannelSuccess') return;
    expect(opened.channelId).toBe(7);
    expect(u256LeToTarget(opened.target)).toBe(1n << 250n);
    expect(h.sent[2]).toMatchObject({ type: 'NewCkbJob', channelId: 7, jobId: 4, height: 15n });
  });

  it('relays a share to the hub and answers with the hub’s verdict', async () => {
    const ok = harness();
    ok.session.handle(setup);
    ok.session.handle({
      type: 'OpenExtendedMiningChannel',
      requestId: 1,
      userIdentity: 'rig',
      nominalHashRate: 1,
      maxTarget: new Uint8Array(32),
      minExtranonceSize: 8,
    });
    ok.session.handle({
      type: 'SubmitSharesCkb',
      channelId: 7,
      sequenceNumber: 3,
      jobId: 4,
      nonceSuffix: new Uint8Array(8),
    });
    await new Promise((r) => setImmediate(r));
    expect(ok.shares).toHaveLength(1);
    expect(ok.sent.at(-1)).toMatchObject({
      type: 'SubmitSharesSuccess',
      channelId: 7,
      lastSequenceNumber: 3,
      newSharesSum: 16n,
    });

    const bad = harness({ ok: false, code: 'difficulty-too-low' });
    bad.session.handle(setup);
    bad.session.handle({
      type: 'OpenExtendedMiningChannel',
      requestId: 1,
      userIdentity: 'rig',
      nominalHashRate: 1,
      maxTarget: new Uint8Array(32),
      minExtranonceSize: 8,
    });
    bad.session.handle({
      type: 'SubmitSharesCkb',
      channelId: 7,
      sequenceNumber: 1,
      jobId: 4,
      nonceSuffix: new Uint8Array(8),
    });
    bad.session.handle({
      type: 'SubmitSharesCkb',
      channelId: 9,
      sequenceNumber: 2,
      jobId: 4,
      nonceSuffix: new Uint8Array(8),
    });
    await new Promise((r) => setImmediate(r));
    expect(
      bad.sent
        .filter((m) => m.type === 'SubmitSharesError')
        .map((m) => (m as { errorCode: string }).errorCode)
        .sort(),
    ).toEqual(['difficulty-too-low', 'invalid-channel-id']);
  });

  it('refuses anything before SetupConnection and a protocol other than mining', () => {
    const early = harness();
    early.session.handle({ type: 'RequestExtensions', requestId: 1, requestedExtensions: [0x4ccb] });
    expect(early.closed).toEqual(['RequestExtensions before SetupConnection']);
    const jd = harness();
    jd.session.handle({ ...setup, protocol: 1 });
    expect(jd.sent).toMatchObject([{ type: 'SetupConnectionError', errorCode: 'unsupported-protocol' }]);
  });

  it('closes its channels at the hub when the connection ends', () => {
    const h = harness();
    h.session.handle(setup);
    h.session.handle({
      type: 'OpenStandardMiningChannel',
      requestId: 1,
      userIdentity: 'rig',
      nominalHashRate: 1,
      maxTarget: new Uint8Array(32),
    });
    h.session.closed();
    expect(h.closed).toEqual(['channel 7']);
  });
});
