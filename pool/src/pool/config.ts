import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { DEFAULT_API_LIMITS } from '../api/http.js';
import { CHAINS } from '../ckb/chain.js';
import { referenceTable } from '../config-engine/docs.js';
import { ConfigError } from '../config-engine/errors.js';
import { checked, hex, hostPort, httpUrl, int, type Kind, num, oneOf, text } from '../config-engine/kinds.js';
import { type ConfigOf, ConfigTable } from '../config-engine/table.js';
import { LOG_LEVELS } from '../log/levels.js';
import { AddressError, parseHostPort as parseAddress } from '../net/address.js';
import * as jd from './config-jd.js';
import * as payouts from './config-payouts.js';

/**
 * pool.yaml: the one file that configures `ckb-pool serve`. One row per field (its kind,
 * bounds, default and documentation) on the config engine, so the loader, the type, the error
 * messages and docs/pool-config.md all come from the same table. A new field is one more row.
 */

export type { Chain } from '../ckb/chain.js';

/** `accounts.mode`: which worker names shares are credited to (account-policy.ts). */
export const ACCOUNTS_MODES = ['address', 'registered', 'any'] as const;
export type AccountsMode = (typeof ACCOUNTS_MODES)[number];
export { ConfigError } from '../config-engine/errors.js';

