import type { Logger } from 'pino';
import type { PoolMetrics } from '../../api/metrics.js';
import type { LedgerStore } from '../../ledger/store.js';
import type { Sv2Message } from '../../sv2/messages/index.js';
import type { AccountPolicy } from '../account-policy.js';
import type { Channel } from '../channel.js';
import type { Chain, PoolConfig } from '../config.js';
import type { DeclaredWork } from '../declared-work.js';
import type { DueWheel } from '../due-wheel.js';
import type { ExtranonceAllocator } from '../extranonce.js';
import type { HashrateTracker } from '../hashrate.js';
import { type Job, type JobBook, newCkbJobFrame, newCkbJobMessage } from '../jobs.js';

/** How a session answers its client; sockets and Noise live behind it. */
export interface SessionTransport {
  send(msg: Sv2Message): void;
  /** Sends an already encoded plaintext frame (optional fast path for broadcasts). */
  sendFrame?(frame: Uint8Array): void;
  /** Closes the connection (after flushing what was sent). */
  close(reason: string): void;
}

export interface FoundBlock {
  job: Job;
  nonce16: Uint8Array;
  worker: string;
  shareDifficulty: number;
  connectionId: number;
  channelId: number;
}

/** What every session of the pool shares. */
export interface SessionContext {
  chain: Chain;
  config: PoolConfig;
  jobs: JobBook;
  allocator: ExtranonceAllocator;
  metrics: PoolMetrics;
  /** Where accepted and rejected shares go (the ledger, or an instance's owner). */
  ledger: Pick<LedgerStore, 'recordShare' | 'recordRejected'> | null;
  /** Rolling per-worker hashrate for the API (optional in unit tests). */
  hashrate?: HashrateTracker;
  now(): number;
  onBlockFound(found: FoundBlock): void;
  /**
   * Channels due for their periodic vardiff check (the server takes them each second). Without
   * it (unit tests) only shares retarget.
   */
  vardiffWheel?: DueWheel<VardiffTask>;
  /**
   * `accounts.mode`: which names shares may be credited to. Without it (unit tests of other
   * things) every name is.
   */
  accounts?: AccountPolicy;
  /**
   * The JDS's accepted declarations, when `jd.listen` runs a JDS: REQUIRES_WORK_SELECTION is
   * then accepted and SetCustomCkbMiningJob served (session/custom-jobs.ts).
   */
  jd?: DeclaredWork;
  /** Counts channel opens and closes for the server's once-a-minute summary line. */
  channelActivity?: { opened: number; closed: number };
}

/** The session a vardiff wheel entry calls back when the channel's window ends. */
export interface VardiffOwner {
  vardiffDue(channel: Channel, now: number): void;
}

/** One channel's entry in the vardiff wheel. */
export interface VardiffTask {
  session: VardiffOwner;
  channel: Channel;
}

/** The parts of one connection every subprotocol handler answers through. */
export interface SessionWire {
  readonly ctx: SessionContext;
  readonly transport: SessionTransport;
  readonly log: Logger;
}

/** Sends `job` addressed to `channelId` (a channel or the group), encoded once when possible. */
export function sendJob(transport: SessionTransport, job: Job, channelId: number, clean: boolean): void {
  if (transport.sendFrame) transport.sendFrame(newCkbJobFrame(job, channelId, clean));
  else transport.send(newCkbJobMessage(job, channelId, clean));
}
