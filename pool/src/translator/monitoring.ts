import {
  difficultyOfHash,
  type MonitoringSource,
  type ServerChannelInfo,
  type Sv1ClientInfo,
  targetHex,
} from '../api/sri-monitoring.js';
import { bytesToHex } from '../ckb/hex.js';
import { compactToTarget, meetsTarget } from '../ckb/target.js';
import { bindingOf } from './channel-registry.js';
import type { TranslatorJob } from './jobs.js';
import type { ChannelState } from './types.js';
import type { V1Session } from './v1-session.js';

/**
 * The translator as SRI's monitoring API shows a tProxy: its channels with the pool ("server")
 * and its V1 miners ("sv1 clients"); it has no SV2 downstreams. Share counts come from the
 * pool's verdicts on the shares the translator forwarded (ShareTally), kept beside the channel
 * and the miner in WeakMaps so they go away with them.
 */

interface ChannelCounts {
  submitted: number;
  acknowledged: number;
  rejected: number;
  rejectedByReason: Record<string, number>;
  /** Σ 2^256 / channel target of the shares the pool accepted (what its channel target credits). */
  acknowledgedWork: number;
  /** Σ 2^256 / miner target of the shares checked here and forwarded. */
  validatedWork: number;
  bestDifficulty: number;
  /** Accepted shares that also met the network target of their job. */
  blocksFound: number;
}

interface MinerCounts {
  accepted: number;
  acceptedWork: number;
}

/** A V1 miner's hashrate counts as stable after this many shares the pool accepted. */
export const STABLE_AFTER_SHARES = 10;

const difficultyOf = (target: bigint): number => (target > 0n ? 2 ** 256 / Number(target) : 2 ** 256);

export class ShareTally {
  private readonly channels = new WeakMap<ChannelState, ChannelCounts>();
  private readonly miners = new WeakMap<V1Session, MinerCounts>();

  channel(ch: ChannelState): ChannelCounts {
    let c = this.channels.get(ch);
    if (!c) {
      c = {
        submitted: 0,
        acknowledged: 0,
        rejected: 0,
        rejectedByReason: {},
        acknowledgedWork: 0,
        validatedWork: 0,
        bestDifficulty: 0,
        blocksFound: 0,
      };
      this.channels.set(ch, c);
    }
    return c;
  }

  miner(s: V1Session): MinerCounts | undefined {
    return this.miners.get(s);
  }

  /**
   * The pool's verdict on a share `s` mined on `ch`; `powOutput` is its Eaglesong output,
   * `targets` the miner's target the translator checked it against and the channel's target
   * the pool judges it by, both as they were when the share was sent.
   */
  verdict(
    s: V1Session,
    ch: ChannelState,
    job: Pick<TranslatorJob, 'compactTarget'>,
    powOutput: Uint8Array,
    targets: { miner: bigint; channel: bigint },
    verdict: { ok: true } | { ok: false; code: string },
  ): void {
    const c = this.channel(ch);
    c.submitted += 1;
    c.validatedWork += difficultyOf(targets.miner);
    if (!verdict.ok) {
      c.rejected += 1;
      c.rejectedByReason[verdict.code] = (c.rejectedByReason[verdict.code] ?? 0) + 1;
      return;
    }
    c.acknowledged += 1;
    c.acknowledgedWork += difficultyOf(targets.channel);
    const d = difficultyOfHash(powOutput);
    if (d > c.bestDifficulty) c.bestDifficulty = d;
    if (job.compactTarget !== undefined && meetsTarget(powOutput, compactToTarget(job.compactTarget)))
      c.blocksFound += 1;
    let m = this.miners.get(s);
    if (!m) {
      m = { accepted: 0, acceptedWork: 0 };
      this.miners.set(s, m);
    }
    m.accepted += 1;
    m.acceptedWork += difficultyOf(targets.miner);
  }
}

/** `account.worker` → `worker`; a name without a dot is all worker. */
function workerPart(user: string): string {
  const dot = user.indexOf('.');
  return dot < 0 ? user : user.slice(dot + 1);
}

/** Average hashrate since connecting, from the work the pool accepted; null before any. */
function minerHashrate(s: V1Session, tally: ShareTally, nowMs: number): number | null {
  const m = tally.miner(s);
  if (!m) return null;
  const seconds = Math.max(1, (nowMs - s.connectedAtMs) / 1000);
  return Math.fround(m.acceptedWork / seconds);
}

export interface TranslatorMonitoringParts {
  channels(): Iterable<ChannelState>;
  sessions: Iterable<V1Session>;
  tally: ShareTally;
}

export function sv1ClientInfo(s: V1Session, tally: ShareTally, nowMs: number): Sv1ClientInfo {
  const ch = bindingOf(s).channel;
  const target = s.target ?? ch?.target ?? null;
  return {
    client_id: s.id,
    channel_id: ch?.channelId ?? null,
    connection_ip: s.socket.remoteAddress ?? '',
    sv1_username: s.user ?? '',
    sv1_worker_name: s.user ? workerPart(s.user) : '',
    target_hex: target === null ? '' : targetHex(target),
    hashrate: minerHashrate(s, tally, nowMs),
    stable_hashrate: (tally.miner(s)?.accepted ?? 0) >= STABLE_AFTER_SHARES,
    extranonce1_hex: bytesToHex(s.extranonce1),
    extranonce2_len: s.extranonce2Size,
    // CKB has no version rolling.
    version_rolling_mask: null,
    version_rolling_min_bit: null,
  };
}

export function serverChannelInfo(ch: ChannelState, tally: ShareTally, nowMs: number): ServerChannelInfo {
  const c = tally.channel(ch);
  const rates = [...ch.sessions].map((s) => minerHashrate(s, tally, nowMs)).filter((r) => r !== null);
  return {
    channel_id: ch.channelId,
    user_identity: ch.name,
    nominal_hashrate: rates.length > 0 ? Math.fround(rates.reduce((a, b) => a + b, 0)) : null,
    target_hex: targetHex(ch.target),
    extranonce_prefix_hex: bytesToHex(ch.prefix),
    full_extranonce_size: ch.prefix.length + ch.extranonceSize,
    rollable_extranonce_size: ch.extranonceSize,
    version_rolling: false,
    shares_acknowledged: c.acknowledged,
    shares_submitted: c.submitted,
    shares_rejected: c.rejected,
    shares_rejected_by_reason: { ...c.rejectedByReason },
    acknowledged_work_sum: Math.floor(c.acknowledgedWork),
    validated_work_sum: c.validatedWork,
    best_diff: c.bestDifficulty,
    blocks_found: c.blocksFound,
  };
}

export function buildTranslatorMonitoring(p: TranslatorMonitoringParts): MonitoringSource {
  return {
    sv2Clients: () => null,
    server() {
      const now = Date.now();
      return {
        extended_channels: [...p.channels()].map((ch) => serverChannelInfo(ch, p.tally, now)),
        standard_channels: [],
      };
    },
    sv1Clients() {
      const now = Date.now();
      return [...p.sessions].map((s) => sv1ClientInfo(s, p.tally, now));
    },
  };
}
