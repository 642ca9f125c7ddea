import { describe, expect, it } from 'vitest';
import { shapeProblems } from '../../test/vectors/sri-monitoring-schema.js';
import { targetToCompact } from '../ckb/target.js';
import { bindingOf } from './channel-registry.js';
import { buildTranslatorMonitoring, ShareTally, serverChannelInfo, sv1ClientInfo } from './monitoring.js';
import type { ChannelState } from './types.js';
import type { V1Session } from './v1-session.js';

const NET = 1n << 230n;

function channelState(): ChannelState {
  return {
    epoch: 1,
    channelId: 7,
    groupChannelId: 1,
    prefix: Uint8Array.of(0, 0, 0, 7),
    extranonceSize: 12,
    name: 'alice.rig1',
    target: 1n << 240n,
    sessions: new Set(),
    declaredHashRate: 0,
    declaredAtMs: 0,
    hashRateSum: 0,
    lastJob: null,
  };
}

function session(id: number, user: string | null, connectedAtMs: number): V1Session {
  return {
    id,
    user,
    target: null,
    extranonce1: Uint8Array.of(0, 0, 0, 7),
    extranonce2Size: 12,
    connectedAtMs,
    binding: null,
    socket: { remoteAddress: '192.0.2.5' },
  } as unknown as V1Session;
}

/** A 32-byte big-endian hash with value 2^bits. */
function hash(bits: number): Uint8Array {
  const h = new Uint8Array(32);
  h[31 - Math.floor(bits / 8)] = 1 << (bits % 8);
  return h;
}

describe("the translator's share tally", () => {
  it('counts what the pool says about forwarded shares, per channel and per miner', () => {
    const tally = new ShareTally();
    const ch = channelState();
    const s = session(3, 'alice.rig1', Date.now() - 10_000);
    const job = { compactTarget: targetToCompact(NET) };
    const targets = { miner: 1n << 240n, channel: 1n << 240n };
    tally.verdict(s, ch, job, hash(235), targets, { ok: true });
    tally.verdict(s, ch, job, hash(220), targets, { ok: true }); // also meets the network target
    tally.verdict(s, ch, job, hash(238), targets, { ok: false, code: 'stale-share' });
    expect(tally.channel(ch)).toMatchObject({
      submitted: 3,
      acknowledged: 2,
      rejected: 1,
      rejectedByReason: { 'stale-share': 1 },
      acknowledgedWork: 2 * 2 ** 16,
      validatedWork: 3 * 2 ** 16,
      bestDifficulty: 2 ** 36,
      blocksFound: 1,
    });
    expect(tally.miner(s)).toEqual({ accepted: 2, acceptedWork: 2 * 2 ** 16 });
  });

  it('shows a V1 miner with SRI’s fields: worker part of the name, null hashrate before a share', () => {
    const tally = new ShareTally();
    const ch = channelState();
    const s = session(3, 'alice.rig1', Date.now() - 100_000);
    bindingOf(s).channel = ch;
    ch.sessions.add(s);
    const before = sv1ClientInfo(s, tally, Date.now());
    expect(shapeProblems(before, 'Sv1ClientInfo')).toEqual([]);
    expect(before).toMatchObject({
      client_id: 3,
      channel_id: 7,
      connection_ip: '192.0.2.5',
      sv1_username: 'alice.rig1',
      sv1_worker_name: 'rig1',
      hashrate: null,
      extranonce1_hex: '00000007',
      extranonce2_len: 12,
      target_hex: `0001${'0'.repeat(60)}`,
    });
    tally.verdict(s, ch, {}, hash(235), { miner: 1n << 240n, channel: 1n << 240n }, { ok: true });
    const after = sv1ClientInfo(s, tally, s.connectedAtMs + 100_000);
    expect(after.hashrate).toBe(Math.fround(2 ** 16 / 100));
    const server = serverChannelInfo(ch, tally, s.connectedAtMs + 100_000);
    expect(shapeProblems(server, 'ServerExtendedChannelInfo')).toEqual([]);
    expect(server).toMatchObject({
      nominal_hashrate: after.hashrate,
      full_extranonce_size: 16,
      version_rolling: false,
    });
    const unbound = sv1ClientInfo(session(4, null, Date.now()), tally, Date.now());
    expect(unbound).toMatchObject({ channel_id: null, sv1_username: '', target_hex: '' });
    expect(shapeProblems(unbound, 'Sv1ClientInfo')).toEqual([]);
  });

  it('is a tProxy to SRI: a server with extended channels, V1 clients, no SV2 clients', () => {
    const ch = channelState();
    const src = buildTranslatorMonitoring({ channels: () => [ch], sessions: [], tally: new ShareTally() });
    expect(src.sv2Clients()).toBeNull();
    expect(src.sv1Clients()).toEqual([]);
    expect(src.server()?.extended_channels.map((c) => c.channel_id)).toEqual([7]);
    expect(src.server()?.standard_channels).toEqual([]);
  });
});
