import { afterEach, describe, expect, it } from 'vitest';
import { blockHash, headerFromJson } from '../ckb/header.js';
import { bytesToHex0x } from '../ckb/hex.js';
import { CkbRpcClient, CkbRpcError } from '../ckb/rpc.js';
import type { BlockJson, BlockTemplateJson } from '../ckb/rpc-types.js';
import { blockToSubmitJson, templateToBlock } from '../ckb/template.js';
import { blockToJson, extraHash, transactionsRoot } from './codec.js';
import { type Devnet, startDevnet } from './index.js';
import { decodeBlock } from './json-decode.js';
import { grindNonce, verifyPow } from './pow-check.js';
import { failingNonce, solveTemplate, templateToDecodedBlock } from './solve.js';

const running: Devnet[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((d) => d.close()));
});

async function devnet(
  opts: Partial<Parameters<typeof startDevnet>[0]> = {},
): Promise<{ d: Devnet; rpc: CkbRpcClient }> {
  const d = await startDevnet({ rpcPort: 0, ...opts });
  running.push(d);
  return { d, rpc: new CkbRpcClient(d.rpcUrl, { timeoutMs: 5000 }) };
}

async function rejection(p: Promise<unknown>): Promise<CkbRpcError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CkbRpcError);
  return err as CkbRpcError;
}

/**
 * A block from `t` with one thing changed and PoW re-ground, so only that thing is wrong.
 * `recommit` recomputes transactions_root after the edit (for edits inside transactions).
 */
function tampered(
  t: BlockTemplateJson,
  edit: (b: ReturnType<typeof templateToDecodedBlock>) => void,
  recommit = false,
): BlockJson {
  const b = templateToDecodedBlock(t);
  edit(b);
  if (recommit) b.header.transactionsRoot = transactionsRoot(b.transactions);
  const nonce = grindNonce(b.header, 'eaglesong', 0n, 1 << 20);
  if (nonce === null) throw new Error('could not grind');
  b.header.nonce = nonce;
  return blockToJson(b);
}