export const POOL_CONFIG_TABLE = ConfigTable.create()
  .field('chain', oneOf(CHAINS), {
    doc: 'Which chain the node runs. Decides the PoW function: mainnet and dev use Eaglesong, testnet adds a ckbhash over the Eaglesong output.',
  })
  .field('instances', int(1, 64, { auto: true }), {
    default: 1,
    doc: 'Acceptor processes sharing the SV2 port on this host (`auto` = one per core). 1 is one process; more fork instances that each validate the shares of their own connections, while the first process keeps the node subscription, the ledger, block submission, the API, the web page and /metrics (docs/architecture.md "Instances"). Connection and channel limits (`limits.*`) apply per instance.',
  })
  .field('node.rpcUrl', httpUrl(), {
    doc: 'HTTP JSON-RPC URL of the CKB node (Miner and Chain modules enabled, `[block_assembler]` configured). Keep it private: anyone who reaches it can submit blocks.',
  })
  .field('node.rpcTimeoutMs', int(100, 600_000), {
    default: 10_000,
    doc: 'Timeout of one RPC call to the node, in milliseconds.',
  })
  .nullable('node.subscribeAddress', hostPort(), {
    doc: "host:port of the node's TCP subscription endpoint (`rpc.tcp_listen_address`, usually 127.0.0.1:18114). The pool subscribes to `new_tip_header` there so a new tip reaches miners at once. Unset: rely on notify and polling.",
  })
  .nullable('node.notifyListen', hostPort(), {
    doc: 'host:port on which the pool accepts the node\'s block-assembler `notify` HTTP POSTs (the node\'s `[block_assembler] notify = ["http://HOST:PORT"]`). Bind it to loopback or a network only the node shares, and set `node.notifySecretFile`: anyone who can POST there can feed templates (`node.payoutLock` refuses those that pay another lock). Unset: no notify listener.',
  })
  .nullable('node.notifySecretFile', text('path'), {
    isPath: true,
    doc: 'File holding the secret the node must put in the notify URL path (`notify = ["http://HOST:PORT/SECRET"]`); POSTs to any other path are refused with 403. At least 32 characters of A-Z a-z 0-9 _ -. Unset: any POST to the listener is taken.',
  })
  .nullable('node.payoutLock.codeHash', hex(32), {
    doc: 'code_hash of the lock every block template must pay to: the node\'s `[block_assembler] code_hash`. With `hashType` and `args` set, a template whose cellbase names another lock (a misconfigured node, or a forged notify) is refused, logged and counted in `ckb_pool_templates_refused_total{reason="payout_lock"}`. Unset (all three): not checked.',
  })
  .nullable('node.payoutLock.hashType', oneOf(['data', 'type', 'data1', 'data2'] as const), {
    doc: 'hash_type of that lock (`[block_assembler] hash_type`, `type` for the default secp256k1-blake160 lock).',
  })
  .nullable('node.payoutLock.args', hex(), {
    doc: 'args of that lock (`[block_assembler] args`, 0x + 40 hex characters for secp256k1-blake160).',
  })
  .field('node.pollIntervalMs', int(100, 600_000), {
    default: 1_000,
    doc: 'Interval of the `get_block_template` polling fallback, in milliseconds. Polling always runs; pushes only make updates faster.',
  })
  .field('sv2.listen', hostPort(), {
    default: '0.0.0.0:3336',
    doc: 'host:port of the Stratum V2 (Noise-encrypted) listener that miners and proxies connect to. Port 0 picks a free port (tests).',
  })
  .field('sv2.authorityKeyFile', text('path'), {
    isPath: true,
    doc: "File with the pool authority secret key (as written by `ckb-pool keys generate`; mode 0600). Relative paths are resolved against the config file's folder. Miners pin the matching public key in the pool URL.",
  })
  .field('sv2.certificateValiditySeconds', int(60, 365 * 86_400), {
    default: 86_400,
    doc: 'Lifetime of the Noise certificate the pool signs for its static key at start (valid_from is back-dated by 60 s for clock skew), at most one year. The pool re-signs it (same static key) when a tenth of the lifetime is left, so short lifetimes are fine and a long-running pool never presents an expired one.',
  })
  .field('sv2.instanceId', int(0, 255), {
    default: 0,
    doc: 'Pool host id: byte 0 of every extranonce_prefix. Give every pool host that mines for the same payout a different id so their nonce spaces never overlap; the `instances` of one host split the channel index below it (docs/protocol.md §3).',
  })
  .field('sv2.maxChannelsPerConnection', int(1, 1_000_000), {
    default: 10_000,
    doc: 'Most mining channels one connection may hold open (a proxy opens one per downstream device).',
  })
  .field('jobs.maxPastJobs', int(1, 64), {
    default: 8,
    doc: 'How many jobs of the current tip stay valid, so late shares on a replaced (non-clean) job still count. Jobs of an earlier tip are always stale.',
  })
  .field('jobs.minUpdateIntervalMs', int(0, 600_000), {
    default: 5_000,
    doc: 'Least time between two non-clean jobs (template changed, same tip). A new tip is always sent at once.',
  })
  .field('vardiff.targetShareIntervalSeconds', num(0.01, 3600), {
    default: 10,
    doc: 'Average time between accepted shares that vardiff aims for on each channel.',
  })
  .field('vardiff.minDifficulty', num(1, 1e30), {
    default: 1_000_000,
    doc: 'Lowest share difficulty (CKB difficulty = 2^256 / target, i.e. expected hashes per share).',
  })
  .field('vardiff.maxDifficulty', num(1, 1e30), {
    default: 1e18,
    doc: 'Highest share difficulty. A share target is also never harder than the network target.',
  })
  .field('vardiff.initialDifficulty', num(1, 1e30), {
    default: 1e9,
    doc: "Difficulty of a new channel whose nominal_hash_rate is 0 (otherwise nominal_hash_rate × target interval is used), bounded by min/max and by the client's max_target.",
  })
  .field('vardiff.retargetPeriodSeconds', num(1, 86_400), {
    default: 60,
    doc: "How often vardiff weighs a channel's share-rate evidence (its accepted shares over the last ~10 periods, kept across retargets) and retargets when the evidence is strong enough. A channel ≥ 2× off on strong evidence (a burst of shares) is retargeted at once.",
  })
  .field('vardiff.tolerancePercent', num(0, 1000), {
    default: 25,
    doc: "A channel whose estimated hashrate is within this many percent of its difficulty's is not retargeted (avoids SetTarget churn); beyond it, only once the shares are evidence enough.",
  })
  .field('shares.batchMaxCount', int(1, 100_000), {
    default: 10,
    doc: 'SubmitShares.Success is sent after at most this many accepted shares of a channel…',
  })
  .field('shares.batchMaxDelayMs', int(0, 60_000), {
    default: 1_000,
    doc: '…or at most this many milliseconds after the first unacknowledged accepted share, whichever comes first. A share that finds a block, and any error, flush the batch at once.',
  })
  .field('shares.maxDuplicateEntriesPerJob', int(1_000, 100_000_000), {
    default: 2_000_000,
    doc: 'Memory bound of duplicate detection: accepted nonces remembered per job (about 100 bytes each). When a job is full, further shares on it are answered stale-share (never double-counted); a new job is sent on the next template update.',
  })
  .field('ledger.path', text('path'), {
    default: 'pool-ledger.sqlite',
    isPath: true,
    doc: "SQLite file of the ledger (WAL mode): shares, workers, found blocks, PPLNS splits. Relative to the config file's folder. `:memory:` keeps it in memory (development only: nothing survives a restart).",
  })
  .nullable('ledger.url', urlOf(['postgres:', 'postgresql:'], true), {
    doc: 'PostgreSQL ledger (`postgres://USER@HOST:5432/DB`, node-postgres connection string; `?sslmode=require` for TLS) instead of the SQLite file at `ledger.path`, so several pool hosts share one ledger. The schema is created and migrated on start (once, however many hosts start together). No password in the URL: use `ledger.passwordFile`.',
  })
  .nullable('ledger.passwordFile', text('path'), {
    isPath: true,
    doc: "File holding the PostgreSQL password of `ledger.url` (first line; mode 0600). Relative to the config file's folder. Never logged nor printed.",
  })
  .field('ledger.flushIntervalMs', int(10, 60_000), {
    default: 1_000,
    doc: 'Accepted shares are written in one transaction per interval. A crash loses at most the shares of the last interval; found blocks are written before submission, never batched.',
  })
  .field('ledger.shareRetentionHours', num(1, 100_000), {
    default: 168,
    doc: 'Individual shares older than this are deleted (hourly). Worker totals, found blocks and their PPLNS splits are kept for ever. Keep it well above the PPLNS window (the time the pool needs to submit windowFactor × network difficulty: minutes for a large pool, days for a small one). Disk: about 60 bytes per share, i.e. shares/s × 3600 × hours × 60 B.',
  })
  .field('api.listen', hostPort(), {
    default: '127.0.0.1:9100',
    doc: 'host:port of the HTTP API and Prometheus /metrics. Keep it private (admin network or loopback).',
  })
  .field('api.maxConnections', int(1, 100_000), {
    default: DEFAULT_API_LIMITS.maxConnections,
    doc: 'Open HTTP API connections at once (scrapers, dashboards, operators); more are refused at accept.',
  })
  .field('api.headersTimeoutMs', int(100, 600_000), {
    default: DEFAULT_API_LIMITS.headersTimeoutMs,
    doc: 'Time a client has to send the request headers, in milliseconds (slow-header clients are cut off).',
  })
  .field('api.requestTimeoutMs', int(100, 600_000), {
    default: DEFAULT_API_LIMITS.requestTimeoutMs,
    doc: 'Time a client has to send the whole request, in milliseconds.',
  })
  .field('api.keepAliveTimeoutMs', int(100, 600_000), {
    default: DEFAULT_API_LIMITS.keepAliveTimeoutMs,
    doc: 'How long an idle keep-alive connection stays open, in milliseconds.',
  })
  .field('api.maxRequestsPerSocket', int(1, 1_000_000), {
    default: DEFAULT_API_LIMITS.maxRequestsPerSocket,
    doc: 'Requests served on one keep-alive connection before it is closed.',
  })
  .field('api.socketTimeoutMs', int(1_000, 3_600_000), {
    default: DEFAULT_API_LIMITS.socketTimeoutMs,
    doc: 'A connection with no traffic for this long (e.g. a client that stopped reading its answer) is closed, in milliseconds.',
  })
  .field('api.maxResponseBytes', int(65_536, 268_435_456), {
    default: DEFAULT_API_LIMITS.maxResponseBytes,
    doc: 'Largest JSON answer the API sends; lists are paged (`?limit=`, at most 500 workers or 100 blocks a page) so this is a last guard.',
  })
  // ---- web: the miners' public page ----
  .nullable('web.listen', hostPort(), {
    doc: "host:port of the miners' public web page (the pool overview at `/`, one page per address at `/miners/ADDRESS`, and the public part of the JSON API). Unset: no web page. Unlike `api.listen` it is meant to face the Internet: read-only, rate-limited per client, no metrics, no node details, no miner IPs.",
  })
  .nullable('web.sv2Url', urlOf(['stratum2+tcp:']), {
    doc: 'The Stratum V2 URL the page tells miners to use (`stratum2+tcp://HOST:PORT/AUTHORITY_KEY`). Unset: built from the host name the visitor used and the port of `sv2.listen`.',
  })
  .nullable('web.v1Url', urlOf(['stratum+tcp:']), {
    doc: 'The Stratum V1 URL (the translator) the page shows for ASIC and GPU miners. Unset: built from `web.v1Port` when that is set, else the page says V1 is not offered.',
  })
  .nullable('web.v1Port', int(1, 65_535), {
    doc: 'Port of a translator on the same host name as the pool (as in the deployer’s bundle, whose public address is not known when pool.yaml is written): the page shows `stratum+tcp://HOST:PORT` with the host name its visitor used. Ignored when `web.v1Url` is set.',
  })
  .field('web.requestsPerSecond', int(1, 10_000), {
    default: 10,
    doc: 'Requests per second one client address may make to the web page, after a burst of `web.requestBurst`; more get 429.',
  })
  .field('web.requestBurst', int(1, 100_000), {
    default: 40,
    doc: 'Requests one client address may make at once before `web.requestsPerSecond` applies.',
  })
  // ---- jd: the Job Declarator Server (config-jd.ts) ----
  .nullable(...jd.JD_LISTEN)
  .field(...jd.JD_PARENT_WAIT_MS)
  .field(...jd.JD_TOKEN_TTL_SEC)
  .field(...jd.JD_MAX_TOKENS_PER_CONNECTION)
  .field(...jd.JD_MISSING_TX_TIMEOUT_MS)
  .field(...jd.JD_MAX_CONNECTIONS)
  .field(...jd.JD_MAX_CONNECTIONS_PER_IP)
  .field('limits.maxConnections', int(1, 10_000_000), {
    default: 50_000,
    doc: 'Most open SV2 connections in total; further ones are closed at once.',
  })
  .field('limits.maxConnectionsPerIp', int(1, 10_000_000), {
    default: 500,
    doc: 'Most open SV2 connections from one IP address (farms behind NAT need a few hundred).',
  })
  .field('limits.maxChannels', int(1, 10_000_000), {
    default: 100_000,
    doc: 'Most mining channels open in the whole pool (about 2.5 KB of memory each: the default bounds them to ~250 MB). A further OpenMiningChannel is answered `channel-capacity-exhausted` (reason `channels_total`).',
  })
  .field('limits.maxChannelsPerIp', int(1, 10_000_000), {
    default: 20_000,
    doc: 'Most mining channels open from one IP address over all its connections (two full proxies at `sv2.maxChannelsPerConnection`). A further open is answered `channel-capacity-exhausted` (reason `channels_per_ip`).',
  })
  .field('limits.maxWorkerNamesPerConnection', int(1, 10_000_000), {
    default: 20_000,
    doc: 'Most distinct worker names one connection may use at a time: channel user identities and the names extension 0x0002 TLVs credit shares to. A channel with a further name is refused `too-many-worker-names`; a share whose TLV names a further worker is credited to its channel (reason `worker_names_per_connection`). An aggregating translator with more miners than this needs it raised.',
  })
  .field('limits.maxWorkerNamesPerIp', int(1, 10_000_000), {
    default: 40_000,
    doc: 'Most worker names in use from one IP address, summed over its connections (reason `worker_names_per_ip`; answered as for the per-connection limit).',
  })
  .field('limits.maxDeclaredWorkersPerChannel', int(0, 1_000_000), {
    default: 65_536,
    doc: 'Most workers one channel may declare with the 0x4CCB `DeclareWorker` message (docs/extensions/0x4CCB.md §3.4), the long-name carrier a translator uses for V1 miners named `<address>.<worker>`; a further declaration is answered `too-many-declared-workers`. The default is the most miners an aggregating translator puts on one channel. Declared names also count against `limits.maxWorkerNamesPerConnection`. 0 = declarations refused.',
  })
  .field('limits.handshakeTimeoutMs', int(100, 600_000), {
    default: 10_000,
    doc: 'Time a new connection has to complete the Noise handshake and SetupConnection.',
  })
  .field('limits.idleTimeoutMs', int(1_000, 86_400_000), {
    default: 900_000,
    doc: 'A connection that sends nothing for this long is closed (a miner submits shares every few seconds).',
  })
  .field('limits.maxFrameBytes', int(1_024, 16_777_215), {
    default: 16_384,
    doc: "Largest accepted SV2 frame payload; a larger frame closes the connection (reason `frame`). It is also what one connection's partly received frame can hold: memory for a frame grows with the bytes received, not with the length its header announces. A client's largest message (SetupConnection with every string at its 255-byte maximum) is about 1.3 KB.",
  })
  .field('limits.frameTimeoutMs', int(100, 3_600_000), {
    default: 30_000,
    doc: 'A frame whose first byte has arrived must be complete within this time, else the connection is closed (reason `frame_timeout`): a peer cannot hold a connection and a buffer by trickling bytes. Only complete frames count as activity for `limits.idleTimeoutMs`.',
  })
  .field('limits.maxPendingFrameBytes', int(65_536, 17_179_869_184), {
    default: 67_108_864,
    doc: 'Bytes of partly received frames held over all connections (64 MiB). While the total is above it, a connection whose partial frame grows is closed (reason `frame_memory`); connections that send whole frames are not affected.',
  })
  .field('limits.maxMessagesPerSecond', int(0, 10_000_000), {
    default: 2_000,
    doc: 'Sustained rate of SV2 messages one connection may send (token bucket refilled at this rate, holding `limits.maxMessageBurst`); a connection that runs the bucket dry is closed (reason `rate-limit`); no other connection is affected. 0 = unlimited. The default is twice what the largest honest client sends: a proxy with `sv2.maxChannelsPerConnection` (10,000) channels at the vardiff share interval (10 s) submits 1,000 shares/s, plus UpdateChannel and the short bursts before vardiff catches up with a new channel. A flooding connection then costs the pool about a tenth of a core (it validates > 20,000 shares per CPU-second).',
  })
  .field('limits.maxMessageBurst', int(1, 10_000_000), {
    default: 20_000,
    doc: 'Messages a connection may send at once before `limits.maxMessagesPerSecond` applies (the bucket size; a new connection starts with a full bucket). Keep it at least `sv2.maxChannelsPerConnection`: a proxy that reconnects (e.g. after the pool restarts) reopens all its channels at once, and the default leaves room for their first shares too. The pool warns at start when it is smaller.',
  })
  .field('limits.maxMessagesPerSecondPerIp', int(0, 10_000_000), {
    default: 5_000,
    doc: 'Sustained rate of SV2 messages from one IP address over all its connections (one token bucket per IP, holding `limits.maxMessageBurstPerIp`). The connection that runs it dry is closed (reason `messages_per_ip`), so many connections cannot add up to a flood the per-connection limit would stop. 0 = unlimited.',
  })
  .field('limits.maxMessageBurstPerIp', int(1, 10_000_000), {
    default: 40_000,
    doc: 'Messages one IP address may send at once over all its connections before `limits.maxMessagesPerSecondPerIp` applies (room for two proxies reopening all their channels).',
  })
  .field('pplns.windowFactor', num(0.01, 1_000), {
    default: 2,
    doc: 'PPLNS window N = windowFactor × network difficulty of the found block, in share difficulty. The reward of a block is split over the last N accepted difficulty, in proportion.',
  })
  .field('log.level', oneOf(LOG_LEVELS), {
    default: 'info',
    doc: 'Log level of the JSON (pino) logs on stdout.',
  })
  .field('accounts.mode', oneOf(ACCOUNTS_MODES), {
    default: 'address',
    doc: "Which worker names shares are credited to. `address`: a name must start with a CKB address of the pool's chain (`<address>[.<worker>]`); a 0x4CCB worker declaration under another name is refused `not-an-address` (a V1 miner hears it at `mining.authorize`), and so is every share credited to such a name (an SV2 channel opened under one, e.g. a proxy's, may still carry shares of declared workers). `registered`: a name, or its part before the first '.', must be registered with `ckb-pool accounts register <name> <address>` (a ledger table); its shares are credited to `<address>[.<worker>]`, others are refused `unregistered-name` the same way; a pool picks up a registration within 5 seconds. `any`: every name is credited as it is; names that are not addresses are never paid (payouts skip them).",
  })
  // ── payouts (config-payouts.ts) ──
  .field(...payouts.PAYOUTS_ENABLED)
  .field(...payouts.PAYOUTS_THRESHOLD)
  .field(...payouts.PAYOUTS_FEE_PERCENT)
  .nullable(...payouts.PAYOUTS_OPERATOR_ADDRESS)
  .nullable(...payouts.PAYOUTS_WALLET_KEY_FILE)
  .field(...payouts.PAYOUTS_MAX_FEE_RATE)
  .field(...payouts.PAYOUTS_CONFIRMATIONS)
  .field(...payouts.PAYOUTS_RECHECK_DEPTH)
  .field(...payouts.PAYOUTS_INTERVAL_MINUTES)
  .rule((c) => {
    const p = c.payouts;
    if (!p?.enabled) return [];
    // Whether it is an address of the chain is checked when payouts start (CCC is not loaded here).
    return [
      ...(p.walletKeyFile == null
        ? [{ path: 'payouts.walletKeyFile', message: 'is required when payouts are enabled' }]
        : []),
      ...(p.operatorAddress == null
        ? [{ path: 'payouts.operatorAddress', message: 'is required when payouts are enabled' }]
        : []),
    ];
  })
  // ── end payouts ──
  .rule((c) =>
    c.vardiff?.minDifficulty !== undefined &&
    c.vardiff.maxDifficulty !== undefined &&
    c.vardiff.minDifficulty > c.vardiff.maxDifficulty
      ? [{ path: 'vardiff.minDifficulty', message: 'is larger than vardiff.maxDifficulty' }]
      : [],
  )
  .rule((c) => {
    if (c.jd?.listen == null) return [];
    return [
      ...(c.node?.payoutLock?.codeHash == null
        ? [{ path: 'jd.listen', message: 'needs node.payoutLock: declared blocks must pay the pool lock' }]
        : []),
      // Declared jobs live in the process that accepted them; instances are other processes.
      ...((c.instances ?? 1) !== 1 ? [{ path: 'jd.listen', message: 'needs instances: 1' }] : []),
    ];
  })
  .rule((c) => {
    const lock = c.node?.payoutLock ?? {};
    const set = [lock.codeHash, lock.hashType, lock.args].filter((v) => v !== null && v !== undefined).length;
    return set !== 0 && set !== 3
      ? [{ path: 'node.payoutLock', message: 'set codeHash, hashType and args together (or none of them)' }]
      : [];
  })
  .rule((c) => [
    ...notAbove(
      c.limits?.maxConnectionsPerIp,
      c.limits?.maxConnections,
      'limits.maxConnectionsPerIp',
      'limits.maxConnections',
    ),
    ...notAbove(
      c.limits?.maxChannelsPerIp,
      c.limits?.maxChannels,
      'limits.maxChannelsPerIp',
      'limits.maxChannels',
    ),
    ...notAbove(
      c.limits?.maxWorkerNamesPerConnection,
      c.limits?.maxWorkerNamesPerIp,
      'limits.maxWorkerNamesPerConnection',
      'limits.maxWorkerNamesPerIp',
    ),
  ]);

