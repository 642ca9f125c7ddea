/**
 * Test support only (imported by *.test.ts, never by runtime code): fast-check generators for
 * the chain types, shaped like real data (32-byte hashes, 10-byte proposal ids).
 */
import fc from 'fast-check';
import type { Block, UncleBlock } from '../../src/ckb/block.js';
import type { Header } from '../../src/ckb/header.js';
import type {
  CellDep,
  CellInput,
  CellOutput,
  OutPoint,
  Script,
  ScriptHashType,
  Transaction,
} from '../../src/ckb/transaction.js';

const u64 = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });
const u32 = fc.nat({ max: 0xffffffff });
export const hash32 = fc.uint8Array({ minLength: 32, maxLength: 32 });
const bytes = fc.uint8Array({ maxLength: 80 });

export const hashTypeArb: fc.Arbitrary<ScriptHashType> = fc.oneof(
  fc.constantFrom<ScriptHashType>('data', 'type', 'data1', 'data2'),
  fc.integer({ min: 1, max: 127 }).map((n): ScriptHashType => `data${n}`),
);

export const scriptArb: fc.Arbitrary<Script> = fc.record({
  codeHash: hash32,
  hashType: hashTypeArb,
  args: bytes,
});
const outPointArb: fc.Arbitrary<OutPoint> = fc.record({ txHash: hash32, index: u32 });
const cellDepArb: fc.Arbitrary<CellDep> = fc.record({
  outPoint: outPointArb,
  depType: fc.constantFrom<CellDep['depType']>('code', 'dep_group'),
});
const cellInputArb: fc.Arbitrary<CellInput> = fc.record({ since: u64, previousOutput: outPointArb });
const cellOutputArb: fc.Arbitrary<CellOutput> = fc.record({
  capacity: u64,
  lock: scriptArb,
  type: fc.option(scriptArb, { nil: null }),
});

export const transactionArb: fc.Arbitrary<Transaction> = fc.record({
  version: u32,
  cellDeps: fc.array(cellDepArb, { maxLength: 3 }),
  headerDeps: fc.array(hash32, { maxLength: 3 }),
  inputs: fc.array(cellInputArb, { maxLength: 3 }),
  outputs: fc.array(cellOutputArb, { maxLength: 3 }),
  outputsData: fc.array(bytes, { maxLength: 3 }),
  witnesses: fc.array(bytes, { maxLength: 3 }),
});

export const headerArb: fc.Arbitrary<Header> = fc.record({
  version: u32,
  compactTarget: u32,
  timestamp: u64,
  number: u64,
  epoch: u64,
  parentHash: hash32,
  transactionsRoot: hash32,
  proposalsHash: hash32,
  extraHash: hash32,
  dao: hash32,
  nonce: fc.bigInt({ min: 0n, max: 2n ** 128n - 1n }),
});

export const proposalArb = fc.uint8Array({ minLength: 10, maxLength: 10 });

const uncleArb: fc.Arbitrary<UncleBlock> = fc.record({
  header: headerArb,
  proposals: fc.array(proposalArb, { maxLength: 3 }),
});

// A block without an extension has no extension key at all (as the codec decodes it).
export const blockArb: fc.Arbitrary<Block> = fc.record(
  {
    header: headerArb,
    uncles: fc.array(uncleArb, { maxLength: 2 }),
    transactions: fc.array(transactionArb, { maxLength: 4 }),
    proposals: fc.array(proposalArb, { maxLength: 3 }),
    extension: fc.uint8Array({ minLength: 1, maxLength: 96 }),
  },
  { requiredKeys: ['header', 'uncles', 'transactions', 'proposals'] },
);
