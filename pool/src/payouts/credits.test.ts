import { describe, expect, it } from 'vitest';
import { PARTS_TOTAL } from '../ledger/pplns.js';
import { creditsFor, feeBasisPoints } from './credits.js';

const ALICE =
  'ckt1qzda0cr08m85hc8jlnfp3zer7xulejywt49kt2rr0vthywaa50xwsq0efx5ueqldalx4sr4n7rem4cv8cngq3kcyk4ydl';
const OPERATOR = 'ckt1operator';
const policy = { chain: 'dev' as const, feeBasisPoints: 150, operatorAddress: OPERATOR };

describe('credits of a block reward', () => {
  it('takes the fee, shares the rest by PPLNS parts per address, and credits every shannon once', () => {
    const reward = 1_000n * 100_000_000n + 7n;
    const split = [
      { worker: `${ALICE}.rig1`, parts: PARTS_TOTAL / 2 },
      { worker: `${ALICE}.rig2`, parts: PARTS_TOTAL / 4 },
      { worker: 'bob', parts: PARTS_TOTAL / 4 - 1 },
      { worker: 'carol', parts: 1 },
    ];
    const credits = creditsFor(reward, split, policy);
    const shared = reward - (reward * 150n) / 10_000n;
    const alice = shared / 2n + shared / 4n;
    const bob = (shared * BigInt(PARTS_TOTAL / 4 - 1)) / BigInt(PARTS_TOTAL);
    // carol's one part of 10^12 is worth less than a shannon: no credit, the dust goes to the operator.
    expect(credits).toEqual([
      { account: ALICE, amount: alice, payable: true, kind: 'miner' },
      { account: 'bob', amount: bob, payable: false, kind: 'miner' },
      { account: OPERATOR, amount: reward - alice - bob, payable: true, kind: 'fee' },
    ]);
    expect(reward - alice - bob).toBeGreaterThanOrEqual((reward * 150n) / 10_000n);
  });

  it('gives the whole reward to the operator when no share is in the window', () => {
    expect(creditsFor(500n, [], { ...policy, feeBasisPoints: 0 })).toEqual([
      { account: OPERATOR, amount: 500n, payable: true, kind: 'fee' },
    ]);
  });

  it('reads the fee percent as basis points and refuses one outside 0..100', () => {
    expect(feeBasisPoints(1.5)).toBe(150);
    expect(feeBasisPoints(0)).toBe(0);
    expect(() => feeBasisPoints(101)).toThrow(/not in 0..100/);
    expect(() => feeBasisPoints(Number.NaN)).toThrow(RangeError);
  });
});
