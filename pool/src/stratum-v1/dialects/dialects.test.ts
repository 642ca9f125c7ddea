import { describe, expect, it } from 'vitest';
import { targetToBeHex } from '../../ckb/target.js';
import { DEFAULT_DIALECT, DIALECTS, detectDialect, dialectByName, splitDialectSuffix } from './index.js';
import {
  BTCPOOL_DIFF1,
  btcpoolDifficultyFor,
  setTargetBeLine,
  setTargetLeLine,
  targetForBtcpoolDifficulty,
  targetToLeHex,
} from './targets.js';

const answer = {
  extranonce1: Uint8Array.of(0x20, 0x7b, 0xb9, 0xef),
  extranonce2Size: 12,
  sessionId: 'a1b2c3d4',
};

describe('V1 dialects', () => {
  it('pick the dialect from the user agent, and the default for any other agent', () => {
    expect(detectDialect('godminer-v0.4.7').name).toBe('antminer-k7');
    expect(detectDialect('Antminer K7').name).toBe('antminer-k7');
    expect(detectDialect('intminer/1.0.0').name).toBe('goldshell');
    expect(detectDialect('Goldshell CK6').name).toBe('goldshell');
    expect(detectDialect('NerdMinerCKB/1.0').name).toBe('nerdminer');
    expect(detectDialect('ckbminer-v1.0.0').name).toBe('ckbminer');
    expect(detectDialect('ckb-pool-mine/0.1.0')).toBe(DEFAULT_DIALECT);
    expect(detectDialect(null)).toBe(DEFAULT_DIALECT);
    expect(detectDialect(42)).toBe(DEFAULT_DIALECT);
  });

  it('answer subscribe plainly for K7, gominer and the default, and nested with the session id for Goldshell', () => {
    for (const name of ['ckb', 'antminer-k7', 'nerdminer', 'ckbminer'] as const)
      expect(dialectByName(name)?.subscribeResult(answer)).toEqual([null, '207bb9ef', 12]);
    expect(dialectByName('goldshell')?.subscribeResult(answer)).toEqual([
      [
        ['mining.set_difficulty', 'a1b2c3d4'],
        ['mining.notify', 'a1b2c3d4'],
      ],
      '207bb9ef',
      12,
    ]);
  });

  it('encode the same target big-endian, little-endian or as a btcpool difficulty', () => {
    const target = 0x0000000000000008f459n << 176n;
    const be = targetToBeHex(target);
    expect(be).toBe('0000000000000008f45900000000000000000000000000000000000000000000');
    expect(targetToLeHex(target)).toBe(Buffer.from(be, 'hex').reverse().toString('hex'));
    expect(dialectByName('k7')?.targetLines(target)).toEqual([setTargetBeLine(target)]);
    expect(setTargetBeLine(target)).toBe(`{"id":null,"method":"mining.set_target","params":["${be}"]}\n`);
    expect(dialectByName('nerdminer')?.targetLines(target)).toEqual([setTargetLeLine(target)]);
    const [gs] = dialectByName('goldshell')?.targetLines(target) ?? [];
    const d = JSON.parse(gs as string).params[0] as number;
    expect(JSON.parse(gs as string).method).toBe('mining.set_difficulty');
    // The miner's own target from that difficulty is never easier than ours, and barely harder.
    const theirs = targetForBtcpoolDifficulty(d);
    expect(theirs <= target).toBe(true);
    expect(Number(target - theirs) / Number(target)).toBeLessThan(1e-12);
  });

  it("round btcpool difficulties up, from dev-chain fractions to an ASIC's 2^48", () => {
    expect(btcpoolDifficultyFor(BTCPOOL_DIFF1)).toBe(1);
    expect(btcpoolDifficultyFor(BTCPOOL_DIFF1 >> 48n)).toBe(2 ** 48);
    for (const target of [
      (1n << 256n) - 1n,
      1n << 241n,
      3n << 230n,
      (BTCPOOL_DIFF1 / 7n) * 3n,
      12345678901234567n,
    ]) {
      const d = btcpoolDifficultyFor(target);
      expect(targetForBtcpoolDifficulty(d) <= target).toBe(true);
    }
    // Below difficulty 1 (a dev chain's easy targets) it is a fraction.
    expect(btcpoolDifficultyFor((1n << 256n) - 1n)).toBeLessThan(1);
  });

  it('take a #dialect suffix off a worker name, and leave a # that names no dialect', () => {
    expect(splitDialectSuffix('alice.rig1#k7')).toEqual({
      user: 'alice.rig1',
      dialect: dialectByName('antminer-k7'),
    });
    expect(splitDialectSuffix('alice.box#CK-Box').dialect?.name).toBe('goldshell');
    expect(splitDialectSuffix('alice.rig#2')).toEqual({ user: 'alice.rig#2', dialect: null });
    expect(splitDialectSuffix('#k7')).toEqual({ user: '#k7', dialect: null });
    expect(splitDialectSuffix('alice.rig1')).toEqual({ user: 'alice.rig1', dialect: null });
  });

  it('declare a start hashrate for miners that never suggest one, and the pool default otherwise', () => {
    expect(dialectByName('antminer-k7')?.nominalHashRate).toBe(2 ** 44);
    expect(DEFAULT_DIALECT.nominalHashRate).toBe(0);
    // Only Goldshell resumes sessions and honours suggestions; ckbminer and NerdMiner never get set_extranonce.
    expect(DIALECTS.filter((d) => d.resumesSessions).map((d) => d.name)).toEqual(['goldshell']);
    expect(DIALECTS.filter((d) => !d.takesSetExtranonce).map((d) => d.name)).toEqual([
      'nerdminer',
      'ckbminer',
    ]);
  });
});
