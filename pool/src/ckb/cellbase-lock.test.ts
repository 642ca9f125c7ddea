import { describe, expect, it } from 'vitest';
import { type PayoutLock, payoutLockProblem } from './cellbase-lock.js';
import { hexToBytes } from './hex.js';
import { serializeCellbaseWitness, type Transaction } from './transaction.js';

const SECP_TYPE_HASH = '0x9bd7e06f3ecf4be0f2fcd2188b23f1b9fcc88e5d4b65a8637b17723bbda3cce8';
const OURS: PayoutLock = {
  codeHash: SECP_TYPE_HASH,
  hashType: 'type',
  args: '0xc8328aabcd9b9e8e64fbc566c4385c3bdeb219d7',
};

function cellbasePaying(lock: PayoutLock): Transaction {
  const witness = serializeCellbaseWitness({
    lock: {
      codeHash: hexToBytes(lock.codeHash.slice(2)),
      hashType: lock.hashType,
      args: hexToBytes(lock.args.slice(2)),
    },
    message: new Uint8Array(0),
  });
  return {
    version: 0,
    cellDeps: [],
    headerDeps: [],
    inputs: [],
    outputs: [],
    outputsData: [],
    witnesses: [witness],
  };
}

describe('payout lock of a template', () => {
  it('accepts a cellbase that names the payout lock (hex case does not matter)', () => {
    expect(payoutLockProblem({ transactions: [cellbasePaying(OURS)] }, OURS)).toBeNull();
    expect(
      payoutLockProblem(
        { transactions: [cellbasePaying(OURS)] },
        { ...OURS, args: OURS.args.toUpperCase().replace('0X', '0x') },
      ),
    ).toBeNull();
  });

  it('names the lock a foreign cellbase pays to: other args, other code hash, other hash type', () => {
    const thief = { ...OURS, args: `0x${'66'.repeat(20)}` };
    expect(payoutLockProblem({ transactions: [cellbasePaying(thief)] }, OURS)).toBe(
      `the cellbase pays code_hash ${SECP_TYPE_HASH} hash_type type args 0x${'66'.repeat(20)}, not the payout lock code_hash ${SECP_TYPE_HASH} hash_type type args ${OURS.args}`,
    );
    expect(
      payoutLockProblem(
        { transactions: [cellbasePaying({ ...OURS, codeHash: `0x${'11'.repeat(32)}` })] },
        OURS,
      ),
    ).toMatch(/^the cellbase pays code_hash 0x1111/);
    expect(
      payoutLockProblem({ transactions: [cellbasePaying({ ...OURS, hashType: 'data1' })] }, OURS),
    ).toMatch(/hash_type data1/);
  });

  it('refuses a template whose cellbase has no witness to check', () => {
    const bare = { ...cellbasePaying(OURS), witnesses: [] };
    expect(payoutLockProblem({ transactions: [bare] }, OURS)).toMatch(/no CellbaseWitness/);
    expect(payoutLockProblem({ transactions: [] }, OURS)).toMatch(/no CellbaseWitness/);
  });
});
