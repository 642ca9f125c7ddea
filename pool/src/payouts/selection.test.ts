import { describe, expect, it } from 'vitest';
import { MIN_CELL_SHANNONS, SHANNONS_PER_CKB, selectPayouts } from './selection.js';

const A = 'ckt1qzda0cr08m85hc8jlnfp3zer7xulejywt49kt2rr0vthywaa50xwsq0efx5ueqldalx4sr4n7rem4cv8cngq3kcyk4ydl';
const CKB = SHANNONS_PER_CKB;
const row = (account: string, balance: bigint, payable = true) => ({
  account,
  balance,
  immature: 0n,
  paid: 0n,
  payable,
});

describe('payout selection', () => {
  it('pays whole balances at or above the threshold, never a bare worker name', () => {
    const plan = selectPayouts([row(A, 100n * CKB), row('bob', 500n * CKB, false)], {
      chain: 'dev',
      thresholdShannons: 100n * CKB,
      maxOutputs: 10,
    });
    expect(plan.map((p) => [p.address, p.amount])).toEqual([[A, 100n * CKB]]);
    expect(
      selectPayouts([row(A, 100n * CKB - 1n)], {
        chain: 'dev',
        thresholdShannons: 100n * CKB,
        maxOutputs: 10,
      }),
    ).toEqual([]);
  });

  it('keeps a balance below the 61-CKB cell a lock needs, whatever the threshold says', () => {
    expect(MIN_CELL_SHANNONS).toBe(61n * CKB);
    expect(
      selectPayouts([row(A, 60n * CKB)], { chain: 'dev', thresholdShannons: 1n, maxOutputs: 10 }),
    ).toEqual([]);
  });

  it('caps a batch at maxOutputs and ignores an address of another chain', () => {
    const many = Array.from({ length: 5 }, () => row(A, 200n * CKB));
    expect(selectPayouts(many, { chain: 'dev', thresholdShannons: 100n * CKB, maxOutputs: 3 })).toHaveLength(
      3,
    );
    expect(
      selectPayouts([row(A, 200n * CKB)], { chain: 'mainnet', thresholdShannons: 100n * CKB, maxOutputs: 3 }),
    ).toEqual([]);
  });
});
