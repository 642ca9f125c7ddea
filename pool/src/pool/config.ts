import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { DEFAULT_API_LIMITS } from '../api/http.js';
import { LOG_LEVELS as LEVELS } from '../log/levels.js';
import { AddressError, parseHostPort as parseAddress } from '../net/address.js';

/**
 * pool.yaml: the one file that configures `ckb-pool serve`. The schema below is declarative
 * (one entry per field, with its type, bounds, default and documentation) so that the loader,
 * the error messages and docs/pool-config.md all come from the same list.
 */

export type { Chain } from '../ckb/chain.js';

import type { Chain } from '../ckb/chain.js';

export interface PoolConfig {
  chain: Chain;
  /** Acceptor processes on this host: 'auto' = one per core (instances/layout.ts). */
  instances: number | 'auto';
  node: {
    rpcUrl: string;
    rpcTimeoutMs: number;
    subscribeAddress: string | null;
    notifyListen: string | null;
    notifySecretFile: string | null;
    /** The lock every template's cellbase must name (the node's `[block_assembler]`). */
    payoutLock: {
      codeHash: string | null;
      hashType: 'data' | 'type' | 'data1' | 'data2' | null;
      args: string | null;
    };
    pollIntervalMs: number;
  };
  sv2: {
    listen: string;
    authorityKeyFile: string;
    certificateValiditySeconds: number;
    instanceId: number;
    maxChannelsPerConnection: number;
  };
  jobs: {
    maxPastJobs: number;
    minUpdateIntervalMs: number;
  };
  vardiff: {
    targetShareIntervalSeconds: number;
    minDifficulty: number;
    maxDifficulty: number;
    initialDifficulty: number;
    retargetPeriodSeconds: number;
    tolerancePercent: number;
  };
  shares: {
    batchMaxCount: number;
    batchMaxDelayMs: number;
    maxDuplicateEntriesPerJob: number;
  };
  ledger: {
    path: string;
    /** PostgreSQL ledger shared by several pool hosts; null = the SQLite file at `path`. */
    url: string | null;
    passwordFile: string | null;
    flushIntervalMs: number;
    shareRetentionHours: number;
  };
  api: {
    listen: string;
    maxConnections: number;
    headersTimeoutMs: number;
    requestTimeoutMs: number;
    keepAliveTimeoutMs: number;
    maxRequestsPerSocket: number;
    socketTimeoutMs: number;
    maxResponseBytes: number;
  };
  limits: {
    maxConnections: number;
    maxConnectionsPerIp: number;
    handshakeTimeoutMs: number;
    idleTimeoutMs: number;
    maxFrameBytes: number;
    maxMessagesPerSecond: number;
    maxMessageBurst: number;
    maxMessagesPerSecondPerIp: number;
    maxMessageBurstPerIp: number;
    frameTimeoutMs: number;
    maxPendingFrameBytes: number;
    maxChannels: number;
    maxChannelsPerIp: number;
    maxWorkerNamesPerConnection: number;
    maxWorkerNamesPerIp: number;
  };
  pplns: {
    windowFactor: number;
  };
  log: {
    level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  };
}

type Kind =
  | { type: 'string' }
  | { type: 'url'; protocols?: readonly string[] }
  | { type: 'hostport' }
  | { type: 'path' }
  | { type: 'hex'; bytes?: number }
  | { type: 'enum'; values: readonly string[] }
  /** `auto`: the literal 'auto' is accepted too (resolved at start, not here). */
  | { type: 'int'; min: number; max: number; auto?: boolean }
  | { type: 'number'; min: number; max: number };

export interface FieldSpec {
  /** Dotted path in the YAML file, e.g. `vardiff.minDifficulty`. */
  path: string;
  kind: Kind;
  /** undefined = required; null = optional with no value. */
  default?: string | number | null;
  doc: string;
}

