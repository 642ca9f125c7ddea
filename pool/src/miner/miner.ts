import pino, { type Logger } from 'pino';
import { type Chain, powOutput } from '../ckb/pow.js';
import { compactToTarget, meetsTarget } from '../ckb/target.js';
import { type OpenedChannel, UpstreamClient, type UpstreamJob } from '../sv2/client/upstream.js';
import { HashThreads } from './threads.js';
import { V1Client, type V1Work } from './v1-client.js';

/**
 * The CPU miner (`ckb-pool mine`): worker threads running the midstate Eaglesong loop, fed by
 * either an SV2 standard channel (stratum2+tcp://, Noise, extension 0x4CCB) or CKB Stratum V1
 * (stratum+tcp://). A real miner: shares that meet the network target are blocks.
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
  close(): Promise<void>;
}

interface Sv2Key {
  epoch: number;
  channelId: number;
  jobId: number;
  powHash: Uint8Array;
  networkTarget: bigint;
}

interface V1Key {
  jobId: string;
  extranonce1: Uint8Array;
  powHash: Uint8Array;
}

export async function startMiner(o: MinerOptions): Promise<RunningMiner> {
  const log = o.log ?? pino({ level: 'info', base: { svc: 'ckb-pool-mine' } });
  const chain = o.chain ?? 'mainnet';
  const threads = new HashThreads(o.threads);
  await threads.start();
  threads.on('error', (err) => log.error({ err: err.message }, 'hashing thread failed'));
  const started = Date.now();
  let accepted = 0;
  let rejected = 0;
  let blocks = 0;
  let jobs = 0;
  const reasons: Record<string, number> = {};
  const rejectAs = (reason: string) => {
    rejected += 1;
    reasons[reason] = (reasons[reason] ?? 0) + 1;
  };
  const protocol = o.url.startsWith('stratum2+tcp://')
    ? 'sv2'
    : o.url.startsWith('stratum+tcp://')
      ? 'v1'
      : null;
  if (!protocol)
    throw new Error(`URL must be stratum2+tcp://HOST:PORT/PUBKEY or stratum+tcp://HOST:PORT: ${o.url}`);

  let connected: () => boolean;
  let connections: () => number;
  let wire: () => { bytesIn: number; bytesOut: number };
  let stop: () => Promise<void>;

  if (protocol === 'sv2') {
    const up = new UpstreamClient({
      urls: [o.url],
      vendor: 'ckb-pool-miner',
      log: log.child({ part: 'sv2' }),
      backoffMinMs: 100,
      backoffMaxMs: 3_000,
    });
    let ch: OpenedChannel | null = null;
    let job: UpstreamJob | null = null;
    const work = () => {
      if (!ch || !job || job.epoch !== ch.epoch) return;
      const key: Sv2Key = {
        epoch: ch.epoch,
        channelId: ch.channelId,
        jobId: job.jobId,
        powHash: job.powHash,
        networkTarget: compactToTarget(job.compactTarget),
      };
      threads.setWork({ key, chain, powHash: job.powHash, prefix: ch.extranoncePrefix, target: ch.target });
    };
    up.on('up', (epoch) => {
      up.openChannel('standard', o.user, o.threads * 100_000).then(
        (c) => {
          if (epoch !== up.epoch) return;
          ch = c;
          log.info(
            { channel: c.channelId, prefix: Buffer.from(c.extranoncePrefix).toString('hex') },
            'channel open',
          );
          job = up.latestJob(c.channelId, c.groupChannelId);
          work();
        },
        (err: Error) => log.error({ err: err.message }, 'could not open a channel'),
      );
    });
    up.on('down', () => {
      ch = null;
      job = null;
      threads.idle();
    });
    up.on('job', (j) => {
      if (!ch || j.epoch !== ch.epoch) return;
      if (j.channelId !== ch.channelId && j.channelId !== ch.groupChannelId) return;
      jobs += 1;
      job = j;
      work();
    });
    up.on('target', (epoch, channelId, target) => {
      if (!ch || ch.epoch !== epoch || ch.channelId !== channelId) return;
      ch = { ...ch, target };
      work();
    });
    up.on('prefix', (epoch, channelId, prefix) => {
      if (!ch || ch.epoch !== epoch || ch.channelId !== channelId) return;
      ch = { ...ch, extranoncePrefix: prefix };
      work();
    });
    threads.on('share', ({ key, nonce }) => {
      const k = key as Sv2Key;
      if (!ch || k.epoch !== ch.epoch || k.channelId !== ch.channelId) return;
      const prefixLen = ch.extranoncePrefix.length;
      const out = powOutput(chain, k.powHash, nonce);
      // Found under a target the pool has since raised: not worth a rejection.
      if (!meetsTarget(out, ch.target)) return;
      const isBlock = meetsTarget(out, k.networkTarget);
      up.submit(k.epoch, k.channelId, k.jobId, nonce.slice(prefixLen)).then((v) => {
        if (v.ok) {
          accepted += 1;
          if (isBlock) {
            blocks += 1;
            log.info({ job: k.jobId }, 'block found');
          }
        } else rejectAs(v.code);
      });
    });
    up.start();
    connected = () => up.connected && ch !== null;
    connections = () => up.epoch;
    wire = () => ({ bytesIn: up.bytesIn, bytesOut: up.bytesOut });
    stop = () => up.close();
  } else {
    const client = new V1Client(o.url, o.user);
    let target: bigint | null = null;
    let job: V1Work | null = null;
    const work = () => {
      if (!job || target === null || client.extranonce2Size === 0) return;
      if (client.extranonce1.length + client.extranonce2Size !== 16) {
        log.error(
          { en1: client.extranonce1.length, en2: client.extranonce2Size },
          'extranonce sizes do not add to 16',
        );
        return;
      }
      const key: V1Key = { jobId: job.jobId, extranonce1: client.extranonce1, powHash: job.powHash };
      threads.setWork({ key, chain, powHash: job.powHash, prefix: client.extranonce1, target });
    };
    client.on('ready', () => work());
    client.on('extranonce', () => work());
    client.on('target', (t) => {
      target = t;
      work();
    });
    client.on('job', (j) => {
      jobs += 1;
      job = j;
      work();
    });
    client.on('down', () => {
      job = null;
      target = null;
      threads.idle();
    });
    threads.on('share', ({ key, nonce }) => {
      const k = key as V1Key;
      if (k.extranonce1 !== client.extranonce1) return; // mined under an extranonce1 since replaced
      if (target === null || !meetsTarget(powOutput(chain, k.powHash, nonce), target)) return;
      client.submit(k.jobId, nonce.slice(k.extranonce1.length)).then((v) => {
        if (v.ok) accepted += 1;
        else rejectAs(String(v.code));
      });
    });
    client.start();
    connected = () => client.connected;
    connections = () => client.connections;
    wire = () => ({ bytesIn: client.wireBytesIn, bytesOut: client.wireBytesOut });
    stop = async () => client.close();
  }

  const stats = (): MinerStats => {
    const up = (Date.now() - started) / 1000;
    return {
      protocol,
      url: o.url,
      user: o.user,
      threads: o.threads,
      connected: connected(),
      uptimeSeconds: up,
      hashes: threads.hashes,
      hashrate: up > 0 ? threads.hashes / up : 0,
      accepted,
      rejected,
      rejectReasons: { ...reasons },
      blocks,
      jobs,
      connections: connections(),
      ...wire(),
    };
  };

  let closing: Promise<void> | null = null;
  return {
    stats,
    close() {
      closing ??= (async () => {
        await stop();
        await threads.close();
      })();
      return closing;
    },
  };
}
