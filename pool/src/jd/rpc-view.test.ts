import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { devnetJdView, jdcDeclaration, mineBlocks } from '../../test/support/jd-devnet-view.js';
import { CKB, type PoolWallet, poolWallet, signedSpend } from '../../test/support/jd-spend.js';
import { blockToJson } from '../ckb/block.js';
import { bytesToHex0x } from '../ckb/hex.js';
import { CkbRpcClient } from '../ckb/rpc.js';
import { serializeTransaction, type Transaction, txHash } from '../ckb/transaction.js';
import { type Devnet, startDevnet } from '../devnet/index.js';
import { grindNonce } from '../devnet/pow-check.js';
import { occupiedCapacity, parseDao } from './dao.js';
import { blockWithNonce, declareJob, provideMissing } from './declare.js';
import { rpcJdView } from './rpc-view.js';
import { JobTokens } from './tokens.js';

let wallet: PoolWallet;
const running: Devnet[] = [];

beforeAll(async () => {
  wallet = await poolWallet();
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((d) => d.close()));
});

/** The dev chain's RPC as the pool's node: trivial PoW, 2-block epochs, templates without transactions. */
async function node(blocks: number): Promise<{ devnet: Devnet; rpc: CkbRpcClient }> {
  const devnet = await startDevnet({
    rpcPort: 0,
    compactTarget: 0x207fffff,
    lockScript: { code_hash: wallet.lock.codeHash, hash_type: 'type', args: wallet.lock.args },
    epochLength: 2,
    cellbaseMaturity: { number: 1n, index: 0, length: 1 },
    templateTransactions: 0,
  });
  running.push(devnet);
  mineBlocks(devnet.chain, blocks);
  return { devnet, rpc: new CkbRpcClient(devnet.rpcUrl) };
}

describe('the JD view of a node over its RPC (the dev chain’s)', () => {
  it('gives the tip’s child template as the node builds it, and its median time', async () => {
    const { devnet, rpc } = await node(40);
    const view = rpcJdView(rpc, { rules: 'devnet' });
    const tip = devnet.chain.tip();
    const got = await view.parent(tip.hashHex);
    const direct = await devnetJdView(devnet.chain, { payoutLock: wallet.script }).parent(tip.hashHex);
    expect(got).toEqual(direct);
    expect(got?.status).toBe('tip');
    expect(got?.medianTime).toBe(devnet.chain.medianTimeOfTip());
  });

  it('calls a known block below the tip stale, and an unknown one unknown', async () => {
    const { devnet, rpc } = await node(3);
    const view = rpcJdView(rpc);
    const old = devnet.chain.blockByNumber(1n);
    expect((await view.parent(old?.hashHex ?? ''))?.status).toBe('stale');
    expect(await view.parent(`0x${'07'.repeat(32)}`)).toBeNull();
  });

  it('finds a sent transaction in the node’s pool, proposed only where the chain has no proposal window', async () => {
    const { devnet, rpc } = await node(14);
    const tx = await signedSpend(wallet, devnet.chain, [600n * CKB, 399n * CKB]);
    const hash = bytesToHex0x(txHash(tx));
    const devRules = rpcJdView(rpc, { rules: 'devnet' });
    expect(await devRules.poolTransaction(hash)).toBeNull();
    const sent = await devRules.submitTransaction(tx);
    expect(sent.ok).toBe(true);
    expect((await devRules.poolTransaction(hash))?.proposed).toBe(true);
    // A real node says `pending` until a block proposes it: not committable yet.
    expect((await rpcJdView(rpc, { rules: 'ckb' }).poolTransaction(hash))?.proposed).toBe(false);
    expect(await devRules.isCommitted(hash)).toBe(false);
    mineBlocks(devnet.chain, 1);
    expect(await devRules.isCommitted(hash)).toBe(true);
  });

  it('passes on the node’s reason when it refuses a transaction', async () => {
    const { devnet, rpc } = await node(14);
    const greedy = await signedSpend(wallet, devnet.chain, [1001n * CKB]);
    const r = await rpcJdView(rpc).submitTransaction(greedy);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/OutputsSumOverflow/);
  });

  it('moves U of the template’s DAO by the occupied capacity the declared transactions add (CKB rule)', async () => {
    const { devnet, rpc } = await node(14);
    const view = rpcJdView(rpc, { rules: 'ckb' });
    const tip = devnet.chain.tip();
    const template = devnet.chain.getBlockTemplate();
    const tx = await signedSpend(wallet, devnet.chain, [600n * CKB, 399n * CKB]);
    // The first transaction is the cellbase: the same in both sets, so the rule skips it.
    const block = (...txs: Transaction[]) => [tx, ...txs];
    const same = await view.expectedDao(tip.hashHex, 15n, block());
    expect(same).toEqual({ dao: new Uint8Array(Buffer.from(template.dao.slice(2), 'hex')) });

    // One input cell becomes two: U grows by one more cell's occupied capacity.
    const moved = await view.expectedDao(tip.hashHex, 15n, block(tx));
    if (!('dao' in moved) || !('dao' in same)) throw new Error('no DAO');
    const oneCell = occupiedCapacity(tx.outputs[0], new Uint8Array(0));
    expect(parseDao(moved.dao).u - parseDao(same.dao).u).toBe(oneCell);
    expect(parseDao(moved.dao).c).toBe(parseDao(same.dao).c);
  });

  it('judges a declaration end to end: a transaction the node lacked, provided, committed in a block the chain accepts', async () => {
    const { devnet, rpc } = await node(14);
    const view = rpcJdView(rpc, { rules: 'devnet' });
    const tokens = new JobTokens();
    const env = {
      view,
      payoutLock: wallet.payoutLock,
      tokens,
      connectionId: 1,
      newToken: () => Uint8Array.of(1),
    };
    const tx = await signedSpend(wallet, devnet.chain, [700n * CKB, 299n * CKB]);
    const m = jdcDeclaration(devnet.chain, wallet.script, tokens.allocate(1, Date.now()), [tx]);
    const first = await declareJob(m, env);
    if (first.kind !== 'missing') throw new Error(`expected missing, got ${first.kind}`);
    const done = await provideMissing(first.pending, [serializeTransaction(tx)], env);
    if (done.kind !== 'accepted') throw new Error(`expected accepted, got ${JSON.stringify(done)}`);
    const nonce = grindNonce(done.job.rawHeader, 'eaglesong', 0n, 1 << 16) ?? 0n;
    const hash = await rpc.submitBlock('0', blockToJson(blockWithNonce(done.job, nonce)));
    expect(devnet.chain.tip().hashHex).toBe(hash);
    expect(await view.isCommitted(bytesToHex0x(txHash(tx)))).toBe(true);
  });
});
