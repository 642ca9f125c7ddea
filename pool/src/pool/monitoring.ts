import {
  type ClientChannelInfo,
  type MonitoringSource,
  type Sv2ClientInfo,
  type Sv2ClientKind,
  targetHex,
} from '../api/sri-monitoring.js';
import { bytesToHex } from '../ckb/hex.js';
import { CKB_NONCE_SIZE } from '../sv2/messages/index.js';
import type { Channel } from './channel.js';
import { channelTally } from './channel-tally.js';
import type { PoolConfig } from './config.js';
import type { Session } from './session.js';

/**
 * The pool as SRI's monitoring API shows a pool: its SV2 downstream connections ("clients")
 * with their channels; no upstream ("server") and no V1 clients.
 */

/** Our translator's SetupConnection vendor (sv2/client), and SRI's tProxy's. */
const TRANSLATOR_VENDORS = new Set(['ckb-pool-translate', 'SRI']);

export function clientKind(vendor: string): Sv2ClientKind {
  if (TRANSLATOR_VENDORS.has(vendor)) return 'translator_proxy';
  return vendor === '' ? 'unknown' : 'miner';
}

/**
 * A channel counts as having a stable hashrate once vardiff has watched it for a whole retarget
 * period and it has sent this many accepted shares: before that, its difficulty (and so the
 * hashrate derived from it) is still the opening guess.
 */
export const STABLE_AFTER_SHARES = 10;

export function channelInfo(ch: Channel, vardiff: PoolConfig['vardiff'], nowMs: number): ClientChannelInfo {
  const t = channelTally(ch);
  const last = ch.batcher.lastBatch;
  const info: ClientChannelInfo = {
    channel_id: ch.id,
    user_identity: ch.worker,
    // What vardiff has tuned the channel to: difficulty (hashes per share) per target interval.
    nominal_hashrate: Math.fround(ch.difficulty / vardiff.targetShareIntervalSeconds),
    stable_hashrate:
      ch.acceptedShares >= STABLE_AFTER_SHARES &&
      nowMs - ch.openedAtMs >= vardiff.retargetPeriodSeconds * 1000,
    target_hex: targetHex(ch.target),
    requested_max_target_hex: targetHex(t.requestedMaxTarget),
    extranonce_prefix_hex: bytesToHex(ch.extranoncePrefix),
    expected_shares_per_minute: Math.fround(60 / vardiff.targetShareIntervalSeconds),
    shares_accepted: ch.acceptedShares,
    shares_rejected: t.rejected,
    shares_rejected_by_reason: { ...t.rejectedByReason },
    share_work_sum: ch.acceptedDifficulty,
    last_share_sequence_number: t.lastSequenceNumber,
    best_diff: t.bestDifficulty,
    last_batch_accepted: last?.newSubmitsAcceptedCount ?? 0,
    last_batch_work_sum: Number(last?.newSharesSum ?? 0n),
    share_batch_size: ch.batcher.maxCount,
    blocks_found: t.blocksFound,
  };
  if (ch.kind === 'extended') {
    info.full_extranonce_size = CKB_NONCE_SIZE;
    info.rollable_extranonce_size = CKB_NONCE_SIZE - ch.extranoncePrefix.length;
  }
  return info;
}

export function buildPoolMonitoring(
  sessions: Iterable<Pick<Session, 'id' | 'state' | 'vendor' | 'channels'>>,
  vardiff: PoolConfig['vardiff'],
): MonitoringSource {
  return {
    server: () => null,
    sv1Clients: () => null,
    sv2Clients(): Sv2ClientInfo[] {
      const now = Date.now();
      const out: Sv2ClientInfo[] = [];
      for (const s of sessions) {
        if (s.state !== 'ready') continue; // SetupConnection not done: not a client yet
        const c: Sv2ClientInfo = {
          client_id: s.id,
          client_kind: clientKind(s.vendor),
          extended_channels: [],
          standard_channels: [],
        };
        for (const ch of s.channels.values()) {
          const list = ch.kind === 'extended' ? c.extended_channels : c.standard_channels;
          list.push(channelInfo(ch, vardiff, now));
        }
        out.push(c);
      }
      return out;
    },
  };
}
