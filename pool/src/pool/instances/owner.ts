import type { Logger } from 'pino';
import type { LedgerStore } from '../../ledger/store.js';
import type { ApiChannel, ApiSessions } from '../api-source.js';
import type { Job } from '../jobs.js';
import type { FoundBlock } from '../session.js';
import type { BlockMessage, ChannelView, QueuedMessage, SessionsMessage, SharesMessage } from './protocol.js';
import type { InstanceRounds } from './rounds.js';
import { ShareBatchDecoder, type ShareSink } from './share-batch.js';

/**
 * The primary as the one owner of what must happen once: every share an instance reports is
 * queued in the one ledger (and the pool's hashrate), and the answer tells the instance how far
 * (its drain waits for every share), every found block is submitted by the one BlockSubmitter,
 * and the API sees the channels of every instance.
 */

/**
 * Jobs the primary handed out, by id, kept a little past their retirement: an instance may
 * find a block on a job the primary has just replaced before the new job reaches it.
 */
export class RecentJobs {
  private readonly byId = new Map<number, Job>();

  constructor(private readonly keep = 64) {}

  remember(job: Job): void {
    this.byId.set(job.id, job);
    if (this.byId.size > this.keep) this.byId.delete(this.byId.keys().next().value as number);
  }

  get(id: number): Job | undefined {
    return this.byId.get(id);
  }
}

export interface OwnerDeps {
  ledger: Pick<LedgerStore, 'recordShare' | 'recordRejected'>;
  hashrate: { record(worker: string, difficulty: number, atMs: number): void };
  jobs: RecentJobs;
  /** The BlockSubmitter's `found` (with its error handling). */
  found(f: FoundBlock): void;
  log: Pick<Logger, 'error'>;
  /** A block report naming a job the primary no longer knows. */
  onUnknownJob?(): void;
}

export class InstanceOwner {
  /** Each instance's worker names (a restarted instance starts its table over). */
  private readonly decoders = new Map<number, ShareBatchDecoder>();
  private readonly sink: ShareSink;

  constructor(private readonly d: OwnerDeps) {
    const { ledger, hashrate } = d;
    this.sink = {
      share: (worker, difficulty, timeMs, height) => {
        ledger.recordShare({ worker, difficulty, timeMs, height });
        hashrate.record(worker, difficulty, timeMs);
      },
      rejected: (worker, atMs) => ledger.recordRejected(worker, atMs),
    };
  }

  /** Queues an instance's shares; the answer lets it acknowledge them. */
  onShares(m: SharesMessage, instance: number): QueuedMessage {
    let decoder = this.decoders.get(instance);
    if (!decoder) {
      decoder = new ShareBatchDecoder();
      this.decoders.set(instance, decoder);
    }
    decoder.read(m, this.sink);
    return { kind: 'queued', upTo: m.upTo };
  }

  /** Submits a block found on an instance; false when its job is unknown here. */
  onBlock(m: BlockMessage, instance: number): boolean {
    const job = this.d.jobs.get(m.jobId);
    if (!job) {
      this.d.log.error(
        { instance, job: m.jobId, worker: m.worker },
        'block found on a job the primary does not know',
      );
      this.d.onUnknownJob?.();
      return false;
    }
    const { nonce16, worker, shareDifficulty, connectionId, channelId } = m;
    this.d.found({ job, nonce16, worker, shareDifficulty, connectionId, channelId });
    return true;
  }
}

/**
 * The API's view of every instance's connections, asked for when the API needs it (rounds.ts).
 * Instances used to report every second whatever the API did: with 10,000 connections that was
 * 0.66 CPU-seconds in 5 s across the tree at rest (serialising and parsing every channel's
 * worker name), about a tenth of its CPU under full share load.
 */
export class InstanceSessions implements ApiSessions {
  private readonly reports = new Map<number, ChannelView[][]>();

  constructor(private readonly rounds: InstanceRounds | null = null) {}

  /** Asks every instance for its channels, unless a round of the last second stands. */
  refresh(): Promise<void> {
    return this.rounds?.refresh() ?? Promise.resolve();
  }

  update(instance: number, m: SessionsMessage): void {
    this.reports.set(instance, m.sessions);
    this.rounds?.answered(m.request);
  }

  /** An instance gone (crashed or stopped): its connections are gone with it. */
  forget(instance: number): void {
    this.reports.delete(instance);
  }

  get size(): number {
    let n = 0;
    for (const r of this.reports.values()) n += r.length;
    return n;
  }

  *[Symbol.iterator](): Iterator<{ channels: { size: number; values(): Iterable<ApiChannel> } }> {
    for (const report of this.reports.values()) {
      for (const channels of report) {
        const views = channels.map(([worker, difficulty, credited]) => ({
          worker,
          difficulty,
          creditedWorkers: credited ? new Map(credited) : undefined,
        }));
        yield { channels: { size: views.length, values: () => views } };
      }
    }
  }
}

/** One instance's sessions as it reports them (Session.channels → plain arrays). */
export function viewSessions(
  sessions: Iterable<{ channels: { values(): Iterable<ApiChannel> } }>,
  request: number,
): SessionsMessage {
  const out: ChannelView[][] = [];
  for (const s of sessions) {
    const chans: ChannelView[] = [];
    for (const ch of s.channels.values()) {
      chans.push([ch.worker, ch.difficulty, ch.creditedWorkers ? [...ch.creditedWorkers] : null]);
    }
    out.push(chans);
  }
  return { kind: 'sessions', request, sessions: out };
}
