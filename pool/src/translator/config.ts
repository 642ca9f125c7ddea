import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { CHAINS } from '../ckb/chain.js';
import { referenceTable } from '../config-engine/docs.js';
import { ConfigError } from '../config-engine/errors.js';
import {
  checked,
  hostPort,
  int,
  type Kind,
  KindError,
  list,
  num,
  oneOf,
  str,
} from '../config-engine/kinds.js';
import { type ConfigOf, ConfigTable } from '../config-engine/table.js';
import { LOG_LEVELS } from '../log/levels.js';
import { FAILBACK_DEFAULTS, type FailbackSettings } from '../sv2/client/failback.js';
import { parsePoolUrl } from '../sv2/noise/keys.js';
// ── V1 dialects (docs/miners.md): the field of dialect-config.ts ──
import { parseDialectPorts } from './dialect-config.js';
import type { TranslatorLimits } from './limits.js';
import { MINER_VARDIFF_DEFAULTS, type MinerVardiffSettings } from './miner-vardiff.js';
import type { DialectPort } from './types.js';

/**
 * translator.yaml for `ckb-pool translate --config FILE` (what the deploy bundle writes):
 *
 *   chain: mainnet            # PoW of the local share check (testnet adds a ckbhash)
 *   v1: { listen: 0.0.0.0:3333, maxLineBytes: 16384, maxConnections: 10000 }   # and the
 *       # per-miner limits: maxConnectionsPerIp, idleTimeoutMs, maxAuthorizes, …
 *       # and per-miner vardiff: vardiff: { startDifficulty, targetShareIntervalSeconds, … }
 *   upstream:
 *     url: stratum2+tcp://pool:3334/AUTHORITY   # or a list: tried in order (failover)
 *     mode: per-worker                         # or aggregated
 *     userIdentity: translator
 *     failback: { probeIntervalMs: 30000, healthyProbes: 2 }   # back to the first URL; false = off
 *   metrics: { listen: 127.0.0.1:9101 }        # /metrics and /health; null = off
 *   log: { level: info }
 *
 * One row per field on the config engine; the limits rows are documented in docs/pool-config.md.
 */

const MODES = ['per-worker', 'aggregated'] as const;

/** An SV2 pool URL with the authority key miners pin (`stratum2+tcp://HOST:PORT/KEY`). */
const poolUrl = (): Kind<string> => checked('pool URL', (s) => void parsePoolUrl(s));

/**
 * `upstream.failback`: a mapping (defaults for what it leaves out), or false for none; a probe
 * interval of 0 also turns it off.
 */
function failback(): Kind<FailbackSettings | false> {
  const probeIntervalMs = int(0, 86_400_000);
  const healthyProbes = int(1, 1_000);
  const at = (sub: string, parse: () => number): number => {
    try {
      return parse();
    } catch (e) {
      if (e instanceof KindError) throw new KindError(e.message, sub);
      throw e;
    }
  };
  const parse = (raw: unknown): FailbackSettings | false => {
    if (raw === false) return false;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
      throw new KindError(`expected false or a mapping, got ${JSON.stringify(raw)}`);
    const m = raw as Record<string, unknown>;
    for (const k of Object.keys(m))
      if (k !== 'probeIntervalMs' && k !== 'healthyProbes') throw new KindError('unknown field', k);
    const settings = {
      probeIntervalMs: at('probeIntervalMs', () =>
        probeIntervalMs.parse(m.probeIntervalMs ?? FAILBACK_DEFAULTS.probeIntervalMs),
      ),
      healthyProbes: at('healthyProbes', () =>
        healthyProbes.parse(m.healthyProbes ?? FAILBACK_DEFAULTS.healthyProbes),
      ),
    };
    return settings.probeIntervalMs === 0 ? false : settings;
  };
  return { describe: '`false` or {probeIntervalMs, healthyProbes}', parse, fromFlag: (raw) => parse(raw) };
}

