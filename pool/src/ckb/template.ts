/**
 * get_block_template → block, exactly as the node's `From<BlockTemplate> for packed::Block`
 * (util/jsonrpc-types/src/block_template.rs) followed by `reset_header`: transactions =
 * [cellbase.data, ...transactions[*].data] (all of them), uncles = every template uncle, the
 * template's proposals and extension; header fields copied from the template (timestamp =
 * current_time) and transactions_root, proposals_hash, extra_hash computed. The nonce is the
 * only thing a miner adds; `blockToSubmitJson` then writes the strict submit_block JSON.
 */
import {
  type BlockBody,
  type BlockJson,
  blockToJson,
  calcExtraHash,
  calcProposalsHash,
  calcTransactionsRootParts,
  calcUnclesHash,
  proposalsFromJson,
  type UncleBlock,
} from './block.js';
import {
  blockHash,
  type Header,
  type HeaderJson,
  headerFromJson,
  powHash,
  type RawHeader,
} from './header.js';
import { bytesToHex0x } from './hex.js';
import {
  JsonFieldError,
  jsonArray,
  jsonBool,
  jsonByte32,
  jsonBytes,
  jsonObject,
  jsonU32,
  jsonUint,
} from './molecule-json.js';
import { type Transaction, type TransactionJson, transactionFromJson } from './transaction.js';

/** The node's JSON `UncleTemplate`. */
export interface UncleTemplateJson {
  hash: string;
  required: boolean;
  proposals: string[];
  header: HeaderJson;
}

/** The node's JSON `CellbaseTemplate`. */
export interface CellbaseTemplateJson {
  hash: string;
  cycles: string | null;
  data: TransactionJson;
}

/** The node's JSON `TransactionTemplate`. */
export interface TransactionTemplateJson {
  hash: string;
  required: boolean;
  cycles: string | null;
  depends: string[] | null;
  data: TransactionJson;
}

/** get_block_template's result (also what the block assembler POSTs to `notify` URLs). */
export interface BlockTemplate {
  version: string;
  compact_target: string;
  current_time: string;
  number: string;
  epoch: string;
  parent_hash: string;
  cycles_limit: string;
  bytes_limit: string;
  uncles_count_limit: string;
  uncles: UncleTemplateJson[];
  transactions: TransactionTemplateJson[];
  proposals: string[];
  cellbase: CellbaseTemplateJson;
  work_id: string;
  dao: string;
  /** Present on chains with RFC 0031/0044 active (mainnet, testnet); absent or null otherwise. */
  extension?: string | null;
}

/** A block assembled from a template, waiting for its nonce. */
export interface TemplateBlock extends BlockBody {
  rawHeader: RawHeader;
  /** ckbhash(rawHeader): what miners hash with their nonce. */
  powHash: Uint8Array;
  /** The template's work_id (submit_block takes it back; the node only logs it). */
  workId: bigint;
  cyclesLimit: bigint;
  bytesLimit: bigint;
  unclesCountLimit: bigint;
  /** Hashes in block order (cellbase first), as committed in transactions_root. */
  txHashes: Uint8Array[];
  witnessHashes: Uint8Array[];
  /** Hashes of the included uncles, in block order. */
  uncleHashes: Uint8Array[];
}

export interface TemplateToBlockOptions {
  /**
   * Check the node's own `hash` fields (cellbase, each transaction, each uncle) against the
   * hashes computed here (default true). A mismatch means this code would build a block the
   * node rejects, so it throws instead of letting miners work on it.
   */
  verifyHashes?: boolean;
}

function checkHash(given: unknown, computed: Uint8Array, what: string, verify: boolean): void {
  const g = jsonByte32(given, what);
  if (verify && bytesToHex0x(g) !== bytesToHex0x(computed)) {
    throw new JsonFieldError(
      what,
      `template says ${bytesToHex0x(g)} but the data hashes to ${bytesToHex0x(computed)}`,
    );
  }
}

/**
 * Parses a get_block_template result and assembles the block as the node does. Throws
 * `JsonFieldError` naming the field (e.g. `template.transactions[2].data.inputs[0].since`).
 */
