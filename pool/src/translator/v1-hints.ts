import { targetToDifficulty } from '../ckb/target.js';
import type { V1Dialect } from '../stratum-v1/dialects/index.js';
import { targetForBtcpoolDifficulty } from '../stratum-v1/dialects/targets.js';
import { parseLine } from '../stratum-v1/wire.js';

/** What a V1 session reads ahead and decides about its dialect (v1-session.ts). */

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

/**
 * The share interval (s) a suggested difficulty is turned into a hashrate with: the pool's
 * default `vardiff.targetShareIntervalSeconds`. A pool with another interval starts the miner
 * that much off; its vardiff corrects it.
 */
export const SUGGESTION_INTERVAL_SECONDS = 10;

/**
 * The hashrate (H/s) to declare for a miner's pool channel: from its suggested difficulty
 * when its dialect honours one, else its dialect's (0 = the pool's initial difficulty).
 */
export function nominalHashRateFor(dialect: V1Dialect, suggested: bigint | null): number {
  if (dialect.honoursSuggestDifficulty && suggested !== null) {
    return Number(targetToDifficulty(suggested)) / SUGGESTION_INTERVAL_SECONDS;
  }
  return dialect.nominalHashRate;
}

/** How a session's dialect was chosen; a later, stronger source overrides an earlier one. */
export type DialectSource = 'default' | 'agent' | 'port' | 'suffix';
const SOURCE_RANK: Record<DialectSource, number> = { default: 0, agent: 1, port: 2, suffix: 3 };

export function overrides(source: DialectSource, current: DialectSource): boolean {
  return SOURCE_RANK[source] >= SOURCE_RANK[current];
}