/** `v1.dialectPorts`: a list of `{ listen, dialect }` (dialect-config.ts checks each entry). */
function dialectPortsKind(): Kind<DialectPort[]> {
  const parse = (raw: unknown): DialectPort[] =>
    parseDialectPorts(raw, 'item', (m) => new KindError(m)) ?? [];
  return {
    describe: 'list of `{listen, dialect}`',
    list: true,
    parse,
    fromFlag: () => {
      throw new KindError('set v1.dialectPorts in translator.yaml');
    },
  };
}

export const TRANSLATOR_CONFIG_TABLE = ConfigTable.create()
  .field('chain', oneOf(CHAINS), {
    default: 'mainnet',
    doc: 'Chain of the pool: the PoW of the local share check (testnet adds a ckbhash over the Eaglesong output).',
  })
  .field('v1.listen', hostPort(), {
    default: '0.0.0.0:3333',
    doc: 'host:port of the Stratum V1 listener miners connect to.',
  })
  .field('v1.maxLineBytes', int(256, 1 << 20), {
    default: 16_384,
    doc: 'Longest JSON line a miner may send; a longer one closes it (reason `line_too_long`).',
  })
  .field('v1.maxConnections', int(1, 1_000_000), {
    default: 10_000,
    doc: 'Open V1 connections in total; a further miner gets an error line and is closed (reason `total`).',
  })
  .field('v1.maxConnectionsPerIp', int(1, 1_000_000), {
    default: 1_000,
    doc: 'Open V1 connections from one IP address (a farm behind NAT needs one per device); a further one gets an error line and is closed (reason `per_ip`).',
  })
  .field('v1.idleTimeoutMs', int(1_000, 86_400_000), {
    default: 300_000,
    doc: 'A miner that sends no complete line for this long is closed (reason `idle`); a mining miner submits every few seconds. Before `mining.subscribe` the shorter 60 s subscribe deadline applies (reason `subscribe_timeout`).',
  })
  .field('v1.maxAuthorizes', int(1, 1_000_000), {
    default: 16,
    doc: '`mining.authorize` requests one connection may send; one more is answered with an error and closes it (reason `authorize_churn`). Only the first authorize moves a miner to a channel under its name: later names are declared on its channel (0x4CCB DeclareWorker, else 0x0002 TLVs), so authorizes never open or close pool channels.',
  })
  .field('v1.maxMessagesPerSecond', int(1, 1_000_000), {
    default: 50,
    doc: "Requests one miner may send per second, sustained (a token bucket holding `v1.maxMessageBurst`); the miner that empties it is closed (reason `messages`) and no other notices. Far below the pool's 2,000 per connection, which every miner behind the translator shares.",
  })
  .field('v1.maxMessageBurst', int(1, 1_000_000), {
    default: 1_000,
    doc: "Requests one miner may send at once before `v1.maxMessagesPerSecond` applies: room for a fast device's shares at its first, too easy target until the pool's vardiff raises it.",
  })
  // ── per-miner vardiff (miner-vardiff.ts; a K7 never suggests a difficulty) ──
  .field('v1.vardiff.startDifficulty', num(1, 1e30), {
    default: MINER_VARDIFF_DEFAULTS.startDifficulty,
    defaultDoc: '2^34 (≈ 1.7e10, a GPU at a share per 10 s)',
    doc: "The guess at a miner's difficulty when it asks for nothing (`mining.suggest_target`, or `mining.suggest_difficulty` where its dialect honours one) and its dialect declares no hashrate (a dialect that does — Antminer K7 2^44 H/s, Goldshell 2^40 H/s — is guessed at that × `v1.vardiff.targetShareIntervalSeconds`). The miner starts `v1.vardiff.guessMargin` times easier (2^30 by default), rounded to a power of two, as every miner target is.",
  })
  .field('v1.vardiff.minDifficulty', num(1, 1e30), {
    default: MINER_VARDIFF_DEFAULTS.minDifficulty,
    defaultDoc: '2^20',
    doc: "Easiest target a miner is given (CKB difficulty, 2^256 / target). Shares that meet the miner's target but not its pool channel's are answered `true` here and not forwarded.",
  })
  .field('v1.vardiff.maxDifficulty', num(1, 1e30), {
    default: MINER_VARDIFF_DEFAULTS.maxDifficulty,
    defaultDoc: '2^60',
    doc: 'Hardest target a miner is given; never harder than a block of its job either.',
  })
  .field('v1.vardiff.targetShareIntervalSeconds', num(0.01, 3600), {
    default: MINER_VARDIFF_DEFAULTS.targetShareIntervalSeconds,
    doc: "Seconds between shares each miner is aimed at (keep it equal to the pool's `vardiff.targetShareIntervalSeconds`, so a per-worker channel and its miner agree).",
  })
  .field('v1.vardiff.retargetPeriodSeconds', num(0.1, 86_400), {
    default: MINER_VARDIFF_DEFAULTS.retargetPeriodSeconds,
    doc: "How often each miner's vardiff weighs its share-rate evidence (the last ~10 periods, kept across retargets); a miner moves only when another power of two explains its shares far better than its own (at the 10 s default, ~6 shares a period are not enough on their own). Earlier only for a miner ≥ 2× off on strong evidence (a fresh miner far too easy climbs within seconds), and in a miner's first two periods for one that is too hard, on the evidence a period's end would need (its silence). A new target goes out with the miner's next job. Also the shortest time between two UpdateChannel messages for one channel.",
  })
  .field('v1.vardiff.maxStep', int(2, 1024), {
    default: MINER_VARDIFF_DEFAULTS.maxStep,
    doc: "Largest factor one retarget changes a miner's difficulty by (rounded to a power of two).",
  })
  .field('v1.vardiff.guessMargin', int(1, 1024), {
    default: MINER_VARDIFF_DEFAULTS.guessMargin,
    doc: "How many times easier than a guess a miner starts when it asks for nothing: its dialect's declared hashrate × `v1.vardiff.targetShareIntervalSeconds`, or `v1.vardiff.startDifficulty` (either taken as at most `v1.vardiff.maxDifficulty`). A miner faster than its start climbs ×`maxStep` with each job, within seconds; one slower has only silence to show it, which at a share per 10 s takes minutes. `1` starts at the guess.",
  })
  .field('v1.vardiff.measureSeconds', num(0, 3600), {
    default: MINER_VARDIFF_DEFAULTS.measureSeconds,
    doc: 'How long a fresh miner is measured before it settles at its aim: meanwhile it aims at `v1.vardiff.measureRate` shares per aimed share, so its power of two is chosen from that many times the shares. At a share per 10 s, two minutes hold ~12 shares, too few to tell a miner just under 2× its aim from one just over; measured first, one miner in a fleet of 50 is over 2× off two minutes in in ~0.1 % of runs instead of ~15 %. It settles over the next one or two jobs (`v1.vardiff.maxStep` at a time). `0` settles at once.',
  })
  .field('v1.vardiff.measureRate', int(1, 256), {
    default: MINER_VARDIFF_DEFAULTS.measureRate,
    doc: "How many times the aimed share rate a fresh miner sends while it is measured (rounded to a power of two). Costs shares, not rejects: 8 is ~100 shares in a miner's first two minutes instead of ~20 at a share per 10 s.",
  })
  .optional('upstreams', list(poolUrl(), 'list of pool URLs'), {
    doc: 'The older spelling of `upstream.url`, at the top level.',
  })
  .optional('upstream.url', list(poolUrl(), 'pool URL or list of them'), {
    requiredWhen: (c) => c.upstreams === undefined,
    doc: 'The pool: `stratum2+tcp://HOST:PORT/AUTHORITY_PUBKEY`, or a list tried in order (failover).',
  })
  .field('upstream.mode', oneOf(MODES), {
    default: 'per-worker',
    doc: 'per-worker: one pool channel per miner, credited under its own name; aggregated: one channel for all miners.',
  })
  .field('upstream.userIdentity', str('user identity', /^[\s\S]{1,255}$/, '1..255 characters'), {
    default: 'translator',
    doc: 'The user identity of the aggregated channel (and of miners that authorize with no name).',
  })
  .field('upstream.failback', failback(), {
    default: FAILBACK_DEFAULTS,
    defaultDoc: '`{probeIntervalMs: 30000, healthyProbes: 2}`',
    doc: 'While on a backup URL, probe the more preferred ones every probeIntervalMs and move back after healthyProbes consecutive successes; `false` (or probeIntervalMs 0) stays on the backup.',
  })
  .field('upstream.maxMessagesPerSecond', int(1, 10_000_000), {
    default: 1_500,
    doc: "Shares and channel opens all miners together may send up the pool connection per second (a token bucket holding `upstream.maxMessageBurst`). Beyond it a share is answered here (code 20, `translator busy`) and a subscribe with an error, rather than forwarded (reason `upstream_busy`), so the pool's per-connection rate limit (2,000/s, burst 20,000) never closes the connection every miner shares. Keep both below the pool's `limits.maxMessagesPerSecond` and `limits.maxMessageBurst`. Shares that fail the local checks (target, duplicate) never count: they never leave the translator.",
  })
  .field('upstream.maxMessageBurst', int(1, 10_000_000), {
    default: 15_000,
    doc: 'Shares and channel opens the translator may send at once before `upstream.maxMessagesPerSecond` applies (room for every miner resubscribing after a pool restart).',
  })
  .optional('v1.dialectPorts', dialectPortsKind(), {
    doc: 'Extra V1 ports whose miners all speak one dialect (docs/miners.md): a list of `{ listen: HOST:PORT, dialect: NAME }`, for firmware whose user agent does not say what it is.',
  })
  .nullable('metrics.listen', hostPort(), {
    default: '127.0.0.1:9101',
    doc: 'host:port of /metrics and /health; null turns them off.',
  })
  .field('log.level', oneOf(LOG_LEVELS), {
    default: 'info',
    doc: 'Log level of the JSON (pino) logs on stdout.',
  })
  .rule((c) =>
    c.v1?.vardiff?.minDifficulty !== undefined &&
    c.v1.vardiff.maxDifficulty !== undefined &&
    c.v1.vardiff.minDifficulty > c.v1.vardiff.maxDifficulty
      ? [{ path: 'v1.vardiff.minDifficulty', message: 'is larger than v1.vardiff.maxDifficulty' }]
      : [],
  );

