import type { V1Dialect } from './dialect.js';
import { setTargetLeLine } from './targets.js';

/**
 * NerdMiner-style ESP32 firmware (NerdMiner_CKB and proxies written for it): reads the 64 hex
 * characters of `mining.set_target` as the target's bytes in little-endian order, and compares
 * its hash from the last byte down. Tiny hashrate: its channel is declared at 2^16 H/s so the
 * pool starts it near its own floor instead of at an ASIC's difficulty.
 */
export const nerdminerDialect: V1Dialect = {
  name: 'nerdminer',
  family: 'NerdMiner CKB (ESP32) and other little-endian set_target firmware',
  agents: /nerd/i,
  subscribeResult: (a) => [null, Buffer.from(a.extranonce1).toString('hex'), a.extranonce2Size],
  targetLines: (target) => [setTargetLeLine(target)],
  nominalHashRate: 2 ** 16,
  honoursSuggestDifficulty: false,
  takesSetExtranonce: false,
  resumesSessions: false,
};
