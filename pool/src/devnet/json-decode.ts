/**
 * Strict decoding of `submit_block` parameters, mimicking the node's serde types in
 * util/jsonrpc-types (`deny_unknown_fields` structs, `JsonUint` without redundant leading
 * zeros, 32-byte `H256`/`Byte32`, 10-byte `ProposalShortId`, even-length `JsonBytes`).
 * Failures throw `ParamsError` whose message is serde's wording, so the server can answer as
 * jsonrpc-core does: code -32602, "Invalid params: <serde message>.". The JSON path of the
 * offending value is kept separately (the node does not report it; we put it in `data`).
 *
 * Deliberately independent of pool/src/ckb/template.ts: the dev chain is the oracle the pool's
 * own block assembly is tested against, so it must not share that code.
 */
import type { Header } from '../ckb/header.js';
import { hexToBytes } from '../ckb/hex.js';

export class ParamsError extends Error {
  constructor(
    message: string,
    readonly path: string,
  ) {
    super(message);
    this.name = 'ParamsError';
  }
}

export interface Script {
  codeHash: Uint8Array;
  /** Molecule byte: data 0, type 1, data1 2, data2 4, dataN N<<1. */
  hashType: number;
  args: Uint8Array;
}

export interface OutPoint {
  txHash: Uint8Array;
  index: number;
}

export interface CellInput {
  since: bigint;
  previousOutput: OutPoint;
}

export interface CellOutput {
  capacity: bigint;
  lock: Script;
  type: Script | null;
}

export interface CellDep {
  outPoint: OutPoint;
  /** code 0, dep_group 1. */
  depType: number;
}

export interface Transaction {
  version: number;
  cellDeps: CellDep[];
  headerDeps: Uint8Array[];
  inputs: CellInput[];
  outputs: CellOutput[];
  outputsData: Uint8Array[];
  witnesses: Uint8Array[];
}

export interface UncleBlock {
  header: Header;
  proposals: Uint8Array[];
}

export interface Block {
  header: Header;
  uncles: UncleBlock[];
  transactions: Transaction[];
  proposals: Uint8Array[];
  extension: Uint8Array | null;
}

/** serde's description of an unexpected JSON value. */
function unexpected(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return `boolean \`${v}\``;
  if (typeof v === 'number') return Number.isInteger(v) ? `integer \`${v}\`` : `floating point \`${v}\``;
  if (typeof v === 'string') return `string ${JSON.stringify(v)}`;
  if (Array.isArray(v)) return 'sequence';
  return 'map';
}

function invalidType(v: unknown, expected: string, path: string): ParamsError {
  return new ParamsError(`invalid type: ${unexpected(v)}, expected ${expected}`, path);
}

/** serde's `OneOf` wording: "`a`", "`a` or `b`", "one of `a`, `b`, `c`". */
function oneOf(names: readonly string[]): string {
  const q = names.map((n) => `\`${n}\``);
  if (q.length === 1) return q[0];
  if (q.length === 2) return `${q[0]} or ${q[1]}`;
  return `one of ${q.join(', ')}`;
}

/** A struct with `#[serde(deny_unknown_fields)]`; `optional` fields are `Option<T>`. */
function struct(
  v: unknown,
  name: string,
  fields: readonly string[],
  path: string,
  optional: readonly string[] = [],
): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw invalidType(v, `struct ${name}`, path);
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!fields.includes(k)) {
      throw new ParamsError(`unknown field \`${k}\`, expected ${oneOf(fields)}`, `${path}.${k}`);
    }
  }
  for (const f of fields) {
    if (!(f in o) && !optional.includes(f)) throw new ParamsError(`missing field \`${f}\``, path);
  }
  return o;
}

function seq(v: unknown, path: string): unknown[] {
  if (!Array.isArray(v)) throw invalidType(v, 'a sequence', path);
  return v;
}

/** `JsonUint<T>` (uints.rs): "0x" + hex, no redundant leading zero, fits `bits`. */
export function decodeUint(v: unknown, name: 'Uint32' | 'Uint64' | 'Uint128', path: string): bigint {
  if (typeof v !== 'string') throw invalidType(v, `a hex-encoded, 0x-prefixed ${name}`, path);
  if (v.length < 3 || !v.startsWith('0x'))
    throw new ParamsError(`Invalid ${name} ${v}: without \`0x\` prefix`, path);
  if (v[2] === '0' && v.length > 3)
    throw new ParamsError(`Invalid ${name} ${v}: with redundant leading zeros`, path);
  const digits = v.slice(2);
  if (!/^[0-9a-fA-F]+$/.test(digits))
    throw new ParamsError(`Invalid ${name} ${v}: invalid digit found in string`, path);
  const n = BigInt(`0x${digits}`);
  const bits = name === 'Uint32' ? 32n : name === 'Uint64' ? 64n : 128n;
  if (n >> bits !== 0n)
    throw new ParamsError(`Invalid ${name} ${v}: number too large to fit in target type`, path);
  return n;
}