/** translator.yaml as parsed: the type of the table. */
export type TranslatorFile = ConfigOf<typeof TRANSLATOR_CONFIG_TABLE>;

/** What `startTranslator` is given: the file's values, flattened (or set from flags by `translate`). */
export interface TranslatorConfig {
  chain: TranslatorFile['chain'];
  listen: TranslatorFile['v1']['listen'];
  upstreams: string[];
  mode: TranslatorFile['upstream']['mode'];
  userIdentity: TranslatorFile['upstream']['userIdentity'];
  /** Optional so a config built by hand may leave it out (the translator's defaults apply). */
  failback?: TranslatorFile['upstream']['failback'];
  metricsListen: TranslatorFile['metrics']['listen'];
  maxLineBytes: TranslatorFile['v1']['maxLineBytes'];
  maxConnections: TranslatorFile['v1']['maxConnections'];
  /** Per-miner and shared-upstream limits (limits.ts); optional for a config built by hand. */
  limits?: TranslatorLimits;
  logLevel: TranslatorFile['log']['level'];
  // ── V1 dialects (docs/miners.md; dialect-config.ts) ──
  /** `v1.dialectPorts`: extra V1 ports whose miners all speak one dialect. */
  dialectPorts?: DialectPort[] | undefined;
  /** `v1.vardiff`: each miner's own vardiff; optional for a config built by hand. */
  vardiff?: MinerVardiffSettings;
}