/**
 * A URL of one of `protocols`. With `noPassword` a password in it is refused: the effective
 * config is printed (`serve --check`) and logged, so secrets live in files.
 */
function urlOf(protocols: readonly string[], noPassword = false): Kind<string> {
  const want = protocols.map((p) => `${p}//`).join(' or ');
  return checked(`${want} URL`, (s) => {
    let u: URL;
    try {
      u = new URL(s);
    } catch {
      throw new Error(`not a URL: '${s}'`);
    }
    if (!protocols.includes(u.protocol)) throw new Error(`expected a ${want} URL, got '${u.protocol}//…'`);
    if (noPassword && u.password !== '')
      throw new Error('the URL holds a password: put it in a file and name that file instead');
  });
}

/** A per-peer limit may not exceed the limit it is a part of. */
function notAbove(part: number | undefined, whole: number | undefined, partPath: string, wholePath: string) {
  return part !== undefined && whole !== undefined && part > whole
    ? [{ path: partPath, message: `is larger than ${wholePath}` }]
    : [];
}

export type PoolConfig = ConfigOf<typeof POOL_CONFIG_TABLE>;

/** The rows of pool.yaml, in file order. */
export const CONFIG_FIELDS = POOL_CONFIG_TABLE.fields;

/** Splits `host:port` (net/address.ts); throws a ConfigError naming `field`. */
export function parseHostPort(value: string, field = 'address'): { host: string; port: number } {
  try {
    return parseAddress(value, field);
  } catch (err) {
    if (err instanceof AddressError) throw new ConfigError([{ path: err.field, message: err.reason }]);
    throw err;
  }
}

/**
 * Validates a parsed YAML document and fills defaults. `baseDir` resolves relative paths (the
 * config file's folder). Throws a ConfigError naming every bad field.
 */
export function parseConfig(doc: unknown, baseDir = process.cwd(), source?: string): PoolConfig {
  return POOL_CONFIG_TABLE.parse(doc, {
    ...(source !== undefined && { source }),
    docs: 'docs/pool-config.md',
    resolvePath: (p) => (p === ':memory:' || isAbsolute(p) ? p : resolve(baseDir, p)),
  });
}

/** Reads and validates pool.yaml. */
export function loadPoolConfig(file: string): PoolConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError([{ path: '(file)', message: `cannot read it: ${(err as Error).message}` }], file);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new ConfigError([{ path: '(file)', message: `not valid YAML: ${(err as Error).message}` }], file);
  }
  return parseConfig(doc, dirname(resolve(file)), file);
}

/** The field reference table of docs/pool-config.md, generated from the table. */
export function configReferenceMarkdown(): string {
  return referenceTable(CONFIG_FIELDS);
}