/** Fixed-size bytes (`H256`/`Byte32` = 32, `ProposalShortId` = 10). */
function decodeFixed(v: unknown, size: number, path: string): Uint8Array {
  if (typeof v !== 'string') throw invalidType(v, 'a 0x-prefixed hex string', path);
  if (!v.startsWith('0x') || v.length !== 2 + 2 * size) {
    throw new ParamsError(
      `invalid value: string ${JSON.stringify(v)}, expected a 0x-prefixed hex string`,
      path,
    );
  }
  if (!/^[0-9a-fA-F]*$/.test(v.slice(2))) throw new ParamsError('InvalidChar', path);
  return hexToBytes(v);
}

/** `JsonBytes`: "0x" + an even number of hex digits. */
export function decodeBytes(v: unknown, path: string): Uint8Array {
  if (typeof v !== 'string') throw invalidType(v, 'a 0x-prefixed hex string', path);
  if (!v.startsWith('0x')) {
    throw new ParamsError(
      `invalid value: string ${JSON.stringify(v)}, expected a 0x-prefixed hex string`,
      path,
    );
  }
  if (v.length % 2 !== 0) throw new ParamsError(`invalid length ${v.length}, expected even length`, path);
  if (!/^[0-9a-fA-F]*$/.test(v.slice(2))) throw new ParamsError('InvalidChar', path);
  return hexToBytes(v);
}

const HASH_TYPES = ['data', 'type', 'data1', 'data2'];

export function hashTypeFromJson(v: unknown, path: string): number {
  if (typeof v !== 'string') throw invalidType(v, 'variant identifier', path);
  if (v === 'data') return 0;
  if (v === 'type') return 1;
  const m = /^data([1-9][0-9]*)$/.exec(v);
  if (m && Number(m[1]) <= 127) return Number(m[1]) << 1;
  throw new ParamsError(
    `unknown variant \`${v}\`, expected one of ${HASH_TYPES.map((h) => `\`${h}\``).join(', ')}, …`,
    path,
  );
}

export function hashTypeToJson(b: number): string {
  if (b === 0) return 'data';
  if (b === 1) return 'type';
  return `data${b >> 1}`;
}

export function decodeScript(v: unknown, path: string): Script {
  const o = struct(v, 'Script', ['code_hash', 'hash_type', 'args'], path);
  return {
    codeHash: decodeFixed(o.code_hash, 32, `${path}.code_hash`),
    hashType: hashTypeFromJson(o.hash_type, `${path}.hash_type`),
    args: decodeBytes(o.args, `${path}.args`),
  };
}

export function decodeOutPoint(v: unknown, path: string): OutPoint {
  const o = struct(v, 'OutPoint', ['tx_hash', 'index'], path);
  return {
    txHash: decodeFixed(o.tx_hash, 32, `${path}.tx_hash`),
    index: Number(decodeUint(o.index, 'Uint32', `${path}.index`)),
  };
}

export function decodeTransaction(v: unknown, path: string): Transaction {
  const o = struct(
    v,
    'Transaction',
    ['version', 'cell_deps', 'header_deps', 'inputs', 'outputs', 'outputs_data', 'witnesses'],
    path,
  );
  return {
    version: Number(decodeUint(o.version, 'Uint32', `${path}.version`)),
    cellDeps: seq(o.cell_deps, `${path}.cell_deps`).map((d, i) => {
      const p = `${path}.cell_deps[${i}]`;
      const c = struct(d, 'CellDep', ['out_point', 'dep_type'], p);
      if (c.dep_type !== 'code' && c.dep_type !== 'dep_group') {
        if (typeof c.dep_type !== 'string')
          throw invalidType(c.dep_type, 'variant identifier', `${p}.dep_type`);
        throw new ParamsError(
          `unknown variant \`${c.dep_type}\`, expected \`code\` or \`dep_group\``,
          `${p}.dep_type`,
        );
      }
      return {
        outPoint: decodeOutPoint(c.out_point, `${p}.out_point`),
        depType: c.dep_type === 'code' ? 0 : 1,
      };
    }),
    headerDeps: seq(o.header_deps, `${path}.header_deps`).map((h, i) =>
      decodeFixed(h, 32, `${path}.header_deps[${i}]`),
    ),
    inputs: seq(o.inputs, `${path}.inputs`).map((x, i) => {
      const p = `${path}.inputs[${i}]`;
      const c = struct(x, 'CellInput', ['since', 'previous_output'], p);
      return {
        since: decodeUint(c.since, 'Uint64', `${p}.since`),
        previousOutput: decodeOutPoint(c.previous_output, `${p}.previous_output`),
      };
    }),
    outputs: seq(o.outputs, `${path}.outputs`).map((x, i) => {
      const p = `${path}.outputs[${i}]`;
      const c = struct(x, 'CellOutput', ['capacity', 'lock', 'type'], p, ['type']);
      return {
        capacity: decodeUint(c.capacity, 'Uint64', `${p}.capacity`),
        lock: decodeScript(c.lock, `${p}.lock`),
        type: c.type === undefined || c.type === null ? null : decodeScript(c.type, `${p}.type`),
      };
    }),
    outputsData: seq(o.outputs_data, `${path}.outputs_data`).map((d, i) =>
      decodeBytes(d, `${path}.outputs_data[${i}]`),
    ),
    witnesses: seq(o.witnesses, `${path}.witnesses`).map((d, i) => decodeBytes(d, `${path}.witnesses[${i}]`)),
  };
}

