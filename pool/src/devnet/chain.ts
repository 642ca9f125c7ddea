/**
 * The dev chain's state: block storage, the canonical chain, templates, and `submit_block`
 * running the checks of verify.ts in the node's order (submit_block in rpc/src/module/miner.rs →
 * HeaderVerifier → parent lookup → BlockVerifier → contextual checks).
 *
 * Deliberate differences from the node, all documented in the README of this folder:
 * only the secp256k1-blake160 lock runs (tx-verify.ts), pending transactions skip the
 * proposal window (txpool.ts); uncles are refused; the difficulty never
 * adjusts; a block whose parent is known but not the tip is refused (`forks: 'reject'`, the
 * default, so stale work is visible) or stored as a fork block like the node does
 * (`forks: 'accept'`, longest chain wins).
 */
import {
  blockHash,
  type Header,
  type HeaderViewJson,
  headerToJson,
  packEpoch,
  serializeHeader,
} from '../ckb/header.js';
import { bytesToHex0x, toMinimalHex } from '../ckb/hex.js';
import type { BlockTemplateJson, BlockViewJson } from '../ckb/rpc-types.js';
import { CellState } from './cells.js';
import {
  blockToJson,
  extraHash,
  proposalsHash,
  serializeBlock,
  transactionsRoot,
  transactionToJson,
  txHash,
} from './codec.js';
import {
  BLOCK_REWARD,
  buildCellbase,
  chainRoot,
  daoField,
  FINALIZATION_DELAY,
  MAX_BLOCK_BYTES,
  MAX_BLOCK_CYCLES,
  MEDIAN_TIME_BLOCK_COUNT,
  nextEpoch,
  syntheticProposal,
  syntheticTransaction,
} from './contents.js';
import {
  type Block,
  decodeSubmitBlockParams,
  ParamsError,
  type Script,
  type Transaction,
} from './json-decode.js';
import { type PowFunc, verifyPow } from './pow-check.js';
import type { EpochFraction } from './tx-verify.js';
import { SIGHASH_ALL_CYCLES, TxPool } from './txpool.js';
import {
  invalid,
  POW_MESSAGE,
  parseCellbaseWitness,
  RpcFailure,
  verifyBody,
  verifyContext,
  verifyHeaderContinuity,
} from './verify.js';

export interface StoredBlock {
  block: Block;
  hash: Uint8Array;
  hashHex: string;
  parent: StoredBlock | null;
  /** Lock in the cellbase witness: who gets this block's reward 11 blocks later. */
  witnessLock: Script | null;
}

export interface DevChainOptions {
  compactTarget: number;
  pow: PowFunc;
  /** Lock put into template cellbase witnesses (the pool's payout lock). */
  lock: Script;
  epochLength?: number | undefined;
  genesisTimestamp?: bigint;
  cellbaseMessage?: Uint8Array;
  /** Synthetic transactions per template besides the cellbase (default 1). */
  templateTransactions?: number | undefined;
  /** Synthetic proposals per template (default 1). */
  templateProposals?: number | undefined;
  forks?: 'reject' | 'accept' | undefined;
  /** Milliseconds after which a template is rebuilt with a fresh time (node default 800). */
  updateIntervalMs?: number;
  now?: (() => number) | undefined;
  /** Epochs before a cellbase output may be spent (node default: 4 epochs). */
  cellbaseMaturity?: EpochFraction | undefined;
}

/** The node's default `cellbase_maturity`: 4 epochs. */
export const DEFAULT_CELLBASE_MATURITY: EpochFraction = { number: 4n, index: 0, length: 1 };

export class DevChain {
  readonly compactTarget: number;
  readonly pow: PowFunc;
  readonly epochLength: number;
  /** Epochs before a cellbase output may be spent (answered by `get_consensus`). */
  readonly cellbaseMaturity: EpochFraction;
  private readonly byHash = new Map<string, StoredBlock>();
  private canonical: StoredBlock[] = [];
  private workId = 0n;
  private template: { json: BlockTemplateJson; tip: StoredBlock; builtAt: number } | null = null;
  private readonly tipListeners = new Set<(tip: StoredBlock) => void>();
  private readonly templateListeners = new Set<(t: BlockTemplateJson) => void>();
  private readonly now: () => number;
  /** Live cells and committed transactions of the canonical chain. */
  readonly cells = new CellState();
  readonly txPool: TxPool;

