import { ccc } from '@ckb-ccc/core';
import { cccA } from '@ckb-ccc/core/advanced';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { asLike } from '../../test/support/ccc-like.js';
import { bytesToHex0x, hexToBytes } from '../ckb/hex.js';
import { CkbRpcClient, CkbRpcError } from '../ckb/rpc.js';
import type { BlockTemplateJson, ScriptJson } from '../ckb/rpc-types.js';
import { outPointKey } from './cells.js';
import { txHash } from './codec.js';
import { type Devnet, startDevnet } from './index.js';
import { decodeTransaction } from './json-decode.js';
import { grindNonce } from './pow-check.js';
import { solveTemplate } from './solve.js';

/** A fixed test key (never used outside tests); its lock is the chain's block-assembler lock. */
const TEST_KEY = `0x${'11'.repeat(32)}`;
const CKB = 100_000_000n;
const REWARD = 1000n * CKB;
/** Trivial PoW so blocks cost a hash or two. */
const EASY_TARGET = 0x207fffff;

const signer = new ccc.SignerCkbPrivateKey(new ccc.ClientPublicTestnet(), TEST_KEY);
let lock: ccc.Script;
let devnet: Devnet;
let rpc: CkbRpcClient;

beforeEach(async () => {
  lock = (await signer.getRecommendedAddressObj()).script;
  const lockJson: ScriptJson = { code_hash: lock.codeHash, hash_type: lock.hashType, args: lock.args };
  devnet = await startDevnet({
    rpcPort: 0,
    compactTarget: EASY_TARGET,
    lockScript: lockJson,
    epochLength: 2,
    cellbaseMaturity: { number: 1n, index: 0, length: 1 },
    templateTransactions: 1,
  });
  rpc = new CkbRpcClient(devnet.rpcUrl, { timeoutMs: 5000 });
});
afterEach(async () => {
  await devnet.close();
});

/** Mines through the pool's path: template → solve → submit_block. */
async function mineViaTemplate(count: number): Promise<BlockTemplateJson[]> {
  const used: BlockTemplateJson[] = [];
  for (let i = 0; i < count; i++) {
    const t = await rpc.call<BlockTemplateJson>('get_block_template', []);
    await rpc.call('submit_block', [t.work_id, solveTemplate(t, 'eaglesong').block]);
    used.push(t);
  }
  return used;
}

/** The cellbase out point of block `n` (its reward output pays block n − 11's lock). */
async function cellbaseOutPoint(n: number): Promise<{ txHash: string; index: number }> {
  const block = await rpc.call<{ transactions: { hash: string }[] }>('get_block_by_number', [
    `0x${n.toString(16)}`,
  ]);
  return { txHash: block.transactions[0].hash, index: 0 };
}

/** A CCC-signed transfer of a 1000-CKB cellbase to `outputs` (the rest is the fee). */
async function signedSpend(
  outPoint: { txHash: string; index: number },
  outputs: bigint[],
  input = REWARD,
): Promise<ccc.Transaction> {
  const tx = ccc.Transaction.from({
    inputs: [{ previousOutput: outPoint, cellOutput: { capacity: input, lock }, outputData: '0x' }],
    outputs: outputs.map((capacity) => ({ capacity, lock })),
    outputsData: outputs.map(() => '0x'),
  });
  return signer.signTransaction(asLike(tx));
}

function txJson(tx: ccc.Transaction): unknown {
  return cccA.JsonRpcTransformers.transactionFrom(asLike(tx));
}

async function sendError(tx: unknown): Promise<CkbRpcError> {
  const err = await rpc.call('send_transaction', [tx, 'passthrough']).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CkbRpcError);
  return err as CkbRpcError;
}

