import type { V1Dialect } from './dialect.js';
import { setDifficultyLine } from './targets.js';

/**
 * Goldshell CK-Box, CK-Lite, CK5, CK6 (firmware reported as "intminer"). cgminer-style
 * subscribe: the answer nests the subscriptions and a session id the miner offers again when it
 * reconnects (`mining.subscribe [agent, session_id]`); it is told its target with
 * `mining.set_difficulty` on btcpool's scale (difficulty 1 = 0xffff·2^240, rounded up so its
 * target is never easier than the pool's), and it may suggest a difficulty on that same scale.
 * Declared at 2^40 H/s ≈ 1.1 TH/s (a CK-Box, the smallest model) until it suggests one.
 */
export const goldshellDialect: V1Dialect = {
  name: 'goldshell',
  family: 'Goldshell CK-Box / CK-Lite / CK5 / CK6',
  agents: /goldshell|intminer/i,
  subscribeResult: (a) => [
    [
      ['mining.set_difficulty', a.sessionId],
      ['mining.notify', a.sessionId],
    ],
    Buffer.from(a.extranonce1).toString('hex'),
    a.extranonce2Size,
  ],
  targetLines: (target) => [setDifficultyLine(target)],
  nominalHashRate: 2 ** 40,
  honoursSuggestDifficulty: true,
  takesSetExtranonce: true,
  resumesSessions: true,
};
