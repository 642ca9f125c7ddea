import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes } from '../ckb/hex.js';
import type { CellOutput } from '../ckb/transaction.js';
import { daoByDelta, daoEffect, occupiedCapacity, packDao, parseDao } from './dao.js';

const CKB = 100_000_000n;
const secpLock = { codeHash: new Uint8Array(32), hashType: 'type' as const, args: new Uint8Array(20) };
const cell = (capacity: bigint, type: CellOutput['type'] = null): CellOutput => ({
  capacity,
  lock: secpLock,
  type,
});
const empty = new Uint8Array(0);

describe('the DAO field of a declared block', () => {
  it('reads and writes C, AR, S, U as four little-endian u64 in that order', () => {
    const parts = { c: 1n, ar: 2n, s: 3n, u: 0x0102030405060708n };
    const bytes = packDao(parts);
    expect(bytesToHex(bytes)).toBe(
      `0100000000000000${'0200000000000000'}${'0300000000000000'}0807060504030201`,
    );
    expect(parseDao(bytes)).toEqual(parts);
    expect(() => parseDao(new Uint8Array(31))).toThrow(RangeError);
  });

  it('counts the occupied capacity of a secp256k1 cell as the well-known 61 CKB, plus type and data bytes', () => {
    expect(occupiedCapacity(cell(100n * CKB), empty)).toBe(61n * CKB);
    const withType = cell(200n * CKB, {
      codeHash: new Uint8Array(32),
      hashType: 'type',
      args: new Uint8Array(0),
    });
    expect(occupiedCapacity(withType, new Uint8Array(8))).toBe((61n + 33n + 8n) * CKB);
  });

  it('swaps the template’s transaction effect on U for the declared one and keeps C and AR', () => {
    const template = packDao({ c: 1000n * CKB, ar: 10n ** 16n, s: 50n * CKB, u: 500n * CKB });
    // The template commits a 1-in 2-out transfer; the declaration a 1-in 1-out one.
    const tEffect = daoEffect(
      [
        [cell(10n * CKB), empty],
        [cell(10n * CKB), empty],
      ],
      [[cell(100n * CKB), empty]],
    );
    const dEffect = daoEffect([[cell(99n * CKB), empty]], [[cell(100n * CKB), empty]]);
    const dao = parseDao(daoByDelta(template, tEffect, dEffect));
    expect(dao).toEqual({ c: 1000n * CKB, ar: 10n ** 16n, s: 50n * CKB, u: 500n * CKB - 61n * CKB });
  });

  it('moves S by the difference in withdrawn interest and gives back the template for the same set', () => {
    const template = hexToBytes(
      `${'11'.repeat(8)}${'22'.repeat(8)}${'0000e8890423c78a'}${'0000e8890423c78a'}`,
    );
    const none = { added: 0n, freed: 0n, withdrawnInterest: 0n };
    expect(daoByDelta(template, none, none)).toEqual(template);
    const withdrawal = { ...none, withdrawnInterest: 5n };
    expect(parseDao(daoByDelta(template, none, withdrawal)).s).toBe(parseDao(template).s - 5n);
    expect(() => daoByDelta(packDao({ c: 0n, ar: 0n, s: 0n, u: 0n }), none, withdrawal)).toThrow(RangeError);
  });
});
