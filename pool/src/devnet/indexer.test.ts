import { ccc } from '@ckb-ccc/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { asLike } from '../../test/support/ccc-like.js';
import { CkbRpcClient, CkbRpcError } from '../ckb/rpc.js';
import type { BlockTemplateJson } from '../ckb/rpc-types.js';
import { type Devnet, startDevnet } from './index.js';
import { solveTemplate } from './solve.js';

/** A fixed test key (never used outside tests); its lock is the chain's block-assembler lock. */
const TEST_KEY = `0x${'22'.repeat(32)}`;
const CKB = 100_000_000n;
const REWARD = 1000n * CKB;

let devnet: Devnet;
let rpc: CkbRpcClient;
let client: ccc.Client;
let signer: ccc.SignerCkbPrivateKey;
let lock: ccc.Script;

beforeEach(async () => {
  lock = (
    await new ccc.SignerCkbPrivateKey(new ccc.ClientPublicTestnet(), TEST_KEY).getRecommendedAddressObj()
  ).script;
  devnet = await startDevnet({
    rpcPort: 0,
    compactTarget: 0x207fffff,
    lockScript: { code_hash: lock.codeHash, hash_type: lock.hashType, args: lock.args },
    epochLength: 2,
    cellbaseMaturity: { number: 1n, index: 0, length: 1 },
  });
  rpc = new CkbRpcClient(devnet.rpcUrl, { timeoutMs: 5000 });
  // CCC's own JSON-RPC client pointed at the dev chain: it speaks get_cells & co. as to a node.
  client = new ccc.ClientPublicTestnet({ url: devnet.rpcUrl });
  signer = new ccc.SignerCkbPrivateKey(client, TEST_KEY);
});
afterEach(async () => {
  await devnet.close();
});

async function mine(count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const t = await rpc.call<BlockTemplateJson>('get_block_template', []);
    await rpc.call('submit_block', [t.work_id, solveTemplate(t, 'eaglesong').block]);
  }
}

const searchKey = () => ({
  script: { code_hash: lock.codeHash, hash_type: lock.hashType, args: lock.args },
  script_type: 'lock',
});

describe('indexer RPCs on the dev chain', () => {
  it('answers get_consensus with its cellbase maturity packed as the node packs an epoch fraction', async () => {
    const c = await rpc.call<Record<string, unknown>>('get_consensus', []);
    // 1 epoch: number 1, index 0, length 1 → 1 | 0 << 24 | 1 << 40.
    expect(c).toMatchObject({ id: 'ckb_dev', cellbase_maturity: '0x10000000001' });
    expect(c.genesis_hash).toBe((await rpc.getHeaderByNumber(0n))?.hash);
  });

  it('pages the live cells of a lock in block order with a cursor', async () => {
    await mine(15); // blocks 12..15 pay the test lock
    const first = await rpc.call<{
      objects: { block_number: string; tx_index: string; output_data: string | null }[];
      last_cursor: string;
    }>('get_cells', [searchKey(), 'asc', '0x3']);
    expect(first.objects.map((o) => o.block_number)).toEqual(['0xc', '0xd', '0xe']);
    expect(first.objects.every((o) => o.tx_index === '0x0' && o.output_data === '0x')).toBe(true);
    const rest = await rpc.call<{ objects: { block_number: string }[] }>('get_cells', [
      { ...searchKey(), with_data: false },
      'asc',
      '0x3',
      first.last_cursor,
    ]);
    expect(rest.objects.map((o) => o.block_number)).toEqual(['0xf']);
    const desc = await rpc.call<{ objects: { block_number: string }[] }>('get_cells', [
      searchKey(),
      'desc',
      '0x2',
    ]);
    expect(desc.objects.map((o) => o.block_number)).toEqual(['0xf', '0xe']);

    const tip = await rpc.getTipHeader();
    expect(await rpc.call('get_cells_capacity', [searchKey()])).toEqual({
      capacity: `0x${(4n * REWARD).toString(16)}`,
      block_hash: tip.hash,
      block_number: tip.number,
    });
    const other = { ...searchKey(), script: { ...searchKey().script, args: `0x${'00'.repeat(20)}` } };
    expect(await rpc.call('get_cells_capacity', [other])).toMatchObject({ capacity: '0x0' });
    const bad = await rpc
      .call('get_cells', [{ ...searchKey(), script_type: 'both' }, 'asc', '0x1'])
      .catch((e) => e);
    expect(bad).toBeInstanceOf(CkbRpcError);
    expect((bad as CkbRpcError).code).toBe(-32602);
  });

  it('lets a CCC wallet find its balance, build, sign and send a payment that confirms', async () => {
    await mine(15); // block 12 and 13's rewards are mature at tip 15 (epoch 7.5 ≥ 6 + 1, 6.5 + 1)
    expect(await client.getBalance([lock])).toBe(4n * REWARD);
    const to = (await new ccc.SignerCkbPrivateKey(client, `0x${'33'.repeat(32)}`).getRecommendedAddressObj())
      .script;
    const tx = ccc.Transaction.from({ outputs: [{ capacity: 1500n * CKB, lock: to }] });
    await tx.completeInputsByCapacity(signer);
    await tx.completeFeeBy(signer, 1000n);
    const hash = await signer.sendTransaction(asLike(tx));
    expect(
      (await rpc.call<{ tx_status: { status: string } }>('get_transaction', [hash])).tx_status.status,
    ).toBe('pending');
    await mine(1);
    const status = await rpc.call<{ tx_status: { status: string } }>('get_transaction', [hash]);
    expect(status.tx_status.status).toBe('committed');
    expect(
      await rpc.call('get_cells_capacity', [
        { script: { code_hash: to.codeHash, hash_type: to.hashType, args: to.args }, script_type: 'lock' },
      ]),
    ).toMatchObject({ capacity: `0x${(1500n * CKB).toString(16)}` });
  });
});