/** The rows that bound what miners may cost (limits.ts), documented in docs/pool-config.md. */
const LIMIT_PATHS = [
  'v1.maxConnectionsPerIp',
  'v1.idleTimeoutMs',
  'v1.maxAuthorizes',
  'v1.maxMessagesPerSecond',
  'v1.maxMessageBurst',
  'upstream.maxMessagesPerSecond',
  'upstream.maxMessageBurst',
];

function limitsOf(f: TranslatorFile): TranslatorLimits {
  return {
    maxConnectionsPerIp: f.v1.maxConnectionsPerIp,
    idleTimeoutMs: f.v1.idleTimeoutMs,
    maxAuthorizes: f.v1.maxAuthorizes,
    maxMessagesPerSecond: f.v1.maxMessagesPerSecond,
    maxMessageBurst: f.v1.maxMessageBurst,
    upstreamMessagesPerSecond: f.upstream.maxMessagesPerSecond,
    upstreamMessageBurst: f.upstream.maxMessageBurst,
  };
}

function fromFile(f: TranslatorFile): TranslatorConfig {
  return {
    chain: f.chain,
    listen: f.v1.listen,
    upstreams: f.upstream.url ?? f.upstreams ?? [],
    mode: f.upstream.mode,
    userIdentity: f.upstream.userIdentity,
    failback: f.upstream.failback,
    metricsListen: f.metrics.listen,
    maxLineBytes: f.v1.maxLineBytes,
    maxConnections: f.v1.maxConnections,
    limits: limitsOf(f),
    vardiff: { ...f.v1.vardiff },
    logLevel: f.log.level,
    ...(f.v1.dialectPorts !== undefined ? { dialectPorts: f.v1.dialectPorts } : {}),
  };
}

