import { difficultyOfHash } from '../api/sri-monitoring.js';
import { powWordsToBytes } from '../ckb/eaglesong.js';
import type { Channel, ShareOutcome } from './channel.js';

/**
 * What the monitoring API shows of a channel beyond what judging shares needs: rejects by
 * reason, the last sequence number, the best share, blocks, and the max_target the client
 * asked for. Kept beside the channel (a WeakMap, gone with it) so the share path only adds
 * counters and the Channel record stays what validation reads.
 */
export interface ChannelTally {
  rejected: number;
  rejectedByReason: Record<string, number>;
  lastSequenceNumber: number;
  /** 2^256 / the lowest Eaglesong output of an accepted share. */
  bestDifficulty: number;
  blocksFound: number;
  /** The client's max_target (Open*Channel or its latest UpdateChannel). */
  requestedMaxTarget: bigint;
}

const tallies = new WeakMap<Channel, ChannelTally>();
const MAX_TARGET = (1n << 256n) - 1n;
const scratch = new Uint8Array(32);

function tallyFor(ch: Channel): ChannelTally {
  let t = tallies.get(ch);
  if (!t) {
    t = {
      rejected: 0,
      rejectedByReason: {},
      lastSequenceNumber: 0,
      bestDifficulty: 0,
      blocksFound: 0,
      requestedMaxTarget: MAX_TARGET,
    };
    tallies.set(ch, t);
  }
  return t;
}

export function channelTally(ch: Channel): ChannelTally {
  return tallyFor(ch);
}

export function noteRequestedMaxTarget(ch: Channel, maxTarget: bigint): void {
  tallyFor(ch).requestedMaxTarget = maxTarget;
}

/** The easiest target the channel's client accepts (its max_target; all-ones when never said). */
export function clientMaxTarget(ch: Channel): bigint {
  return tallies.get(ch)?.requestedMaxTarget ?? MAX_TARGET;
}

/**
 * Counts one judged share. `powWords` holds the share's Eaglesong output (the judge's scratch
 * words) when the share was accepted; it is read only then.
 */
export function noteShare(
  ch: Channel | undefined,
  sequenceNumber: number,
  outcome: ShareOutcome,
  powWords: Uint32Array,
): void {
  if (!ch) return;
  const t = tallyFor(ch);
  t.lastSequenceNumber = sequenceNumber;
  if (outcome === 'accepted' || outcome === 'block') {
    const d = difficultyOfHash(powWordsToBytes(powWords, scratch));
    if (d > t.bestDifficulty) t.bestDifficulty = d;
    if (outcome === 'block') t.blocksFound += 1;
    return;
  }
  t.rejected += 1;
  t.rejectedByReason[outcome] = (t.rejectedByReason[outcome] ?? 0) + 1;
}
