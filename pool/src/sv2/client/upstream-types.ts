import type { Logger } from 'pino';
import type { FailbackSettings } from './failback.js';
import type { UpstreamJob } from './upstream-channels.js';

/**
 * What an owner of UpstreamClient (upstream.ts) configures and what it hears from it: the
 * contract, which reads apart from the connection machinery that keeps it. upstream.ts
 * re-exports both, so owners go on importing them from there.
 */

export interface UpstreamEvents {
  up: [epoch: number, url: string];
  down: [epoch: number, reason: string];
  /** Moving from a backup URL back to a more preferred one; 'up' for the new epoch follows. */
  failback: [from: string, to: string];
  /** A failback probe of a more preferred URL ended (`streak`: consecutive successes). */
  probe: [url: string, ok: boolean, streak: number];
  job: [job: UpstreamJob];
  target: [epoch: number, channelId: number, target: bigint];
  prefix: [epoch: number, channelId: number, prefix: Uint8Array];
  closedChannel: [epoch: number, channelId: number, reason: string];
}

export interface UpstreamOptions {
  /** `stratum2+tcp://HOST:PORT/AUTHORITY_PUBKEY`, tried in order (failover). */
  urls: string[];
  vendor: string;
  /** SetupConnection flags (default 0: group-channel jobs). */
  flags?: number;
  /**
   * Also request extension 0x0002 (worker-specific hashrate tracking), so shares may carry a
   * user_identity TLV (default false).
   */
  workerHashrate?: boolean;
  log: Logger;
  /** First and largest delay between attempts (default 100 ms … 5 s). */
  backoffMinMs?: number;
  backoffMaxMs?: number;
  connectTimeoutMs?: number;
  /** A 0x4CCB worker declaration without answer for this long counts as `no-answer` (5 s). */
  declareTimeoutMs?: number;
  /** A share without answer for this long is reported as an error (default 15 s). */
  shareTimeoutMs?: number;
  /**
   * Return to a more preferred URL when it is healthy again (failback.ts). Default: off here
   * (the CPU miner); the translator turns it on with FAILBACK_DEFAULTS.
   */
  failback?: Partial<FailbackSettings> | false;
}
