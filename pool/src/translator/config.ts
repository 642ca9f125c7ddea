import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { isChain } from '../ckb/pow.js';
import { isLogLevel, LOG_LEVELS } from '../log/levels.js';
import { parseHostPort } from '../net/address.js';
import { FAILBACK_DEFAULTS, type FailbackSettings } from '../sv2/client/failback.js';
import { parsePoolUrl } from '../sv2/noise/keys.js';
// ── V1 dialects (docs/miners.md): the fields of dialect-config.ts ──
import { DIALECT_V1_KEYS, parseDialectPorts } from './dialect-config.js';
import {
  limitKeys,
  parseTranslatorLimits,
  TRANSLATOR_LIMIT_DEFAULTS,
  type TranslatorLimits,
} from './limits.js';
import type { TranslatorMode } from './translator.js';
import type { DialectPort } from './types.js';

/**
 * translator.yaml for `ckb-pool translate --config FILE` (what the deploy bundle writes):
 *
 *   chain: mainnet            # PoW of the local share check (testnet adds a ckbhash)
 *   v1: { listen: 0.0.0.0:3333, maxLineBytes: 16384, maxConnections: 10000 }   # and the
 *       # per-miner limits of limits.ts: maxConnectionsPerIp, idleTimeoutMs, maxAuthorizes, …
 *   upstream:
 *     url: stratum2+tcp://pool:3334/AUTHORITY   # or a list: tried in order (failover)
 *     mode: per-worker                         # or aggregated
 *     userIdentity: translator
 *     failback: { probeIntervalMs: 30000, healthyProbes: 2 }   # back to the first URL; false = off
 *   metrics: { listen: 127.0.0.1:9101 }        # /metrics and /health; null = off
 *   log: { level: info }
 */

export interface TranslatorConfig {
  chain: 'mainnet' | 'testnet' | 'dev';
  listen: string;
  upstreams: string[];
  mode: TranslatorMode;
  userIdentity: string;
  /**
   * While on a backup URL: probe the more preferred ones every probeIntervalMs and move back
   * after healthyProbes consecutive successes (false or probeIntervalMs 0: stay on the backup).
   * Optional so a config built by hand may leave it out (the translator's defaults apply).
   */
  failback?: FailbackSettings | false;
  metricsListen: string | null;
  maxLineBytes: number;
  maxConnections: number;
  /** Per-miner and shared-upstream limits (limits.ts); optional for a config built by hand. */
  limits?: TranslatorLimits;
  logLevel: string;
  // ── V1 dialects (docs/miners.md; dialect-config.ts) ──
  /** `v1.dialectPorts`: extra V1 ports whose miners all speak one dialect. */
  dialectPorts?: DialectPort[];
}

export const TRANSLATOR_DEFAULTS = {
  listen: '0.0.0.0:3333',
  metricsListen: '127.0.0.1:9101',
  mode: 'per-worker' as TranslatorMode,
  userIdentity: 'translator',
  failback: FAILBACK_DEFAULTS,
  maxLineBytes: 16_384,
  maxConnections: 10_000,
  limits: TRANSLATOR_LIMIT_DEFAULTS,
  logLevel: 'info',
};

export class TranslatorConfigError extends Error {}

function obj(v: unknown, field: string): Record<string, unknown> {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v))
    throw new TranslatorConfigError(`${field} must be a mapping`);
  return v as Record<string, unknown>;
}

function int(v: unknown, field: string, def: number, min: number, max: number): number {
  if (v === undefined || v === null) return def;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
    throw new TranslatorConfigError(`${field} must be an integer ${min}..${max}`);
  return v;
}

export function checkUpstreamUrl(url: string, field: string): string {
  try {
    parsePoolUrl(url);
  } catch (err) {
    throw new TranslatorConfigError(`${field}: ${(err as Error).message}`);
  }
  return url;
}

export function checkHostPort(v: string, field: string): string {
  try {
    parseHostPort(v, field);
  } catch (err) {
    throw new TranslatorConfigError((err as Error).message);
  }
  return v;
}

export function checkMode(v: unknown, field: string): TranslatorMode {
  if (v !== 'per-worker' && v !== 'aggregated')
    throw new TranslatorConfigError(`${field} must be per-worker or aggregated`);
  return v;
}

