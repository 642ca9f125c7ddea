import type { V1Dialect } from './dialect.js';
import { setTargetBeLine } from './targets.js';

/**
 * The CKB Stratum V1 profile every CKB pool since btcpool speaks (docs/protocol.md, V1): plain
 * `[null, extranonce1, extranonce2_size]`, big-endian `mining.set_target`, 3-field submit.
 * Unknown user agents get it; the pool's initial difficulty applies.
 */
export const ckbDialect: V1Dialect = {
  name: 'ckb',
  family: 'CKB Stratum V1 (btcpool profile); any miner not recognised',
  agents: null,
  subscribeResult: (a) => [null, Buffer.from(a.extranonce1).toString('hex'), a.extranonce2Size],
  targetLines: (target) => [setTargetBeLine(target)],
  nominalHashRate: 0,
  honoursSuggestDifficulty: false,
  takesSetExtranonce: true,
  resumesSessions: false,
};