  constructor(private readonly options: DevChainOptions) {
    this.compactTarget = options.compactTarget;
    this.pow = options.pow;
    this.epochLength = options.epochLength ?? 10;
    this.now = options.now ?? Date.now;
    this.cellbaseMaturity = options.cellbaseMaturity ?? DEFAULT_CELLBASE_MATURITY;
    this.txPool = new TxPool(this.cells, () => ({
      commitEpoch: nextEpoch(this.tip().block.header.epoch, this.epochLength),
      cellbaseMaturity: this.cellbaseMaturity,
      now: this.now(),
    }));
    const genesis = this.genesisBlock();
    this.store(genesis, null);
  }

  private genesisBlock(): Block {
    const number = 0n;
    const cellbase = buildCellbase(
      number,
      this.options.lock,
      new TextEncoder().encode('ckb-pool devnet genesis'),
      null,
    );
    const transactions = [cellbase];
    const header: Header = {
      version: 0,
      compactTarget: this.compactTarget,
      timestamp: this.options.genesisTimestamp ?? 1_700_000_000_000n,
      number,
      epoch: packEpoch({ number: 0n, index: 0, length: this.epochLength }),
      parentHash: new Uint8Array(32),
      transactionsRoot: transactionsRoot(transactions),
      proposalsHash: proposalsHash([]),
      extraHash: extraHash([], null),
      dao: daoField(0n),
      nonce: 0n,
    };
    return { header, uncles: [], transactions, proposals: [], extension: null };
  }

  private store(block: Block, parent: StoredBlock | null): StoredBlock {
    const hash = blockHash(block.header);
    const stored: StoredBlock = {
      block,
      hash,
      hashHex: bytesToHex0x(hash),
      parent,
      witnessLock: parseCellbaseWitness(block.transactions[0]?.witnesses[0] ?? new Uint8Array(0)),
    };
    this.byHash.set(stored.hashHex, stored);
    const tip = this.tip();
    if (!tip || block.header.number > tip.block.header.number) {
      // Constant difficulty: more blocks = more work. Rebuild the canonical path to this block.
      const path: StoredBlock[] = [];
      for (let b: StoredBlock | null = stored; b; b = b.parent) path.push(b);
      this.canonical = path.reverse();
      this.updateCells(stored, tip);
      this.template = null;
      // A failing listener (a closed socket, a bad notify URL) must not fail the submit.
      for (const l of this.tipListeners) {
        try {
          l(stored);
        } catch {}
      }
    }
    return stored;
  }

  /** Extends the cell state by the new tip, or rebuilds it after a reorg. */
  private updateCells(stored: StoredBlock, oldTip: StoredBlock | undefined): void {
    const extends_ = oldTip !== undefined && stored.parent === oldTip;
    const before = extends_ ? [] : this.cells.transactions();
    if (!extends_) this.cells.clear();
    for (const b of extends_ ? [stored] : this.canonical) {
      this.cells.apply({
        hashHex: b.hashHex,
        number: b.block.header.number,
        epoch: b.block.header.epoch,
        transactions: b.block.transactions,
        txHashes: b.block.transactions.map((tx) => bytesToHex0x(txHash(tx))),
      });
    }
    this.txPool.refresh();
    this.txPool.readmit(before.filter((tx) => !this.cells.transaction(bytesToHex0x(txHash(tx)))));
  }

  /** send_transaction: verified like the node's tx-pool; the next template carries it. */
  sendTransaction(params: unknown): string {
    const hash = this.txPool.submit(params);
    this.template = null;
    return hash;
  }

  tip(): StoredBlock {
    return this.canonical[this.canonical.length - 1];
  }

