import { MAX_U256, targetToDifficulty, u256LeToTarget } from '../../ckb/target.js';
import { ErrorCodes, type UpdateChannel } from '../../sv2/messages/index.js';
import { clampDifficulty, initialDifficulty, newVardiffState } from '../../vardiff/vardiff.js';
import { type Channel, channelTargetFor } from '../channel.js';
import { noteRequestedMaxTarget } from '../channel-tally.js';
import type { ChannelVardiff } from './channel-vardiff.js';
import type { SessionWire } from './context.js';

/**
 * UpdateChannel (mining subprotocol): the client's new nominal hashrate restarts the channel's
 * vardiff from the difficulty it implies, and its new maximum target becomes the channel's
 * floor. A maximum target harder than a block is refused, since the channel would then miss
 * blocks; one below the current target is answered with SetTarget ≤ it, as the spec requires.
 */
export function updateChannel(
  wire: SessionWire,
  channels: ReadonlyMap<number, Channel>,
  vardiff: ChannelVardiff,
  m: UpdateChannel,
): void {
  const { ctx, transport } = wire;
  const refuse = (errorCode: string) =>
    transport.send({ type: 'UpdateChannelError', channelId: m.channelId, errorCode });
  const ch = channels.get(m.channelId);
  if (!ch) {
    refuse(ErrorCodes.invalidChannelId);
    return;
  }
  if (!Number.isFinite(m.nominalHashRate) || m.nominalHashRate < 0) {
    refuse(ErrorCodes.invalidNominalHashrate);
    return;
  }
  const maxTarget = u256LeToTarget(m.maximumTarget);
  const job = ctx.jobs.current;
  if (maxTarget === 0n || (job && maxTarget < job.networkTarget)) {
    refuse(ErrorCodes.maxTargetOutOfRange);
    return;
  }
  ch.minDifficultyByClient = Number(targetToDifficulty(maxTarget));
  noteRequestedMaxTarget(ch, maxTarget);
  const networkDifficulty = job?.networkDifficulty ?? 0;
  const d =
    m.nominalHashRate > 0
      ? initialDifficulty(
          m.nominalHashRate,
          ch.difficulty,
          ctx.config.vardiff,
          networkDifficulty,
          ch.minDifficultyByClient,
        )
      : clampDifficulty(ch.difficulty, ctx.config.vardiff, networkDifficulty, ch.minDifficultyByClient);
  ch.vardiff = newVardiffState(d, ctx.now());
  const target = channelTargetFor(d, job?.networkTarget ?? MAX_U256, maxTarget);
  ch.difficulty = d;
  if (target !== ch.target) vardiff.changeTarget(ch, target);
}
