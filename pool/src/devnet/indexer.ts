/**
 * The indexer RPCs CCC uses to find a wallet's cells (`get_cells`, `get_cells_capacity`,
 * `get_indexer_tip`), in the node's shapes (util/jsonrpc-types/src/indexer.rs): a search key
 * {script, script_type, script_search_mode, filter, with_data}, results ordered by block
 * number, transaction index and output index, paged with an opaque `last_cursor`. Only live
 * cells are indexed; the cursor is the dev chain's own encoding (block ‖ tx ‖ output index).
 */
import { bytesToHex, bytesToHex0x, toMinimalHex } from '../ckb/hex.js';
import type { CellState, LiveCell } from './cells.js';
import { scriptToJson, serializeScript } from './codec.js';
import { decodeBytes, decodeScript, decodeUint, ParamsError, type Script } from './json-decode.js';

type Range = [bigint, bigint];

interface SearchKey {
  script: Script;
  scriptType: 'lock' | 'type';
  mode: 'prefix' | 'exact' | 'partial';
  filter: {
    script: Script | null;
    scriptLenRange: Range | null;
    outputData: Uint8Array | null;
    outputDataMode: 'prefix' | 'exact' | 'partial';
    outputDataLenRange: Range | null;
    capacityRange: Range | null;
    blockRange: Range | null;
  };
  withData: boolean;
}

function record(v: unknown, path: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new ParamsError('invalid type, expected a map', path);
  return v as Record<string, unknown>;
}

function mode(v: unknown, path: string): 'prefix' | 'exact' | 'partial' {
  if (v === undefined || v === null) return 'prefix';
  if (v === 'prefix' || v === 'exact' || v === 'partial') return v;
  throw new ParamsError(
    `unknown variant \`${String(v)}\`, expected one of \`prefix\`, \`exact\`, \`partial\``,
    path,
  );
}

function range(v: unknown, path: string): Range | null {
  if (v === undefined || v === null) return null;
  if (!Array.isArray(v) || v.length !== 2)
    throw new ParamsError('invalid length, expected a tuple of size 2', path);
  return [decodeUint(v[0], 'Uint64', `${path}[0]`), decodeUint(v[1], 'Uint64', `${path}[1]`)];
}

export function decodeSearchKey(v: unknown): SearchKey {
  const o = record(v, 'search_key');
  const scriptType = o.script_type;
  if (scriptType !== 'lock' && scriptType !== 'type') {
    throw new ParamsError(
      `unknown variant \`${String(scriptType)}\`, expected \`lock\` or \`type\``,
      'script_type',
    );
  }
  const f = o.filter === undefined || o.filter === null ? {} : record(o.filter, 'filter');
  return {
    script: decodeScript(o.script, 'search_key.script'),
    scriptType,
    mode: mode(o.script_search_mode, 'script_search_mode'),
    filter: {
      script: f.script === undefined || f.script === null ? null : decodeScript(f.script, 'filter.script'),
      scriptLenRange: range(f.script_len_range, 'filter.script_len_range'),
      outputData:
        f.output_data === undefined || f.output_data === null
          ? null
          : decodeBytes(f.output_data, 'filter.output_data'),
      outputDataMode: mode(f.output_data_filter_mode, 'filter.output_data_filter_mode'),
      outputDataLenRange: range(f.output_data_len_range, 'filter.output_data_len_range'),
      capacityRange: range(f.output_capacity_range, 'filter.output_capacity_range'),
      blockRange: range(f.block_range, 'filter.block_range'),
    },
    withData: o.with_data === undefined || o.with_data === null ? true : o.with_data === true,
  };
}

function bytesMatch(have: Uint8Array, want: Uint8Array, m: 'prefix' | 'exact' | 'partial'): boolean {
  const h = bytesToHex(have);
  const w = bytesToHex(want);
  return m === 'exact' ? h === w : m === 'prefix' ? h.startsWith(w) : h.includes(w);
}