export const CONFIG_FIELDS: readonly FieldSpec[] = [
  {
    path: 'chain',
    kind: { type: 'enum', values: ['mainnet', 'testnet', 'dev'] },
    doc: 'Which chain the node runs. Decides the PoW function: mainnet and dev use Eaglesong, testnet adds a ckbhash over the Eaglesong output.',
  },
  {
    path: 'instances',
    kind: { type: 'int', min: 1, max: 64, auto: true },
    default: 1,
    doc: 'Acceptor processes sharing the SV2 port on this host (`auto` = one per core). 1 is one process; more fork instances that each validate the shares of their own connections, while the first process keeps the node subscription, the ledger, block submission, the API and /metrics (docs/architecture.md "Instances"). Connection and channel limits (`limits.*`) apply per instance.',
  },
  {
    path: 'node.rpcUrl',
    kind: { type: 'url' },
    doc: 'HTTP JSON-RPC URL of the CKB node (Miner and Chain modules enabled, `[block_assembler]` configured). Keep it private: anyone who reaches it can submit blocks.',
  },
  {
    path: 'node.rpcTimeoutMs',
    kind: { type: 'int', min: 100, max: 600_000 },
    default: 10_000,
    doc: 'Timeout of one RPC call to the node, in milliseconds.',
  },
  {
    path: 'node.subscribeAddress',
    kind: { type: 'hostport' },
    default: null,
    doc: "host:port of the node's TCP subscription endpoint (`rpc.tcp_listen_address`, usually 127.0.0.1:18114). The pool subscribes to `new_tip_header` there so a new tip reaches miners at once. Unset: rely on notify and polling.",
  },
  {
    path: 'node.notifyListen',
    kind: { type: 'hostport' },
    default: null,
    doc: 'host:port on which the pool accepts the node\'s block-assembler `notify` HTTP POSTs (the node\'s `[block_assembler] notify = ["http://HOST:PORT"]`). Bind it to loopback or a network only the node shares, and set `node.notifySecretFile`: anyone who can POST there can feed templates (`node.payoutLock` refuses those that pay another lock). Unset: no notify listener.',
  },
  {
    path: 'node.notifySecretFile',
    kind: { type: 'path' },
    default: null,
    doc: 'File holding the secret the node must put in the notify URL path (`notify = ["http://HOST:PORT/SECRET"]`); POSTs to any other path are refused with 403. At least 32 characters of A-Z a-z 0-9 _ -. Unset: any POST to the listener is taken.',
  },
  {
    path: 'node.payoutLock.codeHash',
    kind: { type: 'hex', bytes: 32 },
    default: null,
    doc: 'code_hash of the lock every block template must pay to: the node\'s `[block_assembler] code_hash`. With `hashType` and `args` set, a template whose cellbase names another lock (a misconfigured node, or a forged notify) is refused, logged and counted in `ckb_pool_templates_refused_total{reason="payout_lock"}`. Unset (all three): not checked.',
  },
  {
    path: 'node.payoutLock.hashType',
    kind: { type: 'enum', values: ['data', 'type', 'data1', 'data2'] },
    default: null,
    doc: 'hash_type of that lock (`[block_assembler] hash_type`, `type` for the default secp256k1-blake160 lock).',
  },
  {
    path: 'node.payoutLock.args',
    kind: { type: 'hex' },
    default: null,
    doc: 'args of that lock (`[block_assembler] args`, 0x + 40 hex characters for secp256k1-blake160).',
  },
  {
    path: 'node.pollIntervalMs',
    kind: { type: 'int', min: 100, max: 600_000 },
    default: 1_000,
    doc: 'Interval of the `get_block_template` polling fallback, in milliseconds. Polling always runs; pushes only make updates faster.',
  },
  {
    path: 'sv2.listen',
    kind: { type: 'hostport' },
    default: '0.0.0.0:3336',
    doc: 'host:port of the Stratum V2 (Noise-encrypted) listener that miners and proxies connect to. Port 0 picks a free port (tests).',
  },
  {
    path: 'sv2.authorityKeyFile',
    kind: { type: 'path' },
    doc: "File with the pool authority secret key (as written by `ckb-pool keys generate`; mode 0600). Relative paths are resolved against the config file's folder. Miners pin the matching public key in the pool URL.",
  },
  {
    path: 'sv2.certificateValiditySeconds',
    kind: { type: 'int', min: 60, max: 365 * 86_400 },
    default: 86_400,
    doc: 'Lifetime of the Noise certificate the pool signs for its static key at start (valid_from is back-dated by 60 s for clock skew), at most one year. The pool re-signs it (same static key) when a tenth of the lifetime is left, so short lifetimes are fine and a long-running pool never presents an expired one.',
  },
  {
    path: 'sv2.instanceId',
    kind: { type: 'int', min: 0, max: 255 },
    default: 0,
    doc: 'Pool host id: byte 0 of every extranonce_prefix. Give every pool host that mines for the same payout a different id so their nonce spaces never overlap; the `instances` of one host split the channel index below it (docs/protocol.md §3).',
  },
  {
    path: 'sv2.maxChannelsPerConnection',
    kind: { type: 'int', min: 1, max: 1_000_000 },
    default: 10_000,
    doc: 'Most mining channels one connection may hold open (a proxy opens one per downstream device).',
  },
  {
    path: 'jobs.maxPastJobs',
    kind: { type: 'int', min: 1, max: 64 },
    default: 8,
    doc: 'How many jobs of the current tip stay valid, so late shares on a replaced (non-clean) job still count. Jobs of an earlier tip are always stale.',
  },
  {
    path: 'jobs.minUpdateIntervalMs',
    kind: { type: 'int', min: 0, max: 600_000 },
    default: 5_000,
    doc: 'Least time between two non-clean jobs (template changed, same tip). A new tip is always sent at once.',
  },
  {
    path: 'vardiff.targetShareIntervalSeconds',
    kind: { type: 'number', min: 0.01, max: 3600 },
    default: 10,
    doc: 'Average time between accepted shares that vardiff aims for on each channel.',
  },
  {
    path: 'vardiff.minDifficulty',
    kind: { type: 'number', min: 1, max: 1e30 },
    default: 1_000_000,
    doc: 'Lowest share difficulty (CKB difficulty = 2^256 / target, i.e. expected hashes per share).',
  },
  {
    path: 'vardiff.maxDifficulty',
    kind: { type: 'number', min: 1, max: 1e30 },
    default: 1e18,
    doc: 'Highest share difficulty. A share target is also never harder than the network target.',
  },
  {
    path: 'vardiff.initialDifficulty',
    kind: { type: 'number', min: 1, max: 1e30 },
    default: 1e9,
    doc: "Difficulty of a new channel whose nominal_hash_rate is 0 (otherwise nominal_hash_rate × target interval is used), bounded by min/max and by the client's max_target.",
  },
  {
    path: 'vardiff.retargetPeriodSeconds',
    kind: { type: 'number', min: 1, max: 86_400 },
    default: 60,
    doc: "How often vardiff re-estimates a channel's hashrate from its accepted shares. A channel far off target (many shares fast, or none for long) is retargeted earlier.",
  },
  {
    path: 'vardiff.tolerancePercent',
    kind: { type: 'number', min: 0, max: 1000 },
    default: 25,
    doc: 'A new difficulty within this many percent of the current one is not sent (avoids SetTarget churn).',
  },
  {
    path: 'shares.batchMaxCount',
    kind: { type: 'int', min: 1, max: 100_000 },
    default: 10,
    doc: 'SubmitShares.Success is sent after at most this many accepted shares of a channel…',
  },
  {
    path: 'shares.batchMaxDelayMs',
    kind: { type: 'int', min: 0, max: 60_000 },
    default: 1_000,
    doc: '…or at most this many milliseconds after the first unacknowledged accepted share, whichever comes first. A share that finds a block, and any error, flush the batch at once.',
  },
  {
    path: 'shares.maxDuplicateEntriesPerJob',
    kind: { type: 'int', min: 1_000, max: 100_000_000 },
    default: 2_000_000,
    doc: 'Memory bound of duplicate detection: accepted nonces remembered per job (about 100 bytes each). When a job is full, further shares on it are answered stale-share (never double-counted); a new job is sent on the next template update.',
  },
  {
    path: 'ledger.path',
    kind: { type: 'path' },
    default: 'pool-ledger.sqlite',
    doc: "SQLite file of the ledger (WAL mode): shares, workers, found blocks, PPLNS splits. Relative to the config file's folder. `:memory:` keeps it in memory (development only: nothing survives a restart).",
  },
  {
    path: 'ledger.url',
    kind: { type: 'url', protocols: ['postgres:', 'postgresql:'] },
    default: null,
    doc: 'PostgreSQL ledger (`postgres://USER@HOST:5432/DB`, node-postgres connection string; `?sslmode=require` for TLS) instead of the SQLite file at `ledger.path`, so several pool hosts share one ledger. The schema is created and migrated on start (once, however many hosts start together). No password in the URL: use `ledger.passwordFile`.',
  },
  {
    path: 'ledger.passwordFile',
    kind: { type: 'path' },
    default: null,
    doc: "File holding the PostgreSQL password of `ledger.url` (first line; mode 0600). Relative to the config file's folder. Never logged nor printed.",
  },
  {
    path: 'ledger.flushIntervalMs',
    kind: { type: 'int', min: 10, max: 60_000 },
    default: 1_000,
    doc: 'Accepted shares are written in one transaction per interval. A crash loses at most the shares of the last interval; found blocks are written before submission, never batched.',
  },
  {
    path: 'ledger.shareRetentionHours',
    kind: { type: 'number', min: 1, max: 100_000 },
    default: 168,
    doc: 'Individual shares older than this are deleted (hourly). Worker totals, found blocks and their PPLNS splits are kept for ever. Keep it well above the PPLNS window (the time the pool needs to submit windowFactor × network difficulty: minutes for a large pool, days for a small one). Disk: about 60 bytes per share, i.e. shares/s × 3600 × hours × 60 B.',
  },
  {
    path: 'api.listen',
    kind: { type: 'hostport' },
    default: '127.0.0.1:9100',
    doc: 'host:port of the HTTP API and Prometheus /metrics. Keep it private (admin network or loopback).',
  },
  {
    path: 'api.maxConnections',
    kind: { type: 'int', min: 1, max: 100_000 },
    default: DEFAULT_API_LIMITS.maxConnections,
    doc: 'Open HTTP API connections at once (scrapers, dashboards, operators); more are refused at accept.',
  },
  {
    path: 'api.headersTimeoutMs',
    kind: { type: 'int', min: 100, max: 600_000 },
    default: DEFAULT_API_LIMITS.headersTimeoutMs,
    doc: 'Time a client has to send the request headers, in milliseconds (slow-header clients are cut off).',
  },
  {
    path: 'api.requestTimeoutMs',
    kind: { type: 'int', min: 100, max: 600_000 },
    default: DEFAULT_API_LIMITS.requestTimeoutMs,
    doc: 'Time a client has to send the whole request, in milliseconds.',
  },
  {
    path: 'api.keepAliveTimeoutMs',
    kind: { type: 'int', min: 100, max: 600_000 },
    default: DEFAULT_API_LIMITS.keepAliveTimeoutMs,
    doc: 'How long an idle keep-alive connection stays open, in milliseconds.',
  },
  {
    path: 'api.maxRequestsPerSocket',
    kind: { type: 'int', min: 1, max: 1_000_000 },
    default: DEFAULT_API_LIMITS.maxRequestsPerSocket,
    doc: 'Requests served on one keep-alive connection before it is closed.',
  },
  {
    path: 'api.socketTimeoutMs',
    kind: { type: 'int', min: 1_000, max: 3_600_000 },
    default: DEFAULT_API_LIMITS.socketTimeoutMs,
    doc: 'A connection with no traffic for this long (e.g. a client that stopped reading its answer) is closed, in milliseconds.',
  },
  {
    path: 'api.maxResponseBytes',
    kind: { type: 'int', min: 65_536, max: 268_435_456 },
    default: DEFAULT_API_LIMITS.maxResponseBytes,
    doc: 'Largest JSON answer the API sends; lists are paged (`?limit=`, at most 500 workers or 100 blocks a page) so this is a last guard.',
  },
  {
    path: 'limits.maxConnections',
    kind: { type: 'int', min: 1, max: 10_000_000 },
    default: 50_000,
    doc: 'Most open SV2 connections in total; further ones are closed at once.',
  },
  {
    path: 'limits.maxConnectionsPerIp',
    kind: { type: 'int', min: 1, max: 10_000_000 },
    default: 500,
    doc: 'Most open SV2 connections from one IP address (farms behind NAT need a few hundred).',
  },
  {
    path: 'limits.maxChannels',
    kind: { type: 'int', min: 1, max: 10_000_000 },
    default: 100_000,
    doc: 'Most mining channels open in the whole pool (about 2.5 KB of memory each: the default bounds them to ~250 MB). A further OpenMiningChannel is answered `channel-capacity-exhausted` (reason `channels_total`).',
  },
  {
    path: 'limits.maxChannelsPerIp',
    kind: { type: 'int', min: 1, max: 10_000_000 },
    default: 20_000,
    doc: 'Most mining channels open from one IP address over all its connections (two full proxies at `sv2.maxChannelsPerConnection`). A further open is answered `channel-capacity-exhausted` (reason `channels_per_ip`).',
  },
  {
    path: 'limits.maxWorkerNamesPerConnection',
    kind: { type: 'int', min: 1, max: 10_000_000 },
    default: 20_000,
    doc: 'Most distinct worker names one connection may use at a time: channel user identities and the names extension 0x0002 TLVs credit shares to. A channel with a further name is refused `too-many-worker-names`; a share whose TLV names a further worker is credited to its channel (reason `worker_names_per_connection`). An aggregating translator with more miners than this needs it raised.',
  },
  {
    path: 'limits.maxWorkerNamesPerIp',
    kind: { type: 'int', min: 1, max: 10_000_000 },
    default: 40_000,
    doc: 'Most worker names in use from one IP address, summed over its connections (reason `worker_names_per_ip`; answered as for the per-connection limit).',
  },
  {
    path: 'limits.handshakeTimeoutMs',
    kind: { type: 'int', min: 100, max: 600_000 },
    default: 10_000,
    doc: 'Time a new connection has to complete the Noise handshake and SetupConnection.',
  },
  {
    path: 'limits.idleTimeoutMs',
    kind: { type: 'int', min: 1_000, max: 86_400_000 },
    default: 900_000,
    doc: 'A connection that sends nothing for this long is closed (a miner submits shares every few seconds).',
  },
  {
    path: 'limits.maxFrameBytes',
    kind: { type: 'int', min: 1_024, max: 16_777_215 },
    default: 16_384,
    doc: "Largest accepted SV2 frame payload; a larger frame closes the connection (reason `frame`). It is also what one connection's partly received frame can hold: memory for a frame grows with the bytes received, not with the length its header announces. A client's largest message (SetupConnection with every string at its 255-byte maximum) is about 1.3 KB.",
  },
  {
    path: 'limits.frameTimeoutMs',
    kind: { type: 'int', min: 100, max: 3_600_000 },
    default: 30_000,
    doc: 'A frame whose first byte has arrived must be complete within this time, else the connection is closed (reason `frame_timeout`): a peer cannot hold a connection and a buffer by trickling bytes. Only complete frames count as activity for `limits.idleTimeoutMs`.',
  },
  {
    path: 'limits.maxPendingFrameBytes',
    kind: { type: 'int', min: 65_536, max: 17_179_869_184 },
    default: 67_108_864,
    doc: 'Bytes of partly received frames held over all connections (64 MiB). While the total is above it, a connection whose partial frame grows is closed (reason `frame_memory`); connections that send whole frames are not affected.',
  },
  {
    path: 'limits.maxMessagesPerSecond',
    kind: { type: 'int', min: 0, max: 10_000_000 },
    default: 2_000,
    doc: 'Sustained rate of SV2 messages one connection may send (token bucket refilled at this rate, holding `limits.maxMessageBurst`); a connection that runs the bucket dry is closed (reason `rate-limit`); no other connection is affected. 0 = unlimited. The default is twice what the largest honest client sends: a proxy with `sv2.maxChannelsPerConnection` (10,000) channels at the vardiff share interval (10 s) submits 1,000 shares/s, plus UpdateChannel and the short bursts before vardiff catches up with a new channel. A flooding connection then costs the pool about a tenth of a core (it validates > 20,000 shares per CPU-second).',
  },
  {
    path: 'limits.maxMessageBurst',
    kind: { type: 'int', min: 1, max: 10_000_000 },
    default: 20_000,
    doc: 'Messages a connection may send at once before `limits.maxMessagesPerSecond` applies (the bucket size; a new connection starts with a full bucket). Keep it at least `sv2.maxChannelsPerConnection`: a proxy that reconnects (e.g. after the pool restarts) reopens all its channels at once, and the default leaves room for their first shares too. The pool warns at start when it is smaller.',
  },
  {
    path: 'limits.maxMessagesPerSecondPerIp',
    kind: { type: 'int', min: 0, max: 10_000_000 },
    default: 5_000,
    doc: 'Sustained rate of SV2 messages from one IP address over all its connections (one token bucket per IP, holding `limits.maxMessageBurstPerIp`). The connection that runs it dry is closed (reason `messages_per_ip`), so many connections cannot add up to a flood the per-connection limit would stop. 0 = unlimited.',
  },
  {
    path: 'limits.maxMessageBurstPerIp',
    kind: { type: 'int', min: 1, max: 10_000_000 },
    default: 40_000,
    doc: 'Messages one IP address may send at once over all its connections before `limits.maxMessagesPerSecondPerIp` applies (room for two proxies reopening all their channels).',
  },
  {
    path: 'pplns.windowFactor',
    kind: { type: 'number', min: 0.01, max: 1_000 },
    default: 2,
    doc: 'PPLNS window N = windowFactor × network difficulty of the found block, in share difficulty. The reward of a block is split over the last N accepted difficulty, in proportion.',
  },
  {
    path: 'log.level',
    kind: { type: 'enum', values: LEVELS },
    default: 'info',
    doc: 'Log level of the JSON (pino) logs on stdout.',
  },
];

