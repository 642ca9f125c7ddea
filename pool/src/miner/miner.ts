import pino, { type Logger } from 'pino';
import type { Chain } from '../ckb/pow.js';
import type { FeedContext, WorkFeed } from './feed.js';
import { ShareTally } from './share-tally.js';
import { Sv2Feed } from './sv2-feed.js';
import { HashThreads } from './threads.js';
import { V1Feed } from './v1-feed.js';

/**
 * The CPU miner (`ckb-pool mine`): worker threads running the midstate Eaglesong loop, fed by
 * either an SV2 standard channel (stratum2+tcp://, Noise, extension 0x4CCB) or CKB Stratum V1
 * (stratum+tcp://). A real miner: shares that meet the network target are blocks.
 *
 * startMiner wires HashThreads to a WorkFeed (Sv2Feed or V1Feed) and counts in a ShareTally.
 */

export interface MinerOptions {
  url: string;
  user: string;
  threads: number;
  /** PoW function: testnet adds a ckbhash over Eaglesong; mainnet and dev chains do not. */
  chain?: Chain;
  log?: Logger;
}

export interface MinerStats {
  protocol: 'sv2' | 'v1';
  url: string;
  user: string;
  threads: number;
  connected: boolean;
  uptimeSeconds: number;
  hashes: number;
  /** Average hashes per second since start. */
  hashrate: number;
  accepted: number;
  rejected: number;
  rejectReasons: Record<string, number>;
  /** Accepted shares that met the network target (SV2 jobs carry it; V1 jobs do not). */
  blocks: number;
  jobs: number;
  /** Connections made to the pool or translator (1 = never reconnected). */
  connections: number;
  /** Wire bytes to/from the pool or translator. */
  bytesIn: number;
  bytesOut: number;
}

export interface RunningMiner {
  stats(): MinerStats;
  /** Resolves with the reason when the pool refuses this worker name for good; never otherwise. */
  refused: Promise<string>;
  close(): Promise<void>;
}

/** The feed a miner URL asks for, or null for an unknown scheme. */
export function protocolOf(url: string): MinerStats['protocol'] | null {
  if (url.startsWith('stratum2+tcp://')) return 'sv2';
  if (url.startsWith('stratum+tcp://')) return 'v1';
  return null;
}

export async function startMiner(o: MinerOptions): Promise<RunningMiner> {
  const log = o.log ?? pino({ level: 'info', base: { svc: 'ckb-pool-mine' } });
  const chain = o.chain ?? 'mainnet';
  const threads = new HashThreads(o.threads);
  await threads.start();
  threads.on('error', (err) => log.error({ err: err.message }, 'hashing thread failed'));
  const started = Date.now();
  const tally = new ShareTally();
  const protocol = protocolOf(o.url);
  if (!protocol)
    throw new Error(`URL must be stratum2+tcp://HOST:PORT/PUBKEY or stratum+tcp://HOST:PORT: ${o.url}`);
  let refuse: (reason: string) => void = () => {};
  const refused = new Promise<string>((resolve) => {
    refuse = resolve;
  });
  let refusal: string | null = null;
  const context: FeedContext = {
    url: o.url,
    user: o.user,
    threads: o.threads,
    chain,
    refuse(reason) {
      if (refusal !== null) return;
      refusal = reason;
      log.error({ user: o.user }, reason);
      refuse(reason);
    },
  };
  const feed: WorkFeed =
    protocol === 'sv2' ? new Sv2Feed(context, threads, tally, log) : new V1Feed(context, threads, tally, log);
  feed.start();

  const stats = (): MinerStats => {
    const up = (Date.now() - started) / 1000;
    return {
      protocol,
      url: o.url,
      user: o.user,
      threads: o.threads,
      connected: feed.connected(),
      uptimeSeconds: up,
      hashes: threads.hashes,
      hashrate: up > 0 ? threads.hashes / up : 0,
      accepted: tally.accepted,
      rejected: tally.rejected,
      rejectReasons: tally.rejectReasons(),
      blocks: tally.blocks,
      jobs: tally.jobs,
      connections: feed.connections(),
      ...feed.wire(),
    };
  };

  let closing: Promise<void> | null = null;
  return {
    stats,
    refused,
    close() {
      closing ??= (async () => {
        await feed.close();
        await threads.close();
      })();
      return closing;
    },
  };
}
