/**
 * A V1 dialect: how one family of CKB miner firmware speaks Stratum V1 where the families
 * differ (docs/miners.md). Data and pure functions only; V1Session applies it. Every target a
 * miner is given goes through `targetLines`, so a per-miner target (vardiff, a suggested
 * difficulty) is encoded the way that firmware reads it.
 */

export type DialectName = 'ckb' | 'antminer-k7' | 'goldshell' | 'nerdminer' | 'ckbminer';

export interface SubscribeAnswer {
  extranonce1: Uint8Array;
  extranonce2Size: number;
  /** The session id this subscription is known by (resumable by dialects that resume). */
  sessionId: string;
}

export interface V1Dialect {
  readonly name: DialectName;
  /** Who speaks it, for logs and docs. */
  readonly family: string;
  /** User agents (first `mining.subscribe` param) that select this dialect. */
  readonly agents: RegExp | null;
  /** The `result` of the `mining.subscribe` answer. */
  subscribeResult(a: SubscribeAnswer): unknown;
  /** The notification lines that give the miner its share target. */
  targetLines(target: bigint): string[];
  /**
   * Hashrate (H/s) declared when the translator opens this miner's pool channel: the pool starts
   * it at nominal hashrate × its share interval. 0 = the pool's `vardiff.initialDifficulty`.
   */
  readonly nominalHashRate: number;
  /** `mining.suggest_difficulty` (btcpool scale) makes the miner's target no easier than it. */
  readonly honoursSuggestDifficulty: boolean;
  /**
   * The miner may be sent `mining.set_extranonce` after it sent `mining.extranonce.subscribe`.
   * False for firmware that fails on notifications it does not know.
   */
  readonly takesSetExtranonce: boolean;
  /** The subscribe's second param is a session id to resume (cgminer style). */
  readonly resumesSessions: boolean;
}