/** `upstream.failback`: a mapping, or false (no failback). */
export function parseFailback(v: unknown, field: string): FailbackSettings | false {
  if (v === false) return false;
  const m = obj(v, field);
  for (const k of Object.keys(m))
    if (k !== 'probeIntervalMs' && k !== 'healthyProbes')
      throw new TranslatorConfigError(`unknown field '${field}.${k}'`);
  const probeIntervalMs = int(
    m.probeIntervalMs,
    `${field}.probeIntervalMs`,
    FAILBACK_DEFAULTS.probeIntervalMs,
    0,
    86_400_000,
  );
  const healthyProbes = int(
    m.healthyProbes,
    `${field}.healthyProbes`,
    FAILBACK_DEFAULTS.healthyProbes,
    1,
    1_000,
  );
  return probeIntervalMs === 0 ? false : { probeIntervalMs, healthyProbes };
}

export function parseTranslatorConfig(doc: unknown): TranslatorConfig {
  const root = obj(doc, 'config');
  const known = new Set(['chain', 'v1', 'upstream', 'upstreams', 'metrics', 'log']);
  for (const k of Object.keys(root))
    if (!known.has(k)) throw new TranslatorConfigError(`unknown field '${k}'`);
  const chain = root.chain ?? 'mainnet';
  if (!isChain(chain)) throw new TranslatorConfigError('chain must be mainnet, testnet or dev');
  const v1 = obj(root.v1, 'v1');
  const up = obj(root.upstream, 'upstream');
  const metrics = obj(root.metrics, 'metrics');
  const logc = obj(root.log, 'log');
  const rawUrls = up.url ?? root.upstreams;
  const urls = Array.isArray(rawUrls) ? rawUrls : rawUrls === undefined ? [] : [rawUrls];
  if (urls.length === 0) throw new TranslatorConfigError('upstream.url is required (one URL or a list)');
  const upstreams = urls.map((u, i) => {
    if (typeof u !== 'string') throw new TranslatorConfigError(`upstream.url[${i}] must be a string`);
    return checkUpstreamUrl(u, `upstream.url[${i}]`);
  });
  const listen = v1.listen ?? TRANSLATOR_DEFAULTS.listen;
  if (typeof listen !== 'string') throw new TranslatorConfigError('v1.listen must be host:port');
  const metricsListen = metrics.listen === undefined ? TRANSLATOR_DEFAULTS.metricsListen : metrics.listen;
  if (metricsListen !== null && typeof metricsListen !== 'string')
    throw new TranslatorConfigError('metrics.listen must be host:port or null');
  const userIdentity = up.userIdentity ?? TRANSLATOR_DEFAULTS.userIdentity;
  if (typeof userIdentity !== 'string' || userIdentity.length === 0 || userIdentity.length > 255)
    throw new TranslatorConfigError('upstream.userIdentity must be a string of 1..255 characters');
  for (const k of Object.keys(up))
    if (!['url', 'mode', 'userIdentity', 'failback', ...limitKeys('upstream')].includes(k))
      throw new TranslatorConfigError(`unknown field 'upstream.${k}'`);
  for (const k of Object.keys(v1))
    if (!['listen', 'maxLineBytes', 'maxConnections', ...limitKeys('v1'), ...DIALECT_V1_KEYS].includes(k))
      throw new TranslatorConfigError(`unknown field 'v1.${k}'`);
  const limits = parseTranslatorLimits({ v1, upstream: up }, (m) => new TranslatorConfigError(m));
  const level = logc.level ?? TRANSLATOR_DEFAULTS.logLevel;
  if (!isLogLevel(level))
    throw new TranslatorConfigError(`log.level must be one of ${LOG_LEVELS.join(', ')}`);
  return {
    chain,
    listen: checkHostPort(listen, 'v1.listen'),
    upstreams,
    mode: checkMode(up.mode ?? TRANSLATOR_DEFAULTS.mode, 'upstream.mode'),
    userIdentity,
    failback: parseFailback(up.failback, 'upstream.failback'),
    metricsListen: metricsListen === null ? null : checkHostPort(metricsListen, 'metrics.listen'),
    maxLineBytes: int(v1.maxLineBytes, 'v1.maxLineBytes', TRANSLATOR_DEFAULTS.maxLineBytes, 256, 1 << 20),
    maxConnections: int(
      v1.maxConnections,
      'v1.maxConnections',
      TRANSLATOR_DEFAULTS.maxConnections,
      1,
      1_000_000,
    ),
    limits,
    logLevel: level,
    // ── V1 dialects (dialect-config.ts) ──
    dialectPorts: parseDialectPorts(v1.dialectPorts, 'v1.dialectPorts', (m) => new TranslatorConfigError(m)),
  };
}

export function loadTranslatorConfig(file: string): TranslatorConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new TranslatorConfigError(`cannot read ${file}: ${(err as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new TranslatorConfigError(`${file} is not valid YAML: ${(err as Error).message}`);
  }
  return parseTranslatorConfig(doc);
}
