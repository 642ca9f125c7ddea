import { ccc } from '@ckb-ccc/core';
import { cccA } from '@ckb-ccc/core/advanced';
import { beforeAll, describe, expect, it } from 'vitest';
import { asLike } from '../../test/support/ccc-like.js';
import {
  devnetJdView,
  jdcDeclaration,
  mineBlocks,
  toCkbTransaction,
} from '../../test/support/jd-devnet-view.js';
import { blockToJson } from '../ckb/block.js';
import type { PayoutLock } from '../ckb/cellbase-lock.js';
import { bytesToHex0x } from '../ckb/hex.js';
import { serializeTransaction, type Transaction, transactionFromJson, txHash } from '../ckb/transaction.js';
import { DevChain, type StoredBlock } from '../devnet/chain.js';
import { decodeBlock, decodeScript, type Script } from '../devnet/json-decode.js';
import { devnetLock } from '../devnet/lock.js';
import { grindNonce } from '../devnet/pow-check.js';
import type { DeclareCkbMiningJob } from '../sv2/messages/ckb-jd.js';
import { JdErrorCodes } from '../sv2/messages/constants.js';
import {
  blockWithNonce,
  type DeclareEnv,
  type DeclareOutcome,
  declareJob,
  provideMissing,
} from './declare.js';
import { JobTokens } from './tokens.js';

/** Test-only pool wallet key (never used outside tests); its lock is the pool's payout lock. */
const POOL_KEY = `0x${'44'.repeat(32)}`;
const CKB = 100_000_000n;
const REWARD = 1000n * CKB;
const signer = new ccc.SignerCkbPrivateKey(new ccc.ClientPublicTestnet(), POOL_KEY);

let lock: ccc.Script;
let poolLock: Script;
let payoutLock: PayoutLock;

beforeAll(async () => {
  lock = (await signer.getRecommendedAddressObj()).script;
  poolLock = decodeScript({ code_hash: lock.codeHash, hash_type: lock.hashType, args: lock.args }, 'lock');
  payoutLock = { codeHash: lock.codeHash, hashType: 'type', args: lock.args };
});

/** A dev chain that plays the pool's node: trivial PoW, 2-block epochs, 1-epoch cellbase maturity. */
function poolNode(): DevChain {
  return new DevChain({
    compactTarget: 0x207fffff,
    pow: 'eaglesong',
    lock: poolLock,
    epochLength: 2,
    cellbaseMaturity: { number: 1n, index: 0, length: 1 },
    templateTransactions: 0,
  });
}

const mine = mineBlocks;

function declaration(
  chain: DevChain,
  token: Uint8Array,
  txs: Transaction[],
  opts: { parent?: StoredBlock; witnessLock?: Script } = {},
): DeclareCkbMiningJob {
  return jdcDeclaration(chain, opts.witnessLock ?? poolLock, token, txs, opts.parent);
}

/** A CCC-signed spend of block 12's cellbase (it pays block 1's miner, the pool). */
async function signedSpend(chain: DevChain, outputs: bigint[]): Promise<Transaction> {
  const cellbase = toCkbTransaction(chain.blockByNumber(12n)!.block.transactions[0]);
  const tx = ccc.Transaction.from({
    inputs: [
      {
        previousOutput: { txHash: bytesToHex0x(txHash(cellbase)), index: 0 },
        cellOutput: { capacity: REWARD, lock },
        outputData: '0x',
      },
    ],
    outputs: outputs.map((capacity) => ({ capacity, lock })),
    outputsData: outputs.map(() => '0x'),
  });
  const signed = await signer.signTransaction(asLike(tx));
  return transactionFromJson(cccA.JsonRpcTransformers.transactionFrom(asLike(signed)));
}

function env(chain: DevChain, tokens = new JobTokens()): DeclareEnv {
  let next = 0;
  return {
    view: devnetJdView(chain, { payoutLock: poolLock }),
    payoutLock,
    tokens,
    connectionId: 1,
    newToken: () => new Uint8Array([0xd0, ++next]),
  };
}

