import type { V1Dialect } from './dialect.js';
import { setTargetBeLine } from './targets.js';

/**
 * ckb-gominer-demo ("ckbminer-v1.0.0") and the simple miners written from UUPool's CKB stratum
 * text: every request has id 0, so only the order of answers tells them apart (the translator
 * always answers in request order); they never send `mining.extranonce.subscribe`, and any
 * line that is not set_target or notify is taken as a submit answer, whose `result` must be a
 * bool. So they are never sent `mining.set_extranonce` (a new extranonce1 disconnects them and
 * they subscribe again) nor `mining.set_difficulty`. A CPU: declared at 2^20 H/s.
 */
export const ckbminerDialect: V1Dialect = {
  name: 'ckbminer',
  family: 'ckb-gominer-demo and other id-0 CPU/GPU miners without extranonce.subscribe',
  agents: /^ckbminer/i,
  subscribeResult: (a) => [null, Buffer.from(a.extranonce1).toString('hex'), a.extranonce2Size],
  targetLines: (target) => [setTargetBeLine(target)],
  nominalHashRate: 2 ** 20,
  honoursSuggestDifficulty: false,
  takesSetExtranonce: false,
  resumesSessions: false,
};