/** Validates a parsed translator.yaml and fills defaults; throws a ConfigError naming every bad field. */
export function parseTranslatorConfig(doc: unknown, source?: string): TranslatorConfig {
  return fromFile(
    TRANSLATOR_CONFIG_TABLE.parse(doc, {
      ...(source !== undefined && { source }),
      docs: 'docs/pool-config.md',
    }),
  );
}

// The file that names no pool: every default.
const DEFAULT_FILE = TRANSLATOR_CONFIG_TABLE.parse({ upstreams: [] });
export const TRANSLATOR_DEFAULTS: TranslatorConfig = fromFile(DEFAULT_FILE);
export const TRANSLATOR_LIMIT_DEFAULTS: TranslatorLimits = limitsOf(DEFAULT_FILE);

/** The limits rows, for the translator section of docs/pool-config.md. */
export function translatorLimitsMarkdown(): string {
  return referenceTable(TRANSLATOR_CONFIG_TABLE.fields.filter((f) => LIMIT_PATHS.includes(f.path)));
}

/** The per-miner vardiff rows (`v1.vardiff.*`), for docs/miners.md. */
export function translatorVardiffMarkdown(): string {
  return referenceTable(TRANSLATOR_CONFIG_TABLE.fields.filter((f) => f.path.startsWith('v1.vardiff.')));
}

/** A command-line value checked by the kind of its translator.yaml field; errors name the flag. */
function flagValue<V>(path: string, raw: unknown, flag: string): V {
  const row = TRANSLATOR_CONFIG_TABLE.get(path);
  if (!row) throw new Error(`translator config: no field ${path}`);
  try {
    return row.kind.parse(raw) as V;
  } catch (e) {
    if (!(e instanceof KindError)) throw e;
    throw new ConfigError([{ path: e.subPath ? `${flag}.${e.subPath}` : flag, message: e.message }]);
  }
}

export const checkUpstreamUrl = (url: string, flag: string): string =>
  flagValue<string[]>('upstream.url', [url], flag)[0] as string;
export const checkHostPort = (v: string, flag: string): string => flagValue('v1.listen', v, flag);
export const checkMode = (v: unknown, flag: string): TranslatorConfig['mode'] =>
  flagValue('upstream.mode', v, flag);
export const checkLogLevel = (v: string, flag: string): TranslatorConfig['logLevel'] =>
  flagValue('log.level', v, flag);
export const parseFailback = (v: unknown, flag: string): FailbackSettings | false =>
  flagValue('upstream.failback', v, flag);

export function loadTranslatorConfig(file: string): TranslatorConfig {
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
  return parseTranslatorConfig(doc, file);
}
