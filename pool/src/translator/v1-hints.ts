import type { Logger } from 'pino';
import {
  DEFAULT_DIALECT,
  detectDialect,
  splitDialectSuffix,
  type V1Dialect,
} from '../stratum-v1/dialects/index.js';
import { targetForBtcpoolDifficulty } from '../stratum-v1/dialects/targets.js';
import { parseLine } from '../stratum-v1/wire.js';
import type { V1Resumes } from './v1-resumes.js';

/**
 * What a V1 session reads ahead and decides about its dialect (v1-session.ts): who the miner
 * is and how it speaks, settled before its requests are answered.
 */

/** The first param of the first `method` request among `lines`, if any. */
export function firstParamIn(lines: string[], method: string): unknown {
  for (const line of lines) {
    if (!line.includes(method)) continue;
    const p = parseLine(line);
    if (p.kind === 'request' && p.req.method === method) return p.req.params[0];
  }
  return undefined;
}

/** A `mining.suggest_difficulty` param (btcpool scale) as a target, or null. */
export function suggestedTargetOf(d: unknown): bigint | null {
  return typeof d === 'number' && Number.isFinite(d) && d > 0 && d < 1e30
    ? targetForBtcpoolDifficulty(d)
    : null;
}

/** A `mining.suggest_target` param (64 hex characters, big-endian) as a target, or null. */
export function suggestedTargetHex(t: unknown): bigint | null {
  if (typeof t !== 'string' || !/^[0-9a-fA-F]{1,64}$/.test(t)) return null;
  const target = BigInt(`0x${t}`);
  return target > 0n ? target : null;
}

/** How a session's dialect was chosen; a later, stronger source overrides an earlier one. */
export type DialectSource = 'default' | 'agent' | 'port' | 'suffix';
const SOURCE_RANK: Record<DialectSource, number> = { default: 0, agent: 1, port: 2, suffix: 3 };

export function overrides(source: DialectSource, current: DialectSource): boolean {
  return SOURCE_RANK[source] >= SOURCE_RANK[current];
}

/** The fields of a V1Session that its dialect, its hints and a resumed session decide. */
export interface HintedSession {
  readonly id: number;
  readonly log: Logger;
  dialect: V1Dialect;
  dialectSource: DialectSource;
  agent: string | null;
  sessionId: string;
  userHint: string | null;
  suggestedTarget: bigint | null;
  resumedDifficulty: number | null;
}

/** Takes dialect `d` unless a stronger source has already chosen one. */
export function chooseDialect(s: HintedSession, d: V1Dialect, source: DialectSource): void {
  if (!overrides(source, s.dialectSource)) return;
  if (d !== s.dialect) s.log.info({ dialect: d.name, source }, 'V1 dialect');
  s.dialect = d;
  s.dialectSource = source;
}

/**
 * Requests that came in the same read as mining.subscribe (miners that pipeline): the name of
 * an authorize (its channel can be opened under it before subscribe is answered; a `#dialect`
 * suffix applies at once) and a suggested difficulty (the channel opens at it).
 */
export function readPipelinedHints(s: HintedSession, lines: string[]): void {
  const user = firstParamIn(lines, 'mining.authorize');
  if (s.userHint === null && typeof user === 'string' && user.length > 0 && user.length <= 255) {
    const named = splitDialectSuffix(user);
    s.userHint = named.user;
    if (named.dialect) chooseDialect(s, named.dialect, 'suffix');
  }
  s.suggestedTarget =
    suggestedTargetOf(firstParamIn(lines, 'mining.suggest_difficulty')) ?? s.suggestedTarget;
}

/** The first mining.subscribe: user agent → dialect; a session id to resume or a new one. */
export function beginSubscription(s: HintedSession, params: unknown[], resumes: V1Resumes | undefined): void {
  const agent = params[0];
  if (typeof agent === 'string') s.agent = agent.slice(0, 64);
  const detected = detectDialect(agent);
  if (detected !== DEFAULT_DIALECT) chooseDialect(s, detected, 'agent');
  const back = s.dialect.resumesSessions ? (resumes?.take(params[1]) ?? null) : null;
  if (back) {
    s.sessionId = params[1] as string;
    s.userHint ??= back.user;
    s.suggestedTarget ??= back.suggestedTarget;
    s.resumedDifficulty = back.settledDifficulty;
    s.log.info({ session: s.sessionId }, 'V1 session resumed');
  } else {
    s.sessionId = resumes?.newId() ?? s.id.toString(16).padStart(8, '0');
  }
}
