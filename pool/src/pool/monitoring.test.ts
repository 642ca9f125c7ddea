import { describe, expect, it } from 'vitest';
import { SRI_SCHEMAS, shapeProblems } from '../../test/vectors/sri-monitoring-schema.js';
import { targetToBeWords } from '../ckb/target.js';
import { ShareBatcher } from './batching.js';
import type { Channel } from './channel.js';
import { channelTally, noteRequestedMaxTarget, noteShare } from './channel-tally.js';
import { buildPoolMonitoring, channelInfo, clientKind } from './monitoring.js';

const VARDIFF = {
  targetShareIntervalSeconds: 10,
  minDifficulty: 1,
  maxDifficulty: 1e30,
  initialDifficulty: 1024,
  retargetPeriodSeconds: 60,
  tolerancePercent: 10,
};

function channel(kind: Channel['kind'], id = 2): Channel {
  return {
    id,
    kind,
    worker: 'alice.rig1',
    extranoncePrefix: Uint8Array.of(0x20, 0, 0, 1),
    difficulty: 2 ** 20,
    target: 1n << 236n,
    batcher: new ShareBatcher(10, 1_000),
    openedAtMs: 0,
    acceptedShares: 0,
    acceptedDifficulty: 0,
  } as Channel;
}

/** Eaglesong output words (little-endian words, as the judge leaves them) of a big-endian hash. */
function powWordsOf(hashBe: bigint): Uint32Array {
  const be = targetToBeWords(hashBe);
  return be.map((w) => ((w << 24) | ((w & 0xff00) << 8) | ((w >>> 8) & 0xff00) | (w >>> 24)) >>> 0);
}

describe('a pool channel as SRI monitoring shows it', () => {
  it('counts rejects by reason, the last sequence number, blocks and the best accepted share', () => {
    const ch = channel('standard');
    noteShare(ch, 1, 'accepted', powWordsOf(1n << 230n));
    noteShare(ch, 2, 'stale-share', powWordsOf(1n));
    noteShare(ch, 3, 'block', powWordsOf(1n << 200n));
    noteShare(ch, 4, 'difficulty-too-low', powWordsOf(1n));
    noteShare(ch, 5, 'accepted', powWordsOf(1n << 240n));
    noteShare(ch, 6, 'difficulty-too-low', powWordsOf(1n));
    const t = channelTally(ch);
    expect(t).toMatchObject({
      rejected: 3,
      rejectedByReason: { 'stale-share': 1, 'difficulty-too-low': 2 },
      lastSequenceNumber: 6,
      blocksFound: 1,
      bestDifficulty: 2 ** 56,
    });
  });

  it('fills every SRI field of a standard and an extended channel from the channel', () => {
    const std = channel('standard');
    noteRequestedMaxTarget(std, 1n << 250n);
    std.acceptedShares = 12;
    std.acceptedDifficulty = 12 * 2 ** 20;
    std.batcher.add(11, 2 ** 20, 0);
    std.batcher.take();
    const info = channelInfo(std, VARDIFF, 61_000);
    expect(shapeProblems(info, 'StandardChannelInfo')).toEqual([]);
    expect(info).toMatchObject({
      channel_id: 2,
      user_identity: 'alice.rig1',
      nominal_hashrate: Math.fround(2 ** 20 / 10),
      stable_hashrate: true,
      target_hex: `00001${'0'.repeat(59)}`,
      requested_max_target_hex: `04${'0'.repeat(62)}`,
      extranonce_prefix_hex: '20000001',
      expected_shares_per_minute: 6,
      shares_accepted: 12,
      last_batch_accepted: 1,
      last_batch_work_sum: 2 ** 20,
      share_batch_size: 10,
    });
    const ext = channelInfo(channel('extended'), VARDIFF, 1_000);
    expect(shapeProblems(ext, 'ExtendedChannelInfo')).toEqual([]);
    expect(ext).toMatchObject({
      full_extranonce_size: 16,
      rollable_extranonce_size: 12,
      stable_hashrate: false,
    });
    expect(Object.keys(SRI_SCHEMAS.ExtendedChannelInfo as object).sort()).toEqual(Object.keys(ext).sort());
  });

  it('lists only set-up connections, each with its channels split by kind and a client kind from its vendor', () => {
    const ready = {
      id: 4,
      state: 'ready' as const,
      vendor: 'ckb-pool-translate',
      channels: new Map([[2, channel('extended')]]),
    };
    const setup = { id: 5, state: 'setup' as const, vendor: '', channels: new Map<number, Channel>() };
    const clients = buildPoolMonitoring([ready, setup], VARDIFF).sv2Clients() ?? [];
    expect(
      clients.map((c) => [
        c.client_id,
        c.client_kind,
        c.extended_channels.length,
        c.standard_channels.length,
      ]),
    ).toEqual([[4, 'translator_proxy', 1, 0]]);
    expect(clientKind('')).toBe('unknown');
    expect(clientKind('Bitmain')).toBe('miner');
  });
});
