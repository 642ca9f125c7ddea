import type { V1Dialect } from './dialect.js';
import { setTargetBeLine } from './targets.js';

/**
 * Bitmain Antminer K7 (and the K5), firmware "godminer". Its `stratum_parse_extranonce_ckb`
 * refuses a pool unless 4 ≤ extranonce2_size ≤ 15 and extranonce1 + extranonce2 = 16 bytes
 * (the translator always answers so); `mining.set_target` must be exactly 64 hex characters;
 * submits are `[user, job_id, extranonce2]`. It never suggests a difficulty, so its channel is
 * opened at a K7-sized hashrate instead of the pool's default: 2^44 H/s ≈ 17.6 TH/s, a quarter
 * of a K7's ≈ 63.5 TH/s, so shares arrive a few times faster than the pool aims for at first
 * (never slower), and vardiff's first retarget lands near the device's rate.
 */
export const antminerK7Dialect: V1Dialect = {
  name: 'antminer-k7',
  family: 'Bitmain Antminer K7 / K5 (godminer firmware)',
  agents: /godminer|antminer|bitmain/i,
  subscribeResult: (a) => [null, Buffer.from(a.extranonce1).toString('hex'), a.extranonce2Size],
  targetLines: (target) => [setTargetBeLine(target)],
  nominalHashRate: 2 ** 44,
  honoursSuggestDifficulty: false,
  takesSetExtranonce: true,
  resumesSessions: false,
};
