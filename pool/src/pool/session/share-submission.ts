import { type SubmitSharesCkb, workerIdFromTlv } from '../../sv2/messages/index.js';
import { recordShare } from '../../vardiff/vardiff.js';
import { shareWorker } from '../../workers/names.js';
import {
  type Channel,
  judgeShare,
  noteCreditedWorker,
  type ShareOutcome,
  type WorkerRefusal,
} from '../channel.js';
import { noteShare } from '../channel-tally.js';
import type { JobBook } from '../jobs.js';
import type { PeerLimitReason } from '../peer-limits.js';
import type { WorkerNameHolds } from '../worker-holds.js';
import type { ChannelVardiff } from './channel-vardiff.js';
import type { SessionWire } from './context.js';
import type { ShareAcks } from './share-acks.js';

/** What share submission reads of its connection. */
export interface SubmissionConnection {
  readonly id: number;
  readonly channels: ReadonlyMap<number, Channel>;
  /** Extension 0x0002 negotiated: a share's user_identity TLV names the worker. */
  workerHashrateNegotiated(): boolean;
  /** Counts a limit that refused something of this connection. */
  limited(reason: PeerLimitReason): void;
  /** Where share job ids are looked up (the connection's custom jobs, then the pool's); default the pool's. */
  jobs?: Pick<JobBook, 'lookup'>;
}

/** A refusal decided by whom the share would be credited to (see `creditedName`). */
interface Refused {
  readonly refused: WorkerRefusal;
}
const REFUSED: { readonly [K in WorkerRefusal]: Refused } = {
  'invalid-user-identity': { refused: 'invalid-user-identity' },
  'unknown-worker-id': { refused: 'unknown-worker-id' },
  'not-an-address': { refused: 'not-an-address' },
  'unregistered-name': { refused: 'unregistered-name' },
};

/**
 * SubmitSharesCkb (docs/protocol.md §3 "The CKB extension 0x4CCB"): each share is judged against its
 * channel and job, credited to the worker its 0x4CCB worker_id TLV names (declared on the
 * channel, worker-declarations.ts), else with extension 0x0002 to the worker its user_identity
 * TLV names inside the channel's account, else to the channel's worker; `accounts.mode` may
 * refuse that name. Errors are answered at once, successes in batches.
 */
export class ShareSubmission {
  private readonly outWords = new Uint32Array(8);

  constructor(
    private readonly wire: SessionWire,
    private readonly conn: SubmissionConnection,
    private readonly workerNames: WorkerNameHolds,
    private readonly vardiff: ChannelVardiff,
    private readonly acks: ShareAcks,
  ) {}

  /** Validates one share; answers errors at once and successes batched. Returns the outcome. */
  submit(m: SubmitSharesCkb): ShareOutcome {
    const { ctx, transport } = this.wire;
    const ch = this.conn.channels.get(m.channelId);
    const worker = ch ? this.creditedName(ch, m) : undefined;
    const outcome = typeof worker === 'object' ? worker.refused : this.judge(m, ch, worker);
    noteShare(ch, m.sequenceNumber, outcome, this.outWords);
    ctx.metrics.share(outcome);
    if (outcome === 'accepted' || outcome === 'block') return outcome;
    if (ch) {
      ctx.ledger?.recordRejected(typeof worker === 'string' ? worker : ch.worker, ctx.now());
      // Keep acknowledgements in order: flush accepted shares before the error.
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
   * Whom an accepted share would be credited to, or why it is refused. A TLV tail is read only
   * when present, so plain shares pay one property check; the 0x0002 field only when 0x0002 was
   * negotiated (else ignored, as the spec says). A declared worker was checked against
   * `accounts.mode` when declared; the channel's name and 0x0002 names (inside the channel's
   * account, so creditable exactly when the channel's name is) are checked here.
   */
  private creditedName(ch: Channel, m: SubmitSharesCkb): string | Refused {
    const name = this.workerName(ch, m);
    const accounts = this.wire.ctx.accounts;
    if (typeof name !== 'string' || accounts?.mode !== 'registered') return name;
    // accounts.mode registered: credited as the address the name's account is registered to
    // (account-policy.ts); a registration removed since the channel opened refuses the share.
    return accounts.credited(name) ?? REFUSED['unregistered-name'];
  }

  /** The worker name a share names (declared, the channel's, or 0x0002), or why it is refused. */
  private workerName(ch: Channel, m: SubmitSharesCkb): string | Refused {
    const tlv = m.tlv;
    if (tlv !== undefined) {
      const id = workerIdFromTlv(tlv);
      if (id !== undefined) {
        const declared = id === null ? undefined : ch.declaredWorkers?.get(id);
        return declared ?? REFUSED['unknown-worker-id'];
      }
    }
    // In `registered` mode the registry decides at each share (creditedName): a name registered
    // after its channel opened is credited from then on.
    if (ch.nameRefusal !== undefined && this.wire.ctx.accounts?.mode !== 'registered')
      return REFUSED[ch.nameRefusal];
    if (tlv === undefined || !this.conn.workerHashrateNegotiated()) return ch.worker;
    return this.tlvWorker(ch, tlv) ?? REFUSED['invalid-user-identity'];
  }

  /**
   * The worker a share with a 0x0002 TLV is credited to (null: refuse the share). A name new to
   * this connection takes a worker-name slot for as long as the connection lives; when none is
   * left the share is credited to the channel's own worker.
   */
  private tlvWorker(ch: Channel, tlv: Uint8Array): string | null {
    const name = shareWorker(ch.worker, tlv);
    if (name === null || name === ch.worker || this.workerNames.has(name)) return name;
    const refused = this.workerNames.hold(name);
    if (refused === null) return name;
    this.conn.limited(refused);
    return ch.worker;
  }

  /** Judges a share and, when accepted, credits it to `worker` (the channel's, or its TLV's). */
  private judge(m: SubmitSharesCkb, ch: Channel | undefined, worker: string | undefined): ShareOutcome {
    const { ctx, log } = this.wire;
    const now = ctx.now();
    const v = judgeShare(ctx.chain, this.conn.jobs ?? ctx.jobs, ch, m, this.outWords);
    if (!('job' in v) || !ch) return v.outcome;
    const name = worker ?? ch.worker;
    const { job, difficulty } = v;
    const isBlock = v.outcome === 'block';
    ch.acceptedShares += 1;
    ch.acceptedDifficulty += difficulty;
    ctx.metrics.acceptedDifficulty.inc(difficulty);
    ctx.ledger?.recordShare({ worker: name, difficulty, timeMs: now, height: Number(job.height) });
    ctx.hashrate?.record(name, difficulty, now);
    if (name !== ch.worker) noteCreditedWorker(ch, name, now);
    recordShare(ch.vardiff, difficulty);
    this.vardiff.schedule(ch);
    const batch = ch.batcher.add(m.sequenceNumber, difficulty, now);
    if (isBlock) {
      log.info({ channel: ch.id, worker: name, height: job.height.toString(), job: job.id }, 'block found');
      ctx.onBlockFound({
        job,
        nonce16: v.nonce16,
        worker: name,
        shareDifficulty: difficulty,
        connectionId: this.conn.id,
        channelId: ch.id,
      });
    }
    if (batch) this.acks.send(ch.id, batch);
    else if (isBlock) this.acks.flush(ch);
    else this.acks.arm();
    this.vardiff.maybeRetarget(ch, now);
    return isBlock ? 'block' : 'accepted';
  }
}