  blockByNumber(n: bigint): StoredBlock | null {
    return n >= 0n && n < BigInt(this.canonical.length) ? this.canonical[Number(n)] : null;
  }

  blockByHash(hashHex: string): StoredBlock | null {
    return this.byHash.get(hashHex.toLowerCase()) ?? null;
  }

  onTip(listener: (tip: StoredBlock) => void): () => void {
    this.tipListeners.add(listener);
    return () => this.tipListeners.delete(listener);
  }

  onTemplate(listener: (t: BlockTemplateJson) => void): () => void {
    this.templateListeners.add(listener);
    return () => this.templateListeners.delete(listener);
  }

  /** Median of the timestamps of `from` and its ancestors (37 blocks, including `from`). */
  private medianTime(from: StoredBlock): bigint {
    const ts: bigint[] = [];
    for (let b: StoredBlock | null = from; b && ts.length < MEDIAN_TIME_BLOCK_COUNT; b = b.parent) {
      ts.push(b.block.header.timestamp);
    }
    ts.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return ts[ts.length >> 1];
  }

  /** The ancestor of `from` (or `from` itself) at height `number`; null above `from`. */
  private ancestor(from: StoredBlock, number: bigint): StoredBlock | null {
    let b: StoredBlock | null = from;
    while (b && b.block.header.number > number) b = b.parent;
    return b && b.block.header.number === number ? b : null;
  }

  /** Expected cellbase reward of a block at `number` whose parent is `parent`. */
  private expectedReward(parent: StoredBlock, number: bigint): { lock: Script; capacity: bigint } | null {
    if (number <= FINALIZATION_DELAY) return null;
    const target = this.ancestor(parent, number - FINALIZATION_DELAY);
    if (!target?.witnessLock) return null;
    return { lock: target.witnessLock, capacity: BLOCK_REWARD };
  }

  /** The block a miner would assemble from the current template for `lock` (nonce 0). */
  buildBlock(lock: Script = this.options.lock, parent: StoredBlock = this.tip()): Block {
    const number = parent.block.header.number + 1n;
    const message = this.options.cellbaseMessage ?? new TextEncoder().encode('ckb-pool devnet');
    const cellbase = buildCellbase(number, lock, message, this.expectedReward(parent, number));
    const transactions: Transaction[] = [cellbase, ...this.txPool.list().map((p) => p.tx)];
    for (let i = 0; i < (this.options.templateTransactions ?? 1); i++) {
      transactions.push(syntheticTransaction(number, i, this.options.lock));
    }
    const proposals: Uint8Array[] = [];
    for (let i = 0; i < (this.options.templateProposals ?? 1); i++)
      proposals.push(syntheticProposal(number, i));
    const extension = chainRoot(parent.hash);
    const now = BigInt(this.now());
    const parentTs = parent.block.header.timestamp;
    const header: Header = {
      version: 0,
      compactTarget: this.compactTarget,
      timestamp: now > parentTs ? now : parentTs + 1n,
      number,
      epoch: nextEpoch(parent.block.header.epoch, this.epochLength),
      parentHash: parent.hash,
      transactionsRoot: transactionsRoot(transactions),
      proposalsHash: proposalsHash(proposals),
      extraHash: extraHash([], extension),
      dao: daoField(number),
      nonce: 0n,
    };
    return { header, uncles: [], transactions, proposals, extension };
  }

