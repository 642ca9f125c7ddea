/**
 * A JdNodeView over the TypeScript dev chain, for JDS tests: the dev chain plays the pool's node.
 * It answers as the dev chain judges blocks (devnet/README.md): the DAO field is its simplified
 * per-height rule, pending transactions count as proposed (the dev chain skips the proposal
 * window), there are no uncles, and the template for a parent is `DevChain.buildBlock`.
 */
import { serializeUncleBlockVec } from '../../src/ckb/block.js';
import { concatBytes } from '../../src/ckb/molecule.js';
import {
  serializeTransaction,
  type Transaction,
  transactionFromJson,
  transactionToJson,
  txHash,
  witnessHash,
} from '../../src/ckb/transaction.js';
import type { DevChain, StoredBlock } from '../../src/devnet/chain.js';
import { transactionToJson as devnetTransactionToJson } from '../../src/devnet/codec.js';
import {
  daoField,
  MAX_BLOCK_BYTES,
  MAX_BLOCK_CYCLES,
  MEDIAN_TIME_BLOCK_COUNT,
} from '../../src/devnet/contents.js';
import type { Transaction as DevnetTransaction, Script } from '../../src/devnet/json-decode.js';
import { grindNonce } from '../../src/devnet/pow-check.js';
import { SIGHASH_ALL_CYCLES } from '../../src/devnet/txpool.js';
import { RpcFailure } from '../../src/devnet/verify.js';
import type { JdNodeView, ParentContext, PoolTransaction } from '../../src/jd/node-view.js';
import type { DeclareCkbMiningJob } from '../../src/sv2/messages/ckb-jd.js';

export interface DevnetViewOptions {
  /** The pool's payout lock (what the dev chain's own templates put in the witness). */
  payoutLock: Script;
  /** Blocks behind the tip a parent may be and still count as recent (default 0: tip only). */
  maxParentAge?: bigint;
  nowMs?: () => bigint;
}

export const toCkbTransaction = (tx: DevnetTransaction): Transaction =>
  transactionFromJson(devnetTransactionToJson(tx));

function medianTime(from: StoredBlock): bigint {
  const ts: bigint[] = [];
  for (let b: StoredBlock | null = from; b && ts.length < MEDIAN_TIME_BLOCK_COUNT; b = b.parent)
    ts.push(b.block.header.timestamp);
  ts.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return ts[ts.length >> 1];
}

export function devnetJdView(chain: DevChain, opts: DevnetViewOptions): JdNodeView {
  const nowMs = opts.nowMs ?? (() => BigInt(Date.now()));
  const entry = (tx: Transaction): PoolTransaction => ({
    tx,
    cycles: SIGHASH_ALL_CYCLES * BigInt(tx.inputs.length),
    proposed: true,
  });
  return {
    async parent(hashHex): Promise<ParentContext | null> {
      const stored = chain.blockByHash(hashHex);
      if (!stored) return null;
      const tip = chain.tip();
      const n = stored.block.header.number;
      const onMainChain = chain.blockByNumber(n) === stored;
      const recent = onMainChain && tip.block.header.number - n <= (opts.maxParentAge ?? 0n);
      const template = chain.buildBlock(opts.payoutLock, stored);
      const cellbase = toCkbTransaction(template.transactions[0]);
      return {
        status: stored === tip ? 'tip' : recent ? 'recent' : 'stale',
        number: n,
        medianTime: medianTime(stored),
        child: {
          version: template.header.version,
          compactTarget: template.header.compactTarget,
          epoch: template.header.epoch,
          cellbaseOutputs: cellbase.outputs,
          cellbaseOutputsData: cellbase.outputsData,
          extension: template.extension,
          uncleHashes: [],
          unclesCountLimit: 2,
          bytesLimit: BigInt(MAX_BLOCK_BYTES),
          cyclesLimit: MAX_BLOCK_CYCLES,
        },
      };
    },
    nowMs,
    async poolTransaction(hashHex) {
      const pending = chain.txPool.get(hashHex.toLowerCase());
      return pending ? entry(toCkbTransaction(pending.tx)) : null;
    },
    async isCommitted(hashHex) {
      return chain.cells.transaction(hashHex.toLowerCase()) !== null;
    },
    async submitTransaction(tx) {
      try {
        chain.sendTransaction([transactionToJson(tx)]);
      } catch (err) {
        if (err instanceof RpcFailure) return { ok: false, reason: err.message };
        throw err;
      }
      return { ok: true, entry: entry(tx) };
    },
    async expectedDao(_parent, number) {
      return { dao: daoField(number) };
    },
  };
}

/** Mines `count` blocks of the chain's own template (trivial PoW); returns the tip. */
export function mineBlocks(chain: DevChain, count: number): StoredBlock {
  for (let i = 0; i < count; i++) {
    const b = chain.buildBlock();
    b.header.nonce = grindNonce(b.header, 'eaglesong', 0n, 1 << 16) ?? 0n;
    chain.accept(b);
  }
  return chain.tip();
}

/** What a JDC builds from its own node (here the same chain): the node's header fields, its own transactions. */
export function jdcDeclaration(
  chain: DevChain,
  witnessLock: Script,
  token: Uint8Array,
  txs: Transaction[],
  parent: StoredBlock = chain.tip(),
): DeclareCkbMiningJob {
  const template = chain.buildBlock(witnessLock, parent);
  const h = template.header;
  return {
    type: 'DeclareCkbMiningJob',
    requestId: 1,
    miningJobToken: token,
    version: h.version,
    compactTarget: h.compactTarget,
    timestamp: h.timestamp,
    number: h.number,
    epoch: h.epoch,
    parentHash: h.parentHash,
    dao: h.dao,
    cellbase: serializeTransaction(toCkbTransaction(template.transactions[0])),
    txHashList: txs.map(txHash),
    witnessHashList: txs.map(witnessHash),
    proposals: concatBytes(...template.proposals),
    uncles: serializeUncleBlockVec([]),
    extension: template.extension ?? new Uint8Array(0),
  };
}
