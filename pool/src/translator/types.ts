import type { Logger } from 'pino';
import type { Chain } from '../ckb/pow.js';
import type { FailbackSettings } from '../sv2/client/failback.js';
import type { UpstreamClient } from '../sv2/client/upstream.js';
import type { TranslatorJob } from './jobs.js';
import type { TranslatorLimits } from './limits.js';
import type { MinerTargetState } from './miner-targets.js';
import type { MinerVardiffSettings } from './miner-vardiff.js';
import type { V1Session } from './v1-session.js';

/** Options, results and internal records of the translator (translator.ts). */

export type TranslatorMode = 'per-worker' | 'aggregated';

export interface TranslatorOptions {
  /** host:port of the V1 listener (port 0 = ephemeral). */
  listen: string;
  /** Pool URLs, tried in order (failover); the first is preferred (failback). */
  upstreams: string[];
  /**
   * While on a backup URL, probe the more preferred ones and move back after the hold-down
   * (default { probeIntervalMs: 30 s, healthyProbes: 2 }; false = stay on the backup).
   */
  failback?: Partial<FailbackSettings> | false | undefined;
  chain: Chain;
  mode?: TranslatorMode | undefined;
  /**
   * Name of channels opened before a miner has authorized (a V1 miner needs its extranonce1
   * before it sends its name) and of the single aggregated channel. Shares on those channels
   * carry the miner's declared worker_id (0x4CCB DeclareWorker: credited to the miner's own
   * name) or, on a pool without it, its name in a 0x0002 TLV, which the pool files under this
   * name's account (the part before the first '.').
   */
  userIdentity?: string | undefined;
  /** host:port for /metrics and /health; null = none. */
  metricsListen?: string | null | undefined;
  log?: Logger | undefined;
  maxLineBytes?: number | undefined;
  maxConnections?: number | undefined;
  /** Per-miner and shared-upstream limits (defaults: TRANSLATOR_LIMIT_DEFAULTS). */
  limits?: Partial<TranslatorLimits> | undefined;
  /** How long a subscribe may wait for the pool before it is answered with an error. */
  subscribeWaitMs?: number | undefined;
  /** A connection that sends no mining.subscribe for this long is closed (default 60 s). */
  subscribeTimeoutMs?: number | undefined;
  /** Also export Node process metrics (default false; the CLI turns it on). */
  processMetrics?: boolean | undefined;
  backoffMinMs?: number | undefined;
  backoffMaxMs?: number | undefined;
  /**
   * Extra V1 ports whose miners all speak one dialect (docs/miners.md), for firmware whose user
   * agent does not say what it is: `{ listen: '0.0.0.0:3334', dialect: 'antminer-k7' }`.
   */
  dialectPorts?: DialectPort[] | undefined;
  /** Per-miner vardiff (default MINER_VARDIFF_DEFAULTS; translator.yaml `v1.vardiff`). */
  vardiff?: Partial<MinerVardiffSettings> | undefined;
}

export interface DialectPort {
  listen: string;
  /** A dialect name or alias (stratum-v1/dialects). */
  dialect: string;
}

export interface TranslatorStats {
  v1Connections: number;
  /** Shares answered true: by the pool's verdict or, below the channel's target, here. */
  accepted: number;
  /** Of those, accepted here without forwarding (the miner's target is easier than the channel's). */
  acceptedLocally: number;
  rejected: number;
  upstreamConnected: boolean;
  upstreamUrl: string | null;
  upstreamReconnects: number;
  /** Moves from a backup pool back to a more preferred one. */
  upstreamFailbacks: number;
  /** Wire bytes on the V1 sockets (all connections so far). */
  v1BytesIn: number;
  v1BytesOut: number;
  /** Encrypted wire bytes on the SV2 upstream sockets. */
  sv2BytesIn: number;
  sv2BytesOut: number;
}

export interface RunningTranslator {
  v1Address: string;
  v1Url: string;
  /** The extra ports with a forced dialect, as bound. */
  dialectPorts: Array<{ dialect: string; address: string; url: string }>;
  metricsUrl: string | null;
  upstream: UpstreamClient;
  stats(): TranslatorStats;
  close(): Promise<void>;
}

export interface ChannelState {
  epoch: number;
  channelId: number;
  groupChannelId: number;
  prefix: Uint8Array;
  extranonceSize: number;
  name: string;
  /** The pool's target for the channel's next jobs (each job's is kept per miner: miner-targets.ts). */
  target: bigint;
  sessions: Set<V1Session>;
  /** What the translator told the pool the channel hashes (open or the last UpdateChannel), H/s. */
  declaredHashRate: number;
  declaredAtMs: number;
  /** The sum of its miners' hashrates now (Binding.hashRate), H/s. */
  hashRateSum: number;
  lastJob: TranslatorJob | null;
}

export interface Binding {
  channel: ChannelState | null;
  /** Aggregated mode: this miner's index in the shared channel (2 bytes of the nonce). */
  localIndex: number | null;
  /**
   * The miner has been given a channel under its authorized name (or tried to): later
   * authorizes are declared on its channel (0x4CCB, else 0x0002 TLVs) instead of opening and
   * closing pool channels.
   */
  renamed: boolean;
  /**
   * Extension 0x0002: the user_identity TLV tail for this miner on a channel under another
   * name (null: the name cannot travel in one), kept for the channel name and user it was made for.
   */
  workerTlv: { channelName: string; user: string; tail: Uint8Array | null } | null;
  /** The miner's own vardiff and the targets its jobs went out with. */
  targets: MinerTargetState;
  /** The hashrate (H/s) this miner adds to its channel's `hashRateSum`. */
  hashRate: number;
}