/** A config file problem; the message always names the field. */
export class ConfigError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'ConfigError';
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Splits `host:port` (net/address.ts); throws a ConfigError naming `field`. */
export function parseHostPort(value: string, field = 'address'): { host: string; port: number } {
  try {
    return parseAddress(value, field);
  } catch (err) {
    if (err instanceof AddressError) throw new ConfigError(err.field, err.reason);
    throw err;
  }
}

function checkValue(spec: FieldSpec, raw: unknown, baseDir: string): unknown {
  const { path, kind } = spec;
  switch (kind.type) {
    case 'string':
    case 'path':
    case 'url':
    case 'hostport': {
      if (typeof raw !== 'string' || raw.length === 0) {
        throw new ConfigError(path, `expected a non-empty string, got ${JSON.stringify(raw)}`);
      }
      if (kind.type === 'path') return raw === ':memory:' || isAbsolute(raw) ? raw : resolve(baseDir, raw);
      if (kind.type === 'hostport') {
        parseHostPort(raw, path);
        return raw;
      }
      if (kind.type === 'url') {
        let u: URL;
        try {
          u = new URL(raw);
        } catch {
          throw new ConfigError(path, `not a URL: '${raw}'`);
        }
        const protocols = kind.protocols ?? ['http:', 'https:'];
        if (!protocols.includes(u.protocol)) {
          const want = protocols.map((p) => `${p}//`).join(' or ');
          throw new ConfigError(path, `expected a ${want} URL, got '${u.protocol}//…'`);
        }
        // The effective config is printed (`serve --check`) and logged: no secret in it.
        if (kind.protocols && u.password !== '') {
          throw new ConfigError(
            path,
            'the URL holds a password: put it in a file and name that file instead',
          );
        }
      }
      return raw;
    }
    case 'hex': {
      const bytes = kind.bytes;
      if (
        typeof raw !== 'string' ||
        !/^0x([0-9a-fA-F]{2})*$/.test(raw) ||
        (bytes !== undefined && raw.length !== 2 + 2 * bytes)
      ) {
        const what = bytes === undefined ? '0x and hex bytes' : `0x and ${2 * bytes} hex characters`;
        throw new ConfigError(path, `expected ${what}, got ${JSON.stringify(raw)}`);
      }
      return raw.toLowerCase();
    }
    case 'enum':
      if (typeof raw !== 'string' || !kind.values.includes(raw)) {
        throw new ConfigError(path, `expected one of ${kind.values.join(', ')}, got ${JSON.stringify(raw)}`);
      }
      return raw;
    case 'int':
    case 'number': {
      if (kind.type === 'int' && kind.auto && raw === 'auto') return raw;
      if (typeof raw !== 'number' || !Number.isFinite(raw)) {
        throw new ConfigError(path, `expected a number, got ${JSON.stringify(raw)}`);
      }
      if (kind.type === 'int' && !Number.isInteger(raw)) {
        throw new ConfigError(path, `expected an integer, got ${raw}`);
      }
      if (raw < kind.min || raw > kind.max) {
        throw new ConfigError(path, `${raw} is out of range ${kind.min}..${kind.max}`);
      }
      return raw;
    }
  }
}

