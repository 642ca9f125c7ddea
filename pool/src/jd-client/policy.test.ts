import { describe, expect, it } from 'vitest';
import { mineBlocks } from '../../test/support/jd-devnet-view.js';
import { bytesToHex0x } from '../ckb/hex.js';
import { templateToBlock } from '../ckb/template.js';
import type { CellOutput, Script, Transaction } from '../ckb/transaction.js';
import { txHash } from '../ckb/transaction.js';
import { DevChain } from '../devnet/chain.js';
import { devnetLock } from '../devnet/lock.js';
import { occupiedCapacity, parseDao } from '../jd/dao.js';
import type { JdcNode, NodeTxStatus } from './node.js';
import { applyPolicy } from './policy.js';

const lock: Script = {
  codeHash: new Uint8Array(32).fill(1),
  hashType: 'type',
  args: new Uint8Array(20).fill(2),
};
const spentOutput: CellOutput = { capacity: 500n * 100_000_000n, lock, type: null };

/** A transfer spending one 20-byte-args cell into two outputs, one with 8 bytes of data. */
function transfer(seed: number): Transaction {
  return {
    version: 0,
    cellDeps: [],
    headerDeps: [],
    inputs: [{ since: 0n, previousOutput: { txHash: new Uint8Array(32).fill(seed), index: 0 } }],
    outputs: [
      { capacity: 200n * 100_000_000n, lock, type: null },
      { capacity: 299n * 100_000_000n, lock, type: null },
    ],
    outputsData: [new Uint8Array(0), new Uint8Array(8)],
    witnesses: [new Uint8Array(0)],
  };
}

function node(devChain: boolean, held: Array<[Transaction, NodeTxStatus]>): JdcNode {
  const byHash = new Map(held.map(([tx, status]) => [bytesToHex0x(txHash(tx)), { tx, status }]));
  return {
    blockTemplate: () => Promise.reject(new Error('not used')),
    transaction: async (h) => byHash.get(h) ?? null,
    liveCell: async () => ({ output: spentOutput, data: new Uint8Array(0) }),
    submitBlock: () => Promise.reject(new Error('not used')),
    isDevChain: async () => devChain,
  };
}

function template() {
  const chain = new DevChain({
    compactTarget: 0x207fffff,
    pow: 'eaglesong',
    lock: devnetLock(1n),
    templateTransactions: 0,
  });
  mineBlocks(chain, 2);
  return templateToBlock(chain.getBlockTemplate());
}

const hashOf = (tx: Transaction) => bytesToHex0x(txHash(tx));

describe('the transaction policy', () => {
  it('commits a proposed transaction the template left out and moves U by its occupied capacity', async () => {
    const t = template();
    const tx = transfer(3);
    const r = await applyPolicy(node(false, [[tx, 'proposed']]), t, { includeTx: [hashOf(tx)] });
    expect(r.commit).toEqual([tx]);
    expect(r.propose).toEqual([]);
    const before = parseDao(t.rawHeader.dao);
    const after = parseDao(r.dao);
    const grown =
      occupiedCapacity(tx.outputs[0], tx.outputsData[0]) +
      occupiedCapacity(tx.outputs[1], tx.outputsData[1]) -
      occupiedCapacity(spentOutput, new Uint8Array(0));
    expect(after.u - before.u).toBe(grown);
    expect([after.c, after.ar, after.s]).toEqual([before.c, before.ar, before.s]);
  });

  it('proposes a pending transaction instead of committing it (CKB’s two-step commitment)', async () => {
    const t = template();
    const tx = transfer(4);
    const r = await applyPolicy(node(false, [[tx, 'pending']]), t, { includeTx: [hashOf(tx)] });
    expect(r.commit).toEqual([]);
    expect(r.propose.map(bytesToHex0x)).toEqual([bytesToHex0x(txHash(tx).slice(0, 10))]);
    expect(bytesToHex0x(r.dao)).toBe(bytesToHex0x(t.rawHeader.dao));
  });

  it('commits a pending transaction on the dev chain and keeps its per-height DAO field', async () => {
    const t = template();
    const tx = transfer(5);
    const r = await applyPolicy(node(true, [[tx, 'pending']]), t, { includeTx: [hashOf(tx)] });
    expect(r.commit).toEqual([tx]);
    expect(bytesToHex0x(r.dao)).toBe(bytesToHex0x(t.rawHeader.dao));
  });

  it('says why a wanted transaction is left out', async () => {
    const t = template();
    const committed = transfer(6);
    const unknown = transfer(7);
    const r = await applyPolicy(node(false, [[committed, 'committed']]), t, {
      includeTx: [hashOf(committed), hashOf(unknown)],
    });
    expect(r.commit).toEqual([]);
    expect(r.notes).toEqual([
      `${hashOf(committed)}: already committed`,
      `${hashOf(unknown)}: the node does not hold it`,
    ]);
  });
});