  /** get_block_template: cached per tip, rebuilt (new work_id) after `updateIntervalMs`. */
  getBlockTemplate(): BlockTemplateJson {
    const tip = this.tip();
    const fresh = this.template && this.template.tip === tip;
    if (fresh && this.now() - this.template!.builtAt < (this.options.updateIntervalMs ?? 800)) {
      return this.template!.json;
    }
    const block = this.buildBlock();
    const [cellbase, ...txs] = block.transactions;
    const pending = this.txPool.list().length;
    const h = block.header;
    const json: BlockTemplateJson = {
      version: toMinimalHex(h.version),
      compact_target: toMinimalHex(h.compactTarget),
      current_time: toMinimalHex(h.timestamp),
      number: toMinimalHex(h.number),
      epoch: toMinimalHex(h.epoch),
      parent_hash: bytesToHex0x(h.parentHash),
      cycles_limit: toMinimalHex(MAX_BLOCK_CYCLES),
      bytes_limit: toMinimalHex(MAX_BLOCK_BYTES),
      uncles_count_limit: '0x2',
      uncles: [],
      transactions: txs.map((tx, i) => ({
        hash: bytesToHex0x(txHash(tx)),
        required: false,
        cycles: toMinimalHex(
          i < pending ? SIGHASH_ALL_CYCLES * BigInt(tx.inputs.length) : SIGHASH_ALL_CYCLES,
        ),
        depends: null,
        data: transactionToJson(tx),
      })),
      proposals: block.proposals.map(bytesToHex0x),
      cellbase: { hash: bytesToHex0x(txHash(cellbase)), cycles: null, data: transactionToJson(cellbase) },
      work_id: toMinimalHex(this.workId++),
      dao: bytesToHex0x(h.dao),
      extension: block.extension ? bytesToHex0x(block.extension) : null,
    };
    this.template = { json, tip, builtAt: this.now() };
    for (const l of this.templateListeners) {
      try {
        l(json);
      } catch {}
    }
    return json;
  }

  /** submit_block: the block hash, or an RpcFailure with the node's code and wording. */
  submitBlock(params: unknown): string {
    let block: Block;
    try {
      ({ block } = decodeSubmitBlockParams(params));
    } catch (err) {
      if (err instanceof ParamsError)
        throw new RpcFailure(-32602, `Invalid params: ${err.message}.`, `at ${err.path}`);
      throw err;
    }
    return this.accept(block).hashHex;
  }

  /** Verifies and stores a decoded block (also used by the chain's own miners). */
  accept(block: Block): StoredBlock {
    const h = block.header;
    const hashHex = bytesToHex0x(blockHash(h));
    const known = this.byHash.get(hashHex);
    if (known) return known; // the node answers with the hash of an already-known block

    // HeaderVerifier
    if (!verifyPow(h, this.pow)) throw invalid(`Header(Pow(${POW_MESSAGE}))`);
    const parent = this.byHash.get(bytesToHex0x(h.parentHash));
    if (!parent) {
      throw invalid(`Block(UnknownParent(UnknownParentError(parent_hash: ${bytesToHex0x(h.parentHash)})))`);
    }
    verifyHeaderContinuity(h, parent.block.header, this.medianTime(parent), BigInt(this.now()));

    const tip = this.tip();
    if (parent !== tip && (this.options.forks ?? 'reject') === 'reject') {
      throw invalid(
        `Block(StaleParent(parent ${parent.hashHex} #${parent.block.header.number} is not the tip ${tip.hashHex} #${tip.block.header.number}; this dev chain refuses fork blocks))`,
      );
    }

    verifyBody(block);
    verifyContext(block, parent.hash, this.compactTarget, this.expectedReward(parent, h.number));
    return this.store(block, parent);
  }

  // ---- views as the RPC returns them ----

  headerView(b: StoredBlock): HeaderViewJson {
    return { ...headerToJson(b.block.header), hash: b.hashHex };
  }

  headerHex(b: StoredBlock): string {
    return bytesToHex0x(serializeHeader(b.block.header));
  }

  blockView(b: StoredBlock): BlockViewJson {
    const json = blockToJson(b.block);
    const view: BlockViewJson = {
      header: this.headerView(b),
      uncles: [],
      transactions: b.block.transactions.map((tx, i) => ({
        ...json.transactions[i],
        hash: bytesToHex0x(txHash(tx)),
      })),
      proposals: json.proposals,
    };
    if (json.extension !== undefined) view.extension = json.extension;
    return view;
  }

  blockHex(b: StoredBlock): string {
    return bytesToHex0x(serializeBlock(b.block));
  }

  medianTimeOfTip(): bigint {
    return this.medianTime(this.tip());
  }
}
