import {
  ErrorCodes,
  type SetCustomMiningJob,
  type SubmitSharesExtended,
  type SubmitSharesStandard,
} from '../../sv2/messages/index.js';
import type { Channel, ShareOutcome } from '../channel.js';
import { noteShare } from '../channel-tally.js';
import type { SessionWire } from './context.js';
import type { ShareAcks } from './share-acks.js';

/**
 * The mining subprotocol's Bitcoin-shaped work messages on a CKB pool: SubmitSharesStandard,
 * SubmitSharesExtended and SetCustomMiningJob. CKB shares travel as SubmitSharesCkb (0x4CCB) and
 * the pool selects the work itself, so none of these can ever be accepted; each still gets the
 * answer the spec promises ("An error is immediately submitted for every incorrect submit
 * attempt"), with SRI's error codes and in SRI's order of checks.
 */
export class BitcoinWork {
  /** Scratch for the channel tally (only read for accepted shares, which these never are). */
  private readonly noWords = new Uint32Array(8);

  constructor(
    private readonly wire: SessionWire,
    private readonly channels: ReadonlyMap<number, Channel>,
    private readonly acks: ShareAcks,
  ) {}

  /**
   * A Bitcoin share. The channel must exist and be of the message's kind (SRI looks standard
   * shares up among standard channels only, extended among extended: anything else is
   * `invalid-channel-id`). Then the job: job_id is "as provided by NewMiningJob or
   * NewExtendedMiningJob", and this pool never sends either, so no job_id names one.
   */
  submit(m: SubmitSharesStandard | SubmitSharesExtended): ShareOutcome {
    const { ctx, transport } = this.wire;
    const kind = m.type === 'SubmitSharesStandard' ? 'standard' : 'extended';
    const ch = this.channels.get(m.channelId);
    const outcome: ShareOutcome = ch?.kind === kind ? 'invalid-job-id' : 'invalid-channel-id';
    ctx.metrics.share(outcome);
    if (ch) {
      noteShare(ch, m.sequenceNumber, outcome, this.noWords);
      // Keep acknowledgements in order: accepted CKB shares first, then this error.
      this.acks.flush(ch);
    }
    transport.send({
      type: 'SubmitSharesError',
      channelId: m.channelId,
      sequenceNumber: m.sequenceNumber,
      errorCode: outcome,
    });
    return outcome;
  }

  /**
   * SetCustomMiningJob "can be sent only on extended or group channel" and needs
   * REQUIRES_WORK_SELECTION, which this pool refuses at setup: a standard or unknown channel is
   * `invalid-channel-id`, anything else `jd-not-supported`.
   */
  customJob(m: Pick<SetCustomMiningJob, 'channelId' | 'requestId'>, groupChannelId: number): void {
    const ch = this.channels.get(m.channelId);
    const isGroup = groupChannelId !== 0 && m.channelId === groupChannelId;
    const errorCode =
      isGroup || ch?.kind === 'extended' ? ErrorCodes.jdNotSupported : ErrorCodes.invalidChannelId;
    this.wire.transport.send({
      type: 'SetCustomMiningJobError',
      channelId: m.channelId,
      requestId: m.requestId,
      errorCode,
    });
  }
}