const HEADER_FIELDS = [
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
] as const;

export function decodeHeader(v: unknown, path: string): Header {
  const o = struct(v, 'Header', HEADER_FIELDS, path);
  return {
    version: Number(decodeUint(o.version, 'Uint32', `${path}.version`)),
    compactTarget: Number(decodeUint(o.compact_target, 'Uint32', `${path}.compact_target`)),
    timestamp: decodeUint(o.timestamp, 'Uint64', `${path}.timestamp`),
    number: decodeUint(o.number, 'Uint64', `${path}.number`),
    epoch: decodeUint(o.epoch, 'Uint64', `${path}.epoch`),
    parentHash: decodeFixed(o.parent_hash, 32, `${path}.parent_hash`),
    transactionsRoot: decodeFixed(o.transactions_root, 32, `${path}.transactions_root`),
    proposalsHash: decodeFixed(o.proposals_hash, 32, `${path}.proposals_hash`),
    extraHash: decodeFixed(o.extra_hash, 32, `${path}.extra_hash`),
    dao: decodeFixed(o.dao, 32, `${path}.dao`),
    nonce: decodeUint(o.nonce, 'Uint128', `${path}.nonce`),
  };
}

function decodeProposals(v: unknown, path: string): Uint8Array[] {
  return seq(v, path).map((p, i) => decodeFixed(p, 10, `${path}[${i}]`));
}

/** The `Block` parameter of `submit_block`. */
export function decodeBlock(v: unknown, path = 'block'): Block {
  const o = struct(v, 'Block', ['header', 'uncles', 'transactions', 'proposals', 'extension'], path, [
    'extension',
  ]);
  return {
    header: decodeHeader(o.header, `${path}.header`),
    uncles: seq(o.uncles, `${path}.uncles`).map((u, i) => {
      const p = `${path}.uncles[${i}]`;
      const c = struct(u, 'UncleBlock', ['header', 'proposals'], p);
      return {
        header: decodeHeader(c.header, `${p}.header`),
        proposals: decodeProposals(c.proposals, `${p}.proposals`),
      };
    }),
    transactions: seq(o.transactions, `${path}.transactions`).map((t, i) =>
      decodeTransaction(t, `${path}.transactions[${i}]`),
    ),
    proposals: decodeProposals(o.proposals, `${path}.proposals`),
    extension:
      o.extension === undefined || o.extension === null
        ? null
        : decodeBytes(o.extension, `${path}.extension`),
  };
}

/** `submit_block(work_id: String, block: Block)` positional parameters. */
export function decodeSubmitBlockParams(params: unknown): { workId: string; block: Block } {
  if (!Array.isArray(params)) throw invalidType(params, 'a tuple of size 2', 'params');
  if (params.length !== 2)
    throw new ParamsError(`invalid length ${params.length}, expected a tuple of size 2`, 'params');
  if (typeof params[0] !== 'string') throw invalidType(params[0], 'a string', 'params[0]');
  return { workId: params[0], block: decodeBlock(params[1], 'params[1]') };
}