/** Same code hash and hash type; args by `mode`. */
function scriptMatches(have: Script | null, want: Script, m: 'prefix' | 'exact' | 'partial'): boolean {
  if (!have) return false;
  if (bytesToHex(have.codeHash) !== bytesToHex(want.codeHash) || have.hashType !== want.hashType)
    return false;
  return bytesMatch(have.args, want.args, m);
}

const inRange = (n: bigint, r: Range | null) => r === null || (n >= r[0] && n < r[1]);

function matches(c: LiveCell, key: SearchKey): boolean {
  const [primary, other] =
    key.scriptType === 'lock' ? [c.output.lock, c.output.type] : [c.output.type, c.output.lock];
  if (!scriptMatches(primary, key.script, key.mode)) return false;
  const f = key.filter;
  if (f.script && !scriptMatches(other, f.script, 'prefix')) return false;
  if (!inRange(other ? BigInt(serializeScript(other).length) : 0n, f.scriptLenRange)) return false;
  if (f.outputData && !bytesMatch(c.data, f.outputData, f.outputDataMode)) return false;
  return (
    inRange(BigInt(c.data.length), f.outputDataLenRange) &&
    inRange(c.output.capacity, f.capacityRange) &&
    inRange(c.blockNumber, f.blockRange)
  );
}

interface Found {
  key: string;
  cell: LiveCell;
  order: bigint;
}

/** Live cells matching `key`, in the indexer's order (block, tx index, output index). */
function search(state: CellState, key: SearchKey): Found[] {
  const found: Found[] = [];
  for (const [k, cell] of state.liveCells()) {
    if (!matches(cell, key)) continue;
    const outIndex = BigInt(Buffer.from(k.slice(66), 'hex').readUInt32LE(0));
    found.push({ key: k, cell, order: (cell.blockNumber << 64n) | (BigInt(cell.txIndex) << 32n) | outIndex });
  }
  return found.sort((a, b) => (a.order < b.order ? -1 : a.order > b.order ? 1 : 0));
}

/** get_cells(search_key, order, limit, after_cursor?). */
export function getCells(state: CellState, params: unknown[]): unknown {
  const [rawKey, order, rawLimit, cursor] = params;
  const key = decodeSearchKey(rawKey);
  if (order !== 'asc' && order !== 'desc') {
    throw new ParamsError(`unknown variant \`${String(order)}\`, expected \`desc\` or \`asc\``, 'order');
  }
  const limit = Number(decodeUint(rawLimit, 'Uint32', 'limit'));
  if (limit === 0) throw new ParamsError('limit should be greater than 0', 'limit');
  let found = search(state, key);
  if (order === 'desc') found.reverse();
  if (cursor !== undefined && cursor !== null && cursor !== '0x') {
    const after = BigInt(bytesToHex0x(decodeBytes(cursor, 'after_cursor')));
    found = found.filter((f) => (order === 'asc' ? f.order > after : f.order < after));
  }
  const page = found.slice(0, limit);
  return {
    objects: page.map((f) => ({
      output: {
        capacity: toMinimalHex(f.cell.output.capacity),
        lock: scriptToJson(f.cell.output.lock),
        type: f.cell.output.type ? scriptToJson(f.cell.output.type) : null,
      },
      output_data: key.withData ? bytesToHex0x(f.cell.data) : null,
      out_point: {
        tx_hash: f.key.slice(0, 66),
        index: toMinimalHex(Buffer.from(f.key.slice(66), 'hex').readUInt32LE(0)),
      },
      block_number: toMinimalHex(f.cell.blockNumber),
      tx_index: toMinimalHex(f.cell.txIndex),
    })),
    last_cursor: page.length === 0 ? '0x' : `0x${page[page.length - 1].order.toString(16).padStart(32, '0')}`,
  };
}

/** get_cells_capacity(search_key): total capacity at the tip. */
export function getCellsCapacity(
  state: CellState,
  rawKey: unknown,
  tip: { hash: string; number: bigint },
): unknown {
  const total = search(state, decodeSearchKey(rawKey)).reduce((a, f) => a + f.cell.output.capacity, 0n);
  return { capacity: toMinimalHex(total), block_hash: tip.hash, block_number: toMinimalHex(tip.number) };
}
