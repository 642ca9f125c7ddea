import { describe, expect, it } from 'vitest';
import { chooseFeeRate, MIN_FEE_RATE } from './fee-rate.js';

describe('payout fee rate', () => {
  it("follows the node's median between the minimum relay rate and the operator's cap", () => {
    expect(chooseFeeRate({ median: '0xbb8' }, 10_000n)).toBe(3000n);
    expect(chooseFeeRate({ median: '0x1' }, 10_000n)).toBe(MIN_FEE_RATE);
    expect(chooseFeeRate({ median: '0x186a0' }, 10_000n)).toBe(10_000n);
  });

  it('uses the minimum when the node has no recent transactions', () => {
    expect(chooseFeeRate(null, 10_000n)).toBe(MIN_FEE_RATE);
  });
});
