import { describe, expect, it } from 'vitest';
import { packEpoch } from '../ckb/header.js';
import { cellbaseMatured } from './maturity.js';

const epoch = (number: bigint, index: number, length: number) => packEpoch({ number, index, length });
/** Mainnet's cellbase_maturity: 4 epochs. */
const FOUR = epoch(4n, 0, 1);

describe('cellbase maturity', () => {
  it('matures exactly when created + maturity is reached, in fractions of epochs', () => {
    const created = epoch(100n, 900, 1800); // 100.5
    expect(cellbaseMatured(created, FOUR, epoch(104n, 899, 1800))).toBe(false);
    expect(cellbaseMatured(created, FOUR, epoch(104n, 900, 1800))).toBe(true);
    // Epoch lengths differ between epochs: 104 + 500/1000 is the same point as 104.5.
    expect(cellbaseMatured(created, FOUR, epoch(104n, 499, 1000))).toBe(false);
    expect(cellbaseMatured(created, FOUR, epoch(104n, 500, 1000))).toBe(true);
  });

  it('handles a fractional maturity as the dev chain configures it', () => {
    const half = epoch(0n, 1, 2);
    expect(cellbaseMatured(epoch(6n, 0, 2), half, epoch(6n, 0, 2))).toBe(false);
    expect(cellbaseMatured(epoch(6n, 0, 2), half, epoch(6n, 1, 2))).toBe(true);
  });
});
