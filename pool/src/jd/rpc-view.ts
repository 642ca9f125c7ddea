/**
 * The JdNodeView of the pool's own CKB node, over its JSON-RPC (docs/job-declaration-ckb.md §4):
 * the node's template for the declared parent (epoch, difficulty, the N − 11 cellbase output,
 * extension, uncles, limits), its headers for the median time, its pool for transactions, and
 * `get_live_cell` for the inputs the DAO rule needs. `get_block_template` only answers for the
 * tip, so a declared parent that is not the tip is stale (the JDS refuses it before it needs a
 * template); templates are kept a few seconds per parent so a burst of declarations costs one call.
 *
 * `rules: 'devnet'` is the TypeScript dev chain (pool/src/devnet/README.md), which has no proposal
 * window (a pending transaction is committable at once) and a DAO field fixed by the height: the
 * view then answers as that chain judges blocks. Real nodes get `rules: 'ckb'`.
 */
import { bytesToHex0x } from '../ckb/hex.js';
import { jsonUint } from '../ckb/molecule-json.js';
import { type CkbRpcClient, CkbRpcError } from '../ckb/rpc.js';
import { type TemplateBlock, templateToBlock } from '../ckb/template.js';
import {
  type CellOutput,
  type Transaction,
  transactionFromJson,
  transactionToJson,
  txHash,
} from '../ckb/transaction.js';
import { type DaoEffect, daoByDelta, daoEffect } from './dao.js';
import type { ExpectedDao, JdNodeView, ParentContext, PoolTransaction } from './node-view.js';

export interface RpcViewOptions {
  rules?: 'ckb' | 'devnet';
  /** How long a parent's template is reused (default 2 s). */
  templateTtlMs?: number;
  nowMs?: () => bigint;
}

/** Blocks whose timestamps give the median a child must exceed (the node's median_time_block_count). */
const MEDIAN_TIME_BLOCK_COUNT = 37;
/** The Nervos DAO type script's code hash (hash_type `type`), the same on mainnet and testnet. */
const DAO_TYPE_HASH = '0x82d76d1b75fe2fd9a27dfbaa65a039221a380d76c926f378d3f81cf3e7e13f2e';
const HEADER_CACHE = 4_096;
const TEMPLATE_CACHE = 8;

interface HeaderFacts {
  number: bigint;
  timestamp: bigint;
  parentHash: string;
}

interface TxStatusJson {
  transaction: unknown;
  cycles: string | null;
  tx_status: { status: string };
}

type Cell = [CellOutput, Uint8Array];