describe('dev chain over real HTTP', () => {
  it('answers the node status methods with the node JSON shapes', async () => {
    const { d, rpc } = await devnet({ compactTarget: 0x20010000 });
    const tip = await rpc.getTipHeader();
    expect(tip.number).toBe('0x0');
    expect(Object.keys(tip)).toEqual([
      'version',
      'compact_target',
      'timestamp',
      'number',
      'epoch',
      'parent_hash',
      'transactions_root',
      'proposals_hash',
      'extra_hash',
      'dao',
      'nonce',
      'hash',
    ]);
    expect(bytesToHex0x(blockHash(headerFromJson(tip)))).toBe(tip.hash);
    const info = await rpc.getBlockchainInfo();
    expect(info.chain).toBe('ckb_dev');
    expect(info.difficulty).toBe('0x100');
    const sync = await rpc.syncState();
    expect(sync.tip_hash).toBe(tip.hash);
    expect(sync.ibd).toBe(false);
    const node = await rpc.localNodeInfo();
    expect(node.version).toContain('devnet');
    expect(await rpc.getHeaderByNumber(0n)).toEqual(tip);
    expect(await rpc.getHeaderByNumber(5n)).toBeNull();
    const genesis = await rpc.getBlock(tip.hash);
    expect(genesis?.header).toEqual(tip);
    expect(d.tip()).toEqual(tip);
  });

  it('serves a template with a real cellbase paying the seed lock, an extension, dao and work_id', async () => {
    const { d, rpc } = await devnet({ seed: 7 });
    const t = await rpc.getBlockTemplate();
    expect(t.number).toBe('0x1');
    expect(t.parent_hash).toBe(d.tip().hash);
    expect(t.cellbase.data.inputs).toEqual([
      { since: '0x1', previous_output: { tx_hash: `0x${'00'.repeat(32)}`, index: '0xffffffff' } },
    ]);
    // The witness is a CellbaseWitness carrying the secp256k1-blake160 lock of seed 7.
    expect(t.cellbase.data.witnesses[0]).toContain(d.lock.code_hash.slice(2));
    expect(t.cellbase.data.witnesses[0]).toContain(d.lock.args.slice(2));
    expect(d.lock.code_hash).toBe('0x9bd7e06f3ecf4be0f2fcd2188b23f1b9fcc88e5d4b65a8637b17723bbda3cce8');
    expect(d.lock.args).toMatch(/^0x[0-9a-f]{40}$/);
    expect(t.extension).toMatch(/^0x[0-9a-f]{64}$/);
    expect(t.dao).toMatch(/^0x[0-9a-f]{64}$/);
    expect(t.work_id).toMatch(/^0x[0-9a-f]+$/);
    expect(t.transactions.length).toBe(1);
    expect(t.proposals.length).toBe(1);
    // The pool's own template code accepts it and agrees on every hash the template carries.
    expect(() => templateToBlock(t)).not.toThrow();
  });

  it('accepts a solved template and returns the block hash; the tip moves', async () => {
    const { d, rpc } = await devnet();
    const t = await rpc.getBlockTemplate();
    const { block } = solveTemplate(t);
    const hash = await rpc.submitBlock(BigInt(t.work_id).toString(), block);
    expect(hash).toBe(bytesToHex0x(blockHash(decodeBlock(block).header)));
    expect(d.tip().hash).toBe(hash);
    expect((await rpc.getTipHeader()).number).toBe('0x1');
    const stored = await rpc.getBlock(hash);
    expect(stored?.extension).toBe(block.extension);
    expect(stored?.transactions.map((x) => x.hash)).toEqual([t.cellbase.hash, t.transactions[0].hash]);
    // Submitting the same block again answers the same hash, as the node does.
    expect(await rpc.submitBlock('1', block)).toBe(hash);
  });

  it('accepts a block assembled by the pool template code (templateToBlock + blockToSubmitJson)', async () => {
    const { d, rpc } = await devnet();
    const t = await rpc.getBlockTemplate();
    const tb = templateToBlock(t);
    const nonce = grindNonce(tb.rawHeader, 'eaglesong', 1000n, 1 << 20);
    expect(nonce).not.toBeNull();
    const hash = await rpc.submitBlock('0', blockToSubmitJson(tb, nonce!));
    expect(d.tip().hash).toBe(hash);
  });

  it('rejects a wrong nonce with -3 and the node PoW message', async () => {
    const { rpc } = await devnet();
    const t = await rpc.getBlockTemplate();
    const block = blockToJson(templateToDecodedBlock(t, failingNonce(t)));
    const err = await rejection(rpc.submitBlock('0', block));
    expect(err.code).toBe(-3);
    expect(err.rpcMessage).toMatch(/^Invalid: Header\(Pow\(InvalidNonce/);
  });

  it('rejects a solved block whose parent is no longer the tip (stale) with -3', async () => {
    const { d, rpc } = await devnet();
    const t = await rpc.getBlockTemplate();
    await d.mine(1);
    const { block } = solveTemplate(t);
    const err = await rejection(rpc.submitBlock('0', block));
    expect(err.code).toBe(-3);
    expect(err.rpcMessage).toContain('is not the tip');
  });

  it('rejects an unknown field and padded hex as invalid params (-32602), like the node JSON decoder', async () => {
    const { rpc } = await devnet();
    const t = await rpc.getBlockTemplate();
    const { block } = solveTemplate(t);
    const withHash = { ...block, header: { ...block.header, hash: '0x00' } } as unknown as BlockJson;
    const e1 = await rejection(rpc.submitBlock('0', withHash));
    expect(e1.code).toBe(-32602);
    expect(e1.rpcMessage).toMatch(/^Invalid params: unknown field `hash`/);
    const padded = {
      ...block,
      header: { ...block.header, nonce: `0x0${block.header.nonce.slice(2).padStart(31, '0')}` },
    };
    const e2 = await rejection(rpc.submitBlock('0', padded));
    expect(e2.code).toBe(-32602);
    expect(e2.rpcMessage).toContain('with redundant leading zeros');
    const txHashLeak = {
      ...block,
      transactions: block.transactions.map((x) => ({ ...x, hash: t.cellbase.hash })),
    };
    const e3 = await rejection(rpc.submitBlock('0', txHashLeak as unknown as BlockJson));
    expect(e3.rpcMessage).toContain('unknown field `hash`');
  });

  it('rejects header fields that do not match the block contents, each with the node reason', async () => {
    const { rpc } = await devnet();
    const t = await rpc.getBlockTemplate();
    const cases: Array<[string, (b: ReturnType<typeof templateToDecodedBlock>) => void]> = [
      [
        'Block(TransactionsRoot',
        (b) => {
          b.header.transactionsRoot = new Uint8Array(32).fill(1);
        },
      ],
      [
        'Block(ProposalTransactionsHash',
        (b) => {
          b.header.proposalsHash = new Uint8Array(32).fill(2);
        },
      ],
      [
        'Block(InvalidExtraHash',
        (b) => {
          b.header.extraHash = new Uint8Array(32).fill(3);
        },
      ],
      [
        'Header(Number(NumberError(expected: 1, actual: 2)))',
        (b) => {
          b.header.number = 2n;
        },
      ],
      [
        'Header(Epoch(NonContinuous',
        (b) => {
          b.header.epoch += 1n << 24n;
        },
      ],
      [
        'Header(Epoch(TargetMismatch(expected: 20010000, actual: 20020000)))',
        (b) => {
          b.header.compactTarget = 0x20020000;
        },
      ],
      [
        'Block(InvalidDAO',
        (b) => {
          b.header.dao = new Uint8Array(32);
        },
      ],
    ];
    for (const [reason, edit] of cases) {
      const err = await rejection(rpc.submitBlock('0', tampered(t, edit)));
      expect(err.code, reason).toBe(-3);
      expect(err.rpcMessage).toContain(reason);
    }
    const body: Array<[string, (b: ReturnType<typeof templateToDecodedBlock>) => void]> = [
      [
        'Block(Cellbase(InvalidInput))',
        (b) => {
          b.transactions[0].inputs[0].since = 9n;
        },
      ],
      [
        'Block(Cellbase(InvalidPosition))',
        (b) => {
          b.transactions.reverse();
        },
      ],
      [
        'Block(Cellbase(InvalidWitness))',
        (b) => {
          b.transactions[0].witnesses = [new Uint8Array(3)];
        },
      ],
    ];
    for (const [reason, edit] of body) {
      const err = await rejection(rpc.submitBlock('0', tampered(t, edit, true)));
      expect(err.code, reason).toBe(-3);
      expect(err.rpcMessage).toContain(reason);
    }
  });

  it('advances epoch and timestamps, and pays each cellbase reward to the lock of block n − 11', async () => {
    const { d, rpc } = await devnet({ epochLength: 5 });
    const mined = await d.mine(13);
    expect(mined.map((h) => BigInt(h.number))).toEqual(Array.from({ length: 13 }, (_, i) => BigInt(i + 1)));
    for (let i = 1; i < mined.length; i++)
      expect(BigInt(mined[i].timestamp)).toBeGreaterThan(BigInt(mined[i - 1].timestamp));
    expect(BigInt(mined[4].epoch) & 0xffffffn).toBe(1n); // block 5 opens epoch 1 (length 5)
    const t = await rpc.getBlockTemplate();
    expect(t.number).toBe('0xe');
    // Block 14 pays block 3's miner (the chain's other-miner lock).
    expect(t.cellbase.data.outputs).toEqual([
      { capacity: '0x174876e800', lock: d.otherMinerLock, type: null },
    ]);
    const { block } = solveTemplate(t);
    await rpc.submitBlock('0', block);
    expect(d.tip().number).toBe('0xe');
  });

  it('advances on its own with --block-interval-ms', async () => {
    const { d } = await devnet({ blockIntervalMs: 20 });
    const deadline = Date.now() + 10_000;
    while (BigInt(d.tip().number) < 3n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(BigInt(d.tip().number)).toBeGreaterThanOrEqual(3n);
  });

  it('answers unknown methods with -32601 and subscribe over HTTP as method not found', async () => {
    const { rpc } = await devnet();
    expect((await rejection(rpc.call('no_such_method'))).code).toBe(-32601);
    expect((await rejection(rpc.call('subscribe', ['new_tip_header']))).code).toBe(-32601);
  });
});

describe('dev chain options', () => {
  it('with forks: accept, stores a stale block as a fork like the node, and reorgs to the longer chain', async () => {
    const { d, rpc } = await devnet({ forks: 'accept' });
    const t1 = await rpc.getBlockTemplate();
    const [other] = await d.mine(1);
    const stale = solveTemplate(t1).block;
    const staleHash = await rpc.submitBlock('0', stale);
    expect(staleHash).not.toBe(other.hash);
    expect(d.tip().hash).toBe(other.hash); // equal length: first seen stays the tip
    expect((await rpc.getBlock(staleHash))?.header.number).toBe('0x1');
    // Extend the fork: build block 2 on the stale block by hand.
    const forkTip = d.chain.blockByHash(staleHash)!;
    const b2 = d.chain.buildBlock(undefined, forkTip);
    b2.header.nonce = grindNonce(b2.header, 'eaglesong', 0n, 1 << 20)!;
    const h2 = await rpc.submitBlock('0', blockToJson(b2));
    expect(d.tip().hash).toBe(h2);
    expect((await rpc.getHeaderByNumber(1n))?.hash).toBe(staleHash);
  });

  it('judges testnet PoW (eaglesong-blake2b): a plain-Eaglesong solution is refused', async () => {
    const { d, rpc } = await devnet({ pow: 'eaglesong-blake2b', compactTarget: 0x20100000 });
    const t = await rpc.getBlockTemplate();
    const b = templateToDecodedBlock(t);
    // Find a nonce valid under plain Eaglesong but not under the testnet function.
    let n = grindNonce(b.header, 'eaglesong', 0n, 1 << 20)!;
    while (verifyPow({ ...b.header, nonce: n }, 'eaglesong-blake2b')) {
      n = grindNonce(b.header, 'eaglesong', n + 1n, 1 << 20)!;
    }
    b.header.nonce = n;
    const err = await rejection(rpc.submitBlock('0', blockToJson(b)));
    expect(err.rpcMessage).toContain('Pow(InvalidNonce');
    const { block } = solveTemplate(t, 'eaglesong-blake2b');
    expect(await rpc.submitBlock('0', block)).toBe(d.tip().hash);
  });

  it('pays templates to a configured lock script', async () => {
    const lockScript = { code_hash: `0x${'11'.repeat(32)}`, hash_type: 'data1', args: '0xabcdef' };
    const { d, rpc } = await devnet({ lockScript });
    expect(d.lock).toEqual(lockScript);
    const t = await rpc.getBlockTemplate();
    expect(t.cellbase.data.witnesses[0]).toContain('abcdef');
    expect(t.cellbase.data.witnesses[0]).toContain('11'.repeat(32));
  });
});

describe('dev chain context checks', () => {
  it('checks the extension, the reward and the timestamps like the node', async () => {
    let clock = 1_800_000_000_000;
    const { d, rpc } = await devnet({ now: () => clock });
    await d.mine(12);
    const t = await rpc.getBlockTemplate();
    const cases: Array<[string, (b: ReturnType<typeof templateToDecodedBlock>) => void]> = [
      [
        'Block(NoBlockExtension',
        (b) => {
          b.extension = null;
          b.header.extraHash = extraHash([], null);
        },
      ],
      [
        'Block(InvalidChainRoot',
        (b) => {
          b.extension = new Uint8Array(32).fill(7);
          b.header.extraHash = extraHash([], b.extension);
        },
      ],
      [
        'Block(ExceededMaximumBlockExtensionBytes',
        (b) => {
          b.extension = new Uint8Array(97);
          b.header.extraHash = extraHash([], b.extension);
        },
      ],
      [
        'Block(Cellbase(InvalidRewardAmount))',
        (b) => {
          b.transactions[0].outputs[0].capacity += 1n;
        },
      ],
      [
        'Block(Cellbase(InvalidRewardTarget))',
        (b) => {
          b.transactions[0].outputs[0].lock = {
            ...b.transactions[0].outputs[0].lock,
            args: new Uint8Array(20),
          };
        },
      ],
      [
        'Header(Timestamp(BlockTimeTooOld',
        (b) => {
          b.header.timestamp = BigInt(clock) - 3_600_000n;
        },
      ],
      [
        'Header(Timestamp(BlockTimeTooNew',
        (b) => {
          b.header.timestamp = BigInt(clock) + 15_001n;
        },
      ],
    ];
    for (const [reason, edit] of cases) {
      const err = await rejection(rpc.submitBlock('0', tampered(t, edit, true)));
      expect(err.code, reason).toBe(-3);
      expect(err.rpcMessage).toContain(reason);
    }
    clock += 1000;
    const { block } = solveTemplate(t);
    expect(await rpc.submitBlock('0', block)).toBe(d.tip().hash);
  });
});