const token = (e: DeclareEnv): Uint8Array => e.tokens.allocate(e.connectionId, Number(e.view.nowMs()));

function expectRefused(outcome: DeclareOutcome, code: string): string {
  expect(outcome.kind).toBe('refused');
  if (outcome.kind !== 'refused') return '';
  expect(outcome.refusal.code).toBe(code);
  return outcome.refusal.details;
}

describe('a declared job on the dev chain', () => {
  it('asks for a transaction the pool’s node lacks, accepts it, and its solved block pays the pool and contains it', async () => {
    const chain = poolNode();
    mine(chain, 14);
    const e = env(chain);
    // The miner's node has this transfer; the pool's node (and so the pool's template) does not.
    const tx = await signedSpend(chain, [600n * CKB, 399n * CKB]);
    expect(chain.getBlockTemplate().transactions).toHaveLength(0);

    const first = await declareJob(declaration(chain, token(e), [tx]), e);
    expect(first.kind).toBe('missing');
    if (first.kind !== 'missing') return;
    expect(first.positions).toEqual([0]);

    const done = await provideMissing(first.pending, [serializeTransaction(tx)], e);
    expect(done.kind).toBe('accepted');
    if (done.kind !== 'accepted') return;
    const { job } = done;
    expect(job.number).toBe(15n);

    const nonce = grindNonce(job.rawHeader, 'eaglesong', 0n, 1 << 16);
    expect(nonce).not.toBeNull();
    const stored = chain.accept(decodeBlock(blockToJson(blockWithNonce(job, nonce!))));
    expect(chain.tip()).toBe(stored);
    expect(stored.block.transactions.map((t) => bytesToHex0x(txHash(toCkbTransaction(t))))).toContain(
      bytesToHex0x(txHash(tx)),
    );
    expect(stored.witnessLock).toEqual(poolLock);
  });

  it('accepts at once a declaration whose transactions the pool’s node already holds', async () => {
    const chain = poolNode();
    mine(chain, 14);
    const e = env(chain);
    const tx = await signedSpend(chain, [500n * CKB, 499n * CKB]);
    expect((await e.view.submitTransaction(tx)).ok).toBe(true);
    const outcome = await declareJob(declaration(chain, token(e), [tx]), e);
    expect(outcome.kind).toBe('accepted');
  });

  it('refuses a cellbase paying another lock than the pool’s', async () => {
    const chain = poolNode();
    mine(chain, 2);
    const e = env(chain);
    const m = declaration(chain, token(e), [], { witnessLock: devnetLock(99n) });
    const details = expectRefused(await declareJob(m, e), JdErrorCodes.invalidCellbaseLock);
    expect(details).toMatch(/not the payout lock/);
  });

  it('refuses a parent that is no longer the tip, and one the node does not know', async () => {
    const chain = poolNode();
    const old = mine(chain, 2);
    mine(chain, 1);
    const e = env(chain);
    expectRefused(
      await declareJob(declaration(chain, token(e), [], { parent: old }), e),
      JdErrorCodes.staleParent,
    );
    const unknown = { ...declaration(chain, token(e), []), parentHash: new Uint8Array(32).fill(7) };
    expectRefused(await declareJob(unknown, e), JdErrorCodes.unknownParent);
  });

  it('refuses a DAO field other than the one the node computes', async () => {
    const chain = poolNode();
    mine(chain, 2);
    const e = env(chain);
    const m = declaration(chain, token(e), []);
    const dao = m.dao.slice();
    dao[0] ^= 1;
    const details = expectRefused(await declareJob({ ...m, dao }, e), JdErrorCodes.invalidDao);
    expect(details).toContain(bytesToHex0x(m.dao));
  });

  it('refuses when a requested transaction is not provided, and when the node rejects the one provided', async () => {
    const chain = poolNode();
    mine(chain, 14);
    const e = env(chain);
    const tx = await signedSpend(chain, [600n * CKB, 399n * CKB]);
    const first = await declareJob(declaration(chain, token(e), [tx]), e);
    if (first.kind !== 'missing') throw new Error(`expected missing, got ${first.kind}`);
    expectRefused(await provideMissing(first.pending, [], e), JdErrorCodes.missingTransactions);

    // A spend of more than the input: the node's pool refuses it (outputs above inputs).
    const greedy = await signedSpend(chain, [1001n * CKB]);
    const again = await declareJob(declaration(chain, token(e), [greedy]), e);
    if (again.kind !== 'missing') throw new Error(`expected missing, got ${again.kind}`);
    const details = expectRefused(
      await provideMissing(again.pending, [serializeTransaction(greedy)], e),
      JdErrorCodes.invalidTransaction,
    );
    expect(details).toMatch(/OutputsSumOverflow/);
  });

  it('refuses provided bytes that are not the declared transaction', async () => {
    const chain = poolNode();
    mine(chain, 14);
    const e = env(chain);
    const [a, b] = [
      await signedSpend(chain, [600n * CKB, 399n * CKB]),
      await signedSpend(chain, [999n * CKB]),
    ];
    const first = await declareJob(declaration(chain, token(e), [a]), e);
    if (first.kind !== 'missing') throw new Error(`expected missing, got ${first.kind}`);
    expectRefused(
      await provideMissing(first.pending, [serializeTransaction(b)], e),
      JdErrorCodes.invalidTransaction,
    );
  });

  it('refuses a cellbase that pays itself more than the chain’s reward', async () => {
    const chain = poolNode();
    mine(chain, 13); // block 14's cellbase pays block 3's reward
    const e = env(chain);
    const m = declaration(chain, token(e), []);
    const cellbase = toCkbTransaction(chain.buildBlock(poolLock).transactions[0]);
    cellbase.outputs[0] = { ...cellbase.outputs[0], capacity: cellbase.outputs[0].capacity + 1n };
    const details = expectRefused(
      await declareJob({ ...m, cellbase: serializeTransaction(cellbase) }, e),
      JdErrorCodes.invalidCellbaseReward,
    );
    expect(details).toMatch(/100000000001 shannons/);
  });

  it('refuses header fields the node would not give this parent', async () => {
    const chain = poolNode();
    mine(chain, 2);
    const e = env(chain);
    const m = () => declaration(chain, token(e), []);
    expectRefused(
      await declareJob({ ...m(), compactTarget: 0x1d00ffff }, e),
      JdErrorCodes.invalidCompactTarget,
    );
    expectRefused(await declareJob({ ...m(), number: 9n }, e), JdErrorCodes.invalidNumber);
    expectRefused(await declareJob({ ...m(), epoch: m().epoch + 1n }, e), JdErrorCodes.invalidEpoch);
    // Not after the median time of the last 37 blocks, or more than 15 s ahead of the clock.
    expectRefused(
      await declareJob({ ...m(), timestamp: chain.medianTimeOfTip() }, e),
      JdErrorCodes.invalidTimestamp,
    );
    expectRefused(
      await declareJob({ ...m(), timestamp: BigInt(Date.now()) + 60_000n }, e),
      JdErrorCodes.invalidTimestamp,
    );
    expectRefused(
      await declareJob({ ...m(), extension: new Uint8Array(32) }, e),
      JdErrorCodes.invalidExtension,
    );
    expectRefused(
      await declareJob({ ...m(), proposals: new Uint8Array(11) }, e),
      JdErrorCodes.invalidProposals,
    );
  });

  it('takes each token once, and only from the connection it was allocated on', async () => {
    const chain = poolNode();
    mine(chain, 2);
    const e = env(chain);
    const t = token(e);
    expectRefused(
      await declareJob(declaration(chain, t, []), { ...e, connectionId: 2 }),
      JdErrorCodes.invalidMiningJobToken,
    );
    // The foreign attempt did not burn it.
    expect((await declareJob(declaration(chain, t, []), e)).kind).toBe('accepted');
    expectRefused(await declareJob(declaration(chain, t, []), e), JdErrorCodes.invalidMiningJobToken);
  });
});