export function rpcJdView(rpc: CkbRpcClient, o: RpcViewOptions = {}): JdNodeView {
  const rules = o.rules ?? 'ckb';
  const nowMs = o.nowMs ?? (() => BigInt(Date.now()));
  const ttl = BigInt(o.templateTtlMs ?? 2_000);
  const headers = new Map<string, HeaderFacts>();
  const templates = new Map<string, { block: TemplateBlock; at: bigint }>();

  async function header(hash: string): Promise<HeaderFacts | null> {
    const known = headers.get(hash);
    if (known) return known;
    const h = await rpc.call<Record<string, unknown> | null>('get_header', [hash]);
    if (!h) return null;
    const facts = {
      number: jsonUint(h.number, 64, 'header.number'),
      timestamp: jsonUint(h.timestamp, 64, 'header.timestamp'),
      parentHash: String(h.parent_hash).toLowerCase(),
    };
    if (headers.size >= HEADER_CACHE) headers.delete(headers.keys().next().value as string);
    headers.set(hash, facts);
    return facts;
  }

  async function medianTime(hash: string): Promise<bigint> {
    const ts: bigint[] = [];
    for (let at: string | null = hash; at && ts.length < MEDIAN_TIME_BLOCK_COUNT; ) {
      const h: HeaderFacts | null = await header(at);
      if (!h) break;
      ts.push(h.timestamp);
      at = h.number === 0n ? null : h.parentHash;
    }
    ts.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return ts[ts.length >> 1] ?? 0n;
  }

  /** The node's template when its parent is `hash` (null: the node builds on another block). */
  async function templateFor(hash: string): Promise<TemplateBlock | null> {
    const cached = templates.get(hash);
    if (cached && nowMs() - cached.at < ttl) return cached.block;
    const block = templateToBlock(await rpc.getBlockTemplate());
    const parent = bytesToHex0x(block.rawHeader.parentHash);
    if (templates.size >= TEMPLATE_CACHE) templates.delete(templates.keys().next().value as string);
    templates.set(parent, { block, at: nowMs() });
    return parent === hash ? block : null;
  }

  async function transactionStatus(hash: string): Promise<TxStatusJson | null> {
    return rpc.call<TxStatusJson | null>('get_transaction', [hash]);
  }

  function poolEntry(s: TxStatusJson, tx: Transaction): PoolTransaction | null {
    const status = s.tx_status.status;
    if (status !== 'pending' && status !== 'proposed') return null;
    return {
      tx,
      cycles: s.cycles ? jsonUint(s.cycles, 64, 'cycles') : 0n,
      proposed: status === 'proposed' || rules === 'devnet',
    };
  }

  /** An input's cell: an output of the same set, else the node's live cell, else its transaction's output. */
  async function resolveInput(
    outPoint: { txHash: Uint8Array; index: number },
    inSet: Map<string, Transaction>,
  ): Promise<Cell | string> {
    const hash = bytesToHex0x(outPoint.txHash);
    const local = inSet.get(hash);
    const from = local ?? (await committedTransaction(hash));
    const output = from?.outputs[outPoint.index];
    if (!from || !output) return `input ${hash}#${outPoint.index} is not a cell the node knows`;
    return [output, from.outputsData[outPoint.index] ?? new Uint8Array(0)];
  }

  async function committedTransaction(hash: string): Promise<Transaction | null> {
    const s = await transactionStatus(hash);
    return s?.transaction ? viewTransaction(s.transaction) : null;
  }

  /** What a transaction set (cellbase excluded) does to U; a DAO withdrawal cannot be priced. */
  async function effectOf(txs: readonly Transaction[]): Promise<DaoEffect | string> {
    const inSet = new Map(txs.map((tx) => [bytesToHex0x(txHash(tx)), tx]));
    const outputs: Cell[] = [];
    const spent: Cell[] = [];
    for (const tx of txs) {
      tx.outputs.forEach((out, i) => {
        outputs.push([out, tx.outputsData[i] ?? new Uint8Array(0)]);
      });
      for (const input of tx.inputs) {
        const cell = await resolveInput(input.previousOutput, inSet);
        if (typeof cell === 'string') return cell;
        if (isDaoWithdrawal(cell))
          return `transaction ${bytesToHex0x(txHash(tx))} withdraws from the Nervos DAO, whose interest this JDS does not compute`;
        spent.push(cell);
      }
    }
    return daoEffect(outputs, spent);
  }

  return {
    async parent(hashHex): Promise<ParentContext | null> {
      const hash = hashHex.toLowerCase();
      const h = await header(hash);
      if (!h) return null;
      const ctx = await templateFor(hash);
      if (!ctx) return { status: 'stale', number: h.number, medianTime: 0n, child: STALE_CHILD };
      const cellbase = ctx.transactions[0] as Transaction;
      return {
        status: 'tip',
        number: h.number,
        medianTime: await medianTime(hash),
        child: {
          version: ctx.rawHeader.version,
          compactTarget: ctx.rawHeader.compactTarget,
          epoch: ctx.rawHeader.epoch,
          cellbaseOutputs: cellbase.outputs,
          cellbaseOutputsData: cellbase.outputsData,
          extension: ctx.extension ?? null,
          uncleHashes: ctx.uncleHashes.map(bytesToHex0x),
          unclesCountLimit: Number(ctx.unclesCountLimit),
          bytesLimit: ctx.bytesLimit,
          cyclesLimit: ctx.cyclesLimit,
        },
      };
    },
    nowMs,
    async poolTransaction(hashHex) {
      const s = await transactionStatus(hashHex.toLowerCase());
      if (!s?.transaction) return null;
      return poolEntry(s, viewTransaction(s.transaction));
    },
    async isCommitted(hashHex) {
      return (await transactionStatus(hashHex.toLowerCase()))?.tx_status.status === 'committed';
    },
    async submitTransaction(tx) {
      try {
        await rpc.call('send_transaction', [transactionToJson(tx), 'passthrough']);
      } catch (err) {
        if (err instanceof CkbRpcError) return { ok: false, reason: err.message };
        throw err;
      }
      const s = await transactionStatus(bytesToHex0x(txHash(tx)));
      const entry = s ? poolEntry(s, tx) : null;
      return entry ? { ok: true, entry } : { ok: false, reason: 'the node accepted it but does not hold it' };
    },
    async expectedDao(parentHashHex, _number, transactions): Promise<ExpectedDao> {
      const template = await templateFor(parentHashHex.toLowerCase());
      if (!template) return { refusal: `${parentHashHex} is no longer the node's tip` };
      if (rules === 'devnet') return { dao: template.rawHeader.dao };
      const ours = await effectOf(template.transactions.slice(1));
      if (typeof ours === 'string') return { refusal: `the node's own template: ${ours}` };
      const theirs = await effectOf(transactions.slice(1));
      if (typeof theirs === 'string') return { refusal: theirs };
      try {
        return { dao: daoByDelta(template.rawHeader.dao, ours, theirs) };
      } catch (err) {
        return { refusal: (err as Error).message };
      }
    },
  };
}

/** get_transaction's TransactionView: the transaction plus its `hash`. */
function viewTransaction(v: unknown): Transaction {
  const { hash: _hash, ...tx } = v as Record<string, unknown>;
  return transactionFromJson(tx, 'get_transaction.transaction');
}

/** A phase-2 withdrawal spends a DAO cell whose data is the deposit's block number (non-zero). */
function isDaoWithdrawal([output, data]: Cell): boolean {
  const t = output.type;
  if (t?.hashType !== 'type' || bytesToHex0x(t.codeHash) !== DAO_TYPE_HASH) return false;
  return data.length === 8 && data.some((b) => b !== 0);
}

/** Never read: the JDS refuses a stale parent before it looks at the child template. */
const STALE_CHILD: ParentContext['child'] = {
  version: 0,
  compactTarget: 0,
  epoch: 0n,
  cellbaseOutputs: [],
  cellbaseOutputsData: [],
  extension: null,
  uncleHashes: [],
  unclesCountLimit: 0,
  bytesLimit: 0n,
  cyclesLimit: 0n,
};