function collectUnknown(
  obj: Record<string, unknown>,
  prefix: string,
  known: Set<string>,
  out: string[],
): void {
  for (const [k, v] of Object.entries(obj)) {
    const p = prefix ? `${prefix}.${k}` : k;
    const isGroup = [...known].some((f) => f.startsWith(`${p}.`));
    if (isGroup) {
      if (!isPlainObject(v)) throw new ConfigError(p, 'expected a mapping of fields');
      collectUnknown(v, p, known, out);
    } else if (!known.has(p)) {
      out.push(p);
    }
  }
}

/**
 * Validates a parsed YAML document and fills defaults. `baseDir` resolves relative paths
 * (the config file's folder). Throws ConfigError naming the first bad field.
 */
export function parseConfig(doc: unknown, baseDir = process.cwd()): PoolConfig {
  if (doc === null || doc === undefined) doc = {};
  if (!isPlainObject(doc)) throw new ConfigError('(root)', 'expected a YAML mapping');
  const known = new Set(CONFIG_FIELDS.map((f) => f.path));
  const unknown: string[] = [];
  collectUnknown(doc, '', known, unknown);
  if (unknown.length > 0) {
    const f = unknown[0] as string;
    throw new ConfigError(f, `unknown field (known fields are listed in docs/pool-config.md)`);
  }
  const out: Record<string, unknown> = {};
  for (const spec of CONFIG_FIELDS) {
    const parts = spec.path.split('.');
    let src: unknown = doc;
    for (const p of parts) src = isPlainObject(src) ? src[p] : undefined;
    let value: unknown;
    if (src === undefined || src === null) {
      if (spec.default === undefined) throw new ConfigError(spec.path, 'is required');
      value = spec.default === null ? null : checkValue(spec, spec.default, baseDir);
    } else {
      value = checkValue(spec, src, baseDir);
    }
    let dst = out;
    for (const p of parts.slice(0, -1)) {
      dst[p] ??= {};
      dst = dst[p] as Record<string, unknown>;
    }
    dst[parts[parts.length - 1] as string] = value;
  }
  const cfg = out as unknown as PoolConfig;
  if (cfg.vardiff.minDifficulty > cfg.vardiff.maxDifficulty) {
    throw new ConfigError('vardiff.minDifficulty', 'is larger than vardiff.maxDifficulty');
  }
  const lock = cfg.node.payoutLock;
  const lockSet = [lock.codeHash, lock.hashType, lock.args].filter((v) => v !== null).length;
  if (lockSet !== 0 && lockSet !== 3) {
    throw new ConfigError('node.payoutLock', 'set codeHash, hashType and args together (or none of them)');
  }
  if (cfg.limits.maxConnectionsPerIp > cfg.limits.maxConnections) {
    throw new ConfigError('limits.maxConnectionsPerIp', 'is larger than limits.maxConnections');
  }
  if (cfg.limits.maxChannelsPerIp > cfg.limits.maxChannels) {
    throw new ConfigError('limits.maxChannelsPerIp', 'is larger than limits.maxChannels');
  }
  if (cfg.limits.maxWorkerNamesPerConnection > cfg.limits.maxWorkerNamesPerIp) {
    throw new ConfigError('limits.maxWorkerNamesPerConnection', 'is larger than limits.maxWorkerNamesPerIp');
  }
  return cfg;
}

