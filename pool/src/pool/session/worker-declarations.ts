import { type DeclareWorker, ErrorCodes } from '../../sv2/messages/index.js';
import { workerNameProblem } from '../../workers/names.js';
import type { Channel } from '../channel.js';
import { type PeerLimitReason, TOO_MANY_WORKER_NAMES } from '../peer-limits.js';
import type { WorkerNameHolds } from '../worker-holds.js';
import type { SessionWire } from './context.js';

/**
 * The 0x4CCB long-name carrier, pool side (docs/extensions/0x4CCB.md §3.4): DeclareWorker gives
 * a worker name of up to 255 bytes a short id on one channel; shares naming that id in their
 * worker_id TLV are credited to the name. A declared name is checked like a channel's
 * user_identity — the worker-name rule, `accounts.mode`, the connection's and IP's worker-name
 * limits — and is not confined to the channel's account: a client could as well open a channel
 * under that name. Declarations live as long as their channel.
 */
export class WorkerDeclarations {
  constructor(
    private readonly wire: SessionWire,
    private readonly channels: ReadonlyMap<number, Channel>,
    private readonly workerNames: WorkerNameHolds,
    /** Counts a limit that refused something of this connection. */
    private readonly limited: (reason: PeerLimitReason) => void,
  ) {}

  /** Answers one DeclareWorker with .Success or .Error. */
  declare(m: DeclareWorker): void {
    const { transport } = this.wire;
    const errorCode = this.record(m);
    if (errorCode === null) {
      transport.send({ type: 'DeclareWorkerSuccess', channelId: m.channelId, workerId: m.workerId });
      return;
    }
    this.wire.log.debug({ channel: m.channelId, worker: m.name, errorCode }, 'worker declaration refused');
    transport.send({ type: 'DeclareWorkerError', channelId: m.channelId, workerId: m.workerId, errorCode });
  }

  /** Records the declaration; the error code that refuses it, or null. */
  private record(m: DeclareWorker): string | null {
    const { ctx } = this.wire;
    const ch = this.channels.get(m.channelId);
    if (!ch) return ErrorCodes.invalidChannelId;
    if (workerNameProblem(m.name) !== null) return ErrorCodes.invalidWorkerName;
    const refused = ctx.accounts?.refusal(m.name);
    if (refused) return refused;
    let declared = ch.declaredWorkers;
    const before = declared?.get(m.workerId);
    if (before === m.name) return null;
    const size = declared?.size ?? 0;
    if (before === undefined && size >= ctx.config.limits.maxDeclaredWorkersPerChannel)
      return ErrorCodes.tooManyDeclaredWorkers;
    const limit = this.workerNames.hold(m.name);
    if (limit !== null) {
      this.limited(limit);
      return TOO_MANY_WORKER_NAMES;
    }
    if (before !== undefined) this.workerNames.release(before);
    if (!declared) {
      declared = new Map();
      ch.declaredWorkers = declared;
    }
    declared.set(m.workerId, m.name);
    return null;
  }
}

/** Gives back the worker-name holds of a closing channel's declared workers. */
export function releaseDeclaredWorkers(ch: Channel, workerNames: WorkerNameHolds): void {
  if (!ch.declaredWorkers) return;
  for (const name of ch.declaredWorkers.values()) workerNames.release(name);
  ch.declaredWorkers.clear();
}