describe('transactions on the dev chain', () => {
  it('accepts a CCC-signed spend of a matured cellbase and commits it with the next block', async () => {
    await mineViaTemplate(14); // block 12 pays block 1's miner; epoch 7 ≥ 6 + 1 matures it
    const outPoint = await cellbaseOutPoint(12);
    const live = await rpc.call<{ cell: unknown; status: string }>('get_live_cell', [
      { tx_hash: outPoint.txHash, index: '0x0' },
      true,
    ]);
    expect(live).toEqual({
      cell: {
        output: {
          capacity: `0x${REWARD.toString(16)}`,
          lock: { code_hash: lock.codeHash, hash_type: 'type', args: lock.args },
          type: null,
        },
        data: { content: '0x', hash: bytesToHex0x(new Uint8Array(32)) },
      },
      status: 'live',
    });

    const tx = await signedSpend(outPoint, [600n * CKB, 399n * CKB]);
    // CCC's hash and the dev chain's own codec agree on the transaction.
    expect(bytesToHex0x(txHash(decodeTransaction(txJson(tx), 'tx')))).toBe(tx.hash());
    const hash = await rpc.call<string>('send_transaction', [txJson(tx), 'passthrough']);
    expect(hash).toBe(tx.hash());

    const pending = await rpc.call<{ tx_status: { status: string; block_hash: string | null }; fee: string }>(
      'get_transaction',
      [hash],
    );
    expect(pending.tx_status).toEqual({
      status: 'pending',
      block_number: null,
      block_hash: null,
      tx_index: null,
      reason: null,
    });
    expect(BigInt(pending.fee)).toBe(CKB);

    const [template] = await mineViaTemplate(1);
    expect(template.transactions.map((t) => t.hash)).toContain(hash);
    const tip = await rpc.getTipHeader();
    const committed = await rpc.call<{ transaction: { hash: string }; tx_status: Record<string, unknown> }>(
      'get_transaction',
      [hash],
    );
    expect(committed.transaction.hash).toBe(hash);
    expect(committed.tx_status).toEqual({
      status: 'committed',
      block_number: tip.number,
      block_hash: tip.hash,
      tx_index: '0x1',
      reason: null,
    });
    const weight = BigInt(tx.toBytes().length + 4);
    const rate = `0x${((CKB * 1000n) / weight).toString(16)}`;
    expect(await rpc.call('get_fee_rate_statistics', [])).toEqual({ mean: rate, median: rate });
    const spent = await rpc.call('get_live_cell', [{ tx_hash: outPoint.txHash, index: '0x0' }, false]);
    expect(spent).toEqual({ cell: null, status: 'dead' });
    const change = await rpc.call<{ cell: { output: { capacity: string }; data: null }; status: string }>(
      'get_live_cell',
      [{ tx_hash: hash, index: '0x1' }, false],
    );
    expect(change.status).toBe('live');
    expect(BigInt(change.cell.output.capacity)).toBe(399n * CKB);
    expect(change.cell.data).toBeNull();

    // Spending the committed change output works too (a non-cellbase input needs no maturity).
    const next = await signedSpend({ txHash: hash, index: 1 }, [398n * CKB], 399n * CKB);
    expect(await rpc.call('send_transaction', [txJson(next)])).toBe(next.hash());
    await mineViaTemplate(1);
    const status = await rpc.call<{ tx_status: { status: string } }>('get_transaction', [next.hash()]);
    expect(status.tx_status.status).toBe('committed');
  });

  it('answers unknown for a transaction and a cell it has never seen, and no fee statistics', async () => {
    const h = `0x${'ab'.repeat(32)}`;
    const t = await rpc.call<{ transaction: unknown; tx_status: { status: string } }>('get_transaction', [h]);
    expect(t.transaction).toBeNull();
    expect(t.tx_status.status).toBe('unknown');
    expect(await rpc.call('get_fee_rate_statistics', [])).toBeNull();
    expect(await rpc.call('get_live_cell', [{ tx_hash: h, index: '0x0' }, true])).toEqual({
      cell: null,
      status: 'unknown',
    });
  });

  it('refuses a signature over a different transaction with the lock script error', async () => {
    await mineViaTemplate(14);
    const tx = await signedSpend(await cellbaseOutPoint(12), [999n * CKB]);
    tx.outputs[0].capacity = 998n * CKB; // signed message no longer matches
    const err = await sendError(txJson(tx));
    expect(err.code).toBe(-302);
    expect(err.rpcMessage).toMatch(
      /^TransactionFailedToVerify: Verification failed Script\(.*Inputs\[0\]\.Lock.*error code -31/,
    );
  });

  it('refuses an input spent by a pending transaction, twice in one transaction, or on chain', async () => {
    await mineViaTemplate(14);
    const outPoint = await cellbaseOutPoint(12);
    // The same cell twice in one transaction is no way to double its capacity.
    const twice = ccc.Transaction.from({
      inputs: [0, 1].map(() => ({
        previousOutput: outPoint,
        cellOutput: { capacity: REWARD, lock },
        outputData: '0x',
      })),
      outputs: [{ capacity: 1999n * CKB, lock }],
      outputsData: ['0x'],
    });
    const twiceErr = await sendError(txJson(await signer.signTransaction(asLike(twice))));
    expect(twiceErr.code).toBe(-301);
    const first = await signedSpend(outPoint, [999n * CKB]);
    await rpc.call('send_transaction', [txJson(first)]);
    const second = await signedSpend(outPoint, [998n * CKB]);
    const pendingErr = await sendError(txJson(second));
    expect(pendingErr.code).toBe(-301);
    expect(pendingErr.rpcMessage).toMatch(
      /^TransactionFailedToResolve: Resolve failed Dead\(OutPoint\(0x[0-9a-f]{72}\)\)$/,
    );
    await mineViaTemplate(1);
    const chainErr = await sendError(txJson(second));
    expect(chainErr.code).toBe(-301);
    expect(chainErr.rpcMessage).toContain('Dead(OutPoint(');
  });

  it('refuses an immature cellbase', async () => {
    await mineViaTemplate(12); // block 12's cellbase exists but matures only in epoch 7
    const err = await sendError(txJson(await signedSpend(await cellbaseOutPoint(12), [999n * CKB])));
    expect(err.code).toBe(-302);
    expect(err.rpcMessage).toBe(
      'TransactionFailedToVerify: Verification failed Transaction(CellbaseImmaturity(Inputs[0]))',
    );
  });

  it('refuses an output whose capacity is below its occupied capacity', async () => {
    await mineViaTemplate(14);
    const err = await sendError(
      txJson(await signedSpend(await cellbaseOutPoint(12), [60n * CKB, 939n * CKB])),
    );
    expect(err.code).toBe(-302);
    expect(err.rpcMessage).toContain('InsufficientCellCapacity(Outputs[0])');
    expect(err.rpcMessage).toContain('(6100000000)');
  });

  it('refuses outputs above the inputs and a fee below 1000 shannons per 1000 bytes', async () => {
    await mineViaTemplate(14);
    const outPoint = await cellbaseOutPoint(12);
    const over = await sendError(txJson(await signedSpend(outPoint, [REWARD + 1n])));
    expect(over.code).toBe(-302);
    expect(over.rpcMessage).toContain('OutputsSumOverflow');
    const cheap = await signedSpend(outPoint, [REWARD - 100n]);
    const size = BigInt(cheap.toBytes().length + 4);
    const err = await sendError(txJson(cheap));
    expect(err.code).toBe(-1104);
    expect(err.rpcMessage).toBe(
      `PoolRejectedTransactionByMinFeeRate: The min fee rate is 1000 shannons/KW, requires a transaction fee of at least ${size}, but the fee provided is only 100`,
    );
    const enough = await signedSpend(outPoint, [REWARD - size]);
    expect(await rpc.call('send_transaction', [txJson(enough)])).toBe(enough.hash());
  });

  it('refuses a transaction it already holds', async () => {
    await mineViaTemplate(14);
    const tx = await signedSpend(await cellbaseOutPoint(12), [999n * CKB]);
    await rpc.call('send_transaction', [txJson(tx)]);
    const err = await sendError(txJson(tx));
    expect(err.code).toBe(-1107);
    expect(err.rpcMessage).toBe(
      `PoolRejectedDuplicatedTransaction: Transaction(Byte32(${tx.hash()})) already exists in transaction_pool`,
    );
  });
});

describe('the cell state across a reorg', () => {
  it('undoes a transaction committed on a branch that loses to a longer fork and pools it again', async () => {
    const forking = await startDevnet({
      rpcPort: 0,
      compactTarget: EASY_TARGET,
      lockScript: { code_hash: lock.codeHash, hash_type: lock.hashType, args: lock.args },
      epochLength: 2,
      cellbaseMaturity: { number: 1n, index: 0, length: 1 },
      forks: 'accept',
    });
    try {
      const chain = forking.chain;
      const mineOn = (parent = chain.tip()) => {
        const b = chain.buildBlock(undefined, parent);
        const nonce = grindNonce(b.header, 'eaglesong', 0n, 1 << 16);
        if (nonce === null) throw new Error('could not grind');
        b.header.nonce = nonce;
        return chain.accept(b);
      };
      for (let i = 0; i < 14; i++) mineOn();
      const forkPoint = chain.tip();
      const cellbase = bytesToHex0x(txHash(chain.blockByNumber(12n)!.block.transactions[0]));
      const tx = await signedSpend({ txHash: cellbase, index: 0 }, [999n * CKB]);
      chain.sendTransaction([txJson(tx)]);
      mineOn(); // block 15 commits it
      expect(chain.cells.transaction(tx.hash())?.blockNumber).toBe(15n);

      mineOn(mineOn(forkPoint)); // 15', 16' without it: the longer chain wins
      expect(chain.tip().block.header.number).toBe(16n);
      expect(chain.cells.transaction(tx.hash())).toBeNull();
      expect(chain.cells.cell(outPointKey(hexToBytes(cellbase), 0))?.cellbase).toBe(true);
      // Back in the pool, as the node does, and committed again by the next block.
      expect(chain.txPool.get(tx.hash())).not.toBeNull();
      mineOn();
      expect(chain.cells.transaction(tx.hash())?.blockNumber).toBe(17n);
    } finally {
      await forking.close();
    }
  });
});
