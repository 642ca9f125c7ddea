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