/** Reads and validates pool.yaml. */
export function loadPoolConfig(file: string): PoolConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError('(file)', `cannot read ${file}: ${(err as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new ConfigError('(file)', `${file} is not valid YAML: ${(err as Error).message}`);
  }
  return parseConfig(doc, dirname(resolve(file)));
}

function defaultText(spec: FieldSpec): string {
  if (spec.default === undefined) return 'required';
  if (spec.default === null) return 'unset';
  return `\`${spec.default}\``;
}

function kindText(kind: Kind): string {
  switch (kind.type) {
    case 'enum':
      return kind.values.map((v) => `\`${v}\``).join(' \\| ');
    case 'int':
      return `${kind.auto ? '`auto` or ' : ''}integer ${kind.min}..${kind.max}`;
    case 'number':
      return `number ${kind.min}..${kind.max}`;
    case 'hostport':
      return 'host:port';
    case 'hex':
      return kind.bytes === undefined ? 'hex bytes' : `${kind.bytes} hex bytes`;
    default:
      return kind.type;
  }
}

/** The field reference table of docs/pool-config.md, generated from CONFIG_FIELDS. */
export function configReferenceMarkdown(): string {
  const rows = ['| field | type | default | meaning |', '|---|---|---|---|'];
  for (const f of CONFIG_FIELDS) {
    rows.push(
      `| \`${f.path}\` | ${kindText(f.kind)} | ${defaultText(f)} | ${f.doc.replaceAll('|', '\\|')} |`,
    );
  }
  return `${rows.join('\n')}\n`;
}