export function templateToBlock(
  template: BlockTemplate | unknown,
  opts: TemplateToBlockOptions = {},
): TemplateBlock {
  const verify = opts.verifyHashes ?? true;
  const what = 'template';
  const t = jsonObject(template, what);

  const cb = jsonObject(t.cellbase, `${what}.cellbase`);
  const cellbase = transactionFromJson(cb.data, `${what}.cellbase.data`);
  const txTemplates = jsonArray(t.transactions, `${what}.transactions`).map((x, i) => {
    const w = `${what}.transactions[${i}]`;
    const o = jsonObject(x, w);
    return { hash: o.hash, tx: transactionFromJson(o.data, `${w}.data`), w };
  });
  const transactions: Transaction[] = [cellbase, ...txTemplates.map((x) => x.tx)];

  const uncleTemplates = jsonArray(t.uncles, `${what}.uncles`).map((x, i) => {
    const w = `${what}.uncles[${i}]`;
    const o = jsonObject(x, w);
    if (o.required !== undefined) jsonBool(o.required, `${w}.required`);
    const uncle: UncleBlock = {
      header: headerFromJson(o.header, `${w}.header`),
      proposals: proposalsFromJson(o.proposals, `${w}.proposals`),
    };
    return { hash: o.hash, uncle, w };
  });
  const uncles = uncleTemplates.map((u) => u.uncle);
  const proposals = proposalsFromJson(t.proposals, `${what}.proposals`);
  const extension =
    t.extension === undefined || t.extension === null ? null : jsonBytes(t.extension, `${what}.extension`);

  const roots = calcTransactionsRootParts(transactions);
  checkHash(cb.hash, roots.txHashes[0], `${what}.cellbase.hash`, verify);
  txTemplates.forEach((x, i) => {
    checkHash(x.hash, roots.txHashes[i + 1], `${x.w}.hash`, verify);
  });
  const uncleHashes = uncles.map((u) => blockHash(u.header));
  uncleTemplates.forEach((u, i) => {
    checkHash(u.hash, uncleHashes[i], `${u.w}.hash`, verify);
  });

  const rawHeader: RawHeader = {
    version: jsonU32(t.version, `${what}.version`),
    compactTarget: jsonU32(t.compact_target, `${what}.compact_target`),
    timestamp: jsonUint(t.current_time, 64, `${what}.current_time`),
    number: jsonUint(t.number, 64, `${what}.number`),
    epoch: jsonUint(t.epoch, 64, `${what}.epoch`),
    parentHash: jsonByte32(t.parent_hash, `${what}.parent_hash`),
    transactionsRoot: roots.transactionsRoot,
    proposalsHash: calcProposalsHash(proposals),
    extraHash: calcExtraHash(calcUnclesHash(uncles), extension),
    dao: jsonByte32(t.dao, `${what}.dao`),
  };

  return {
    rawHeader,
    powHash: powHash(rawHeader),
    workId: jsonUint(t.work_id, 64, `${what}.work_id`),
    cyclesLimit: jsonUint(t.cycles_limit, 64, `${what}.cycles_limit`),
    bytesLimit: jsonUint(t.bytes_limit, 64, `${what}.bytes_limit`),
    unclesCountLimit: jsonUint(t.uncles_count_limit, 64, `${what}.uncles_count_limit`),
    uncles,
    transactions,
    proposals,
    ...(extension ? { extension } : {}),
    txHashes: roots.txHashes,
    witnessHashes: roots.witnessHashes,
    uncleHashes,
  };
}

/** The header of a template block once a nonce is found. */
function headerWithNonce(block: Pick<TemplateBlock, 'rawHeader'>, nonce: bigint): Header {
  return { ...block.rawHeader, nonce };
}

/** The block hash submit_block will return for this nonce. */
export function templateBlockHash(block: Pick<TemplateBlock, 'rawHeader'>, nonce: bigint): Uint8Array {
  return blockHash(headerWithNonce(block, nonce));
}

/**
 * submit_block's `block` parameter: the node's JSON `Block` with exactly its fields (header,
 * uncles, transactions, proposals, and extension only when the template had one), in its
 * field order, numbers as minimal hex. Nothing from the template's extras (hash, required,
 * cycles, depends) leaks in: the node denies unknown fields.
 */
export function blockToSubmitJson(
  block: Pick<TemplateBlock, 'rawHeader'> & BlockBody,
  nonce: bigint,
): BlockJson {
  return blockToJson({
    header: headerWithNonce(block, nonce),
    uncles: block.uncles,
    transactions: block.transactions,
    proposals: block.proposals,
    extension: block.extension ?? null,
  });
}
