/**
 * The dev chain's JSON-RPC methods, answering like the node (rpc/README.md): the same method
 * names, positional params, result shapes, error codes (-32601 method not found, -32602
 * invalid params with serde's wording, -3 for rejected blocks) and `verbosity` forms.
 */

import { ckbhash } from '../ckb/hash.js';
import { packEpoch } from '../ckb/header.js';
import { bytesToHex0x, toMinimalHex } from '../ckb/hex.js';
import type { ChainInfoJson, LocalNodeJson, SyncStateJson } from '../ckb/rpc-types.js';
import { cellWithStatus } from './cells.js';
import type { DevChain, StoredBlock } from './chain.js';
import { serializeTransaction, transactionToJson } from './codec.js';
import { MAX_BLOCK_BYTES, MAX_BLOCK_CYCLES, MEDIAN_TIME_BLOCK_COUNT } from './contents.js';
import { getCells, getCellsCapacity } from './indexer.js';
import { decodeOutPoint, decodeUint, ParamsError } from './json-decode.js';
import { SECP256K1_BLAKE160_CODE_HASH } from './lock.js';
import { compactToDifficulty } from './pow-check.js';
import { transactionWithStatus } from './txpool.js';
import { RpcFailure } from './verify.js';

export const DEVNET_VERSION = '0.206.0 (ckb-pool devnet)';

export function methodNotFound(): RpcFailure {
  return new RpcFailure(-32601, 'Method not found');
}

function invalidParams(message: string): RpcFailure {
  return new RpcFailure(-32602, `Invalid params: ${message}.`);
}

function paramList(params: unknown, max: number): unknown[] {
  if (params === undefined || params === null) return [];
  if (!Array.isArray(params)) throw invalidParams('invalid type: map, expected a tuple');
  if (params.length > max)
    throw invalidParams(`invalid length ${params.length}, expected fewer elements in array`);
  return params;
}

function uintParam(v: unknown, name: 'Uint32' | 'Uint64'): bigint {
  try {
    return decodeUint(v, name, 'param');
  } catch (err) {
    if (err instanceof ParamsError) throw invalidParams(err.message);
    throw err;
  }
}

function decoded<T>(f: () => T): T {
  try {
    return f();
  } catch (err) {
    if (err instanceof ParamsError) throw invalidParams(err.message);
    throw err;
  }
}

/** CellOutput::calc_data_hash: the zero hash for empty data. */
function dataHash(data: Uint8Array): string {
  return bytesToHex0x(data.length === 0 ? new Uint8Array(32) : ckbhash(data));
}

function hashParam(v: unknown): string {
  if (typeof v !== 'string' || !/^0x[0-9a-fA-F]{64}$/.test(v)) {
    throw invalidParams(`invalid value: ${JSON.stringify(v)}, expected a 0x-prefixed hex string`);
  }
  return v.toLowerCase();
}

/** verbosity: null/absent → `dflt`; else must be one of `allowed`. */
function verbosity(v: unknown, dflt: bigint, allowed: bigint[]): bigint {
  if (v === undefined || v === null) return dflt;
  const n = uintParam(v, 'Uint32');
  if (!allowed.includes(n)) throw invalidParams(`Expected verbosity to be ${allowed.join(' or ')}, got ${n}`);
  return n;
}

export interface DevnetIdentity {
  nodeId: string;
  rpcUrl: string;
}

/** Runs one method; throws RpcFailure for JSON-RPC errors. */
function callMethod(chain: DevChain, id: DevnetIdentity, method: string, params: unknown): unknown {
  switch (method) {
    case 'get_block_template':
      paramList(params, 3);
      return chain.getBlockTemplate();
    case 'submit_block':
      return chain.submitBlock(params);
    case 'get_tip_header': {
      const [v] = paramList(params, 1);
      const tip = chain.tip();
      return verbosity(v, 1n, [0n, 1n]) === 0n ? chain.headerHex(tip) : chain.headerView(tip);
    }
    case 'get_tip_block_number':
      paramList(params, 0);
      return toMinimalHex(chain.tip().block.header.number);
    case 'get_header_by_number': {
      const [n, v] = paramList(params, 2);
      const b = chain.blockByNumber(uintParam(n, 'Uint64'));
      return headerResult(chain, b, verbosity(v, 1n, [0n, 1n]));
    }
    case 'get_header': {
      const [h, v] = paramList(params, 2);
      return headerResult(chain, chain.blockByHash(hashParam(h)), verbosity(v, 1n, [0n, 1n]));
    }
    case 'get_block_hash': {
      const [n] = paramList(params, 1);
      return chain.blockByNumber(uintParam(n, 'Uint64'))?.hashHex ?? null;
    }
    case 'get_block': {
      const [h, v] = paramList(params, 3);
      return blockResult(chain, chain.blockByHash(hashParam(h)), verbosity(v, 2n, [0n, 2n]));
    }
    case 'get_block_by_number': {
      const [n, v] = paramList(params, 3);
      return blockResult(chain, chain.blockByNumber(uintParam(n, 'Uint64')), verbosity(v, 2n, [0n, 2n]));
    }
    case 'get_blockchain_info': {
      paramList(params, 0);
      const info: ChainInfoJson = {
        chain: 'ckb_dev',
        median_time: toMinimalHex(chain.medianTimeOfTip()),
        epoch: toMinimalHex(chain.tip().block.header.epoch),
        difficulty: toMinimalHex(compactToDifficulty(chain.compactTarget)),
        is_initial_block_download: false,
        alerts: [],
      };
      return info;
    }
    case 'get_consensus': {
      paramList(params, 0);
      return consensus(chain);
    }
    case 'sync_state': {
      paramList(params, 0);
      const tip = chain.tip();
      const state: SyncStateJson = {
        ibd: false,
        assume_valid_target_reached: true,
        assume_valid_target: bytesToHex0x(new Uint8Array(32)),
        min_chain_work_reached: true,
        min_chain_work: '0x0',
        best_known_block_number: toMinimalHex(tip.block.header.number),
        best_known_block_timestamp: toMinimalHex(tip.block.header.timestamp),
        orphan_blocks_count: '0x0',
        inflight_blocks_count: '0x0',
        unverified_tip_number: toMinimalHex(tip.block.header.number),
        unverified_tip_hash: tip.hashHex,
        tip_number: toMinimalHex(tip.block.header.number),
        tip_hash: tip.hashHex,
        fast_time: '0x3e8',
        normal_time: '0x4e2',
        low_time: '0x5dc',
      };
      return state;
    }
    case 'local_node_info': {
      paramList(params, 0);
      const info: LocalNodeJson = {
        version: DEVNET_VERSION,
        node_id: id.nodeId,
        active: true,
        addresses: [],
        protocols: [],
        connections: '0x0',
      };
      return info;
    }
    case 'send_transaction':
      return chain.sendTransaction(params);
    case 'get_transaction': {
      const [h, v] = paramList(params, 3);
      return transactionWithStatus(
        chain.cells,
        chain.txPool,
        hashParam(h),
        verbosity(v, 2n, [0n, 1n, 2n]),
        transactionToJson,
        (tx) => bytesToHex0x(serializeTransaction(tx)),
      );
    }
    case 'get_live_cell': {
      const [o, withData] = paramList(params, 3);
      const outPoint = decoded(() => decodeOutPoint(o, 'out_point'));
      if (typeof withData !== 'boolean') throw invalidParams('invalid type, expected a boolean');
      return cellWithStatus(chain.cells, outPoint.txHash, outPoint.index, withData, dataHash);
    }
    case 'get_cells':
      return decoded(() => getCells(chain.cells, paramList(params, 4)));
    case 'get_cells_capacity': {
      const [key] = paramList(params, 1);
      const tip = chain.tip();
      return decoded(() =>
        getCellsCapacity(chain.cells, key, { hash: tip.hashHex, number: tip.block.header.number }),
      );
    }
    case 'get_fee_rate_statistics': {
      const [target] = paramList(params, 1);
      const t = target === undefined || target === null ? undefined : uintParam(target, 'Uint64');
      return chain.cells.feeRateStatistics(chain.tip().block.header.number, t);
    }
    case 'get_indexer_tip': {
      paramList(params, 0);
      const tip = chain.tip();
      return { block_hash: tip.hashHex, block_number: toMinimalHex(tip.block.header.number) };
    }
    case 'ping':
      return 'pong';
    default:
      throw methodNotFound();
  }
}

/**
 * The part of the node's `Consensus` a pool reads (rpc/README.md `get_consensus`): the chain
 * id, genesis hash, the default lock's type hash and `cellbase_maturity` (an
 * EpochNumberWithFraction, packed like a header epoch).
 */
function consensus(chain: DevChain): Record<string, unknown> {
  const m = chain.cellbaseMaturity;
  return {
    id: 'ckb_dev',
    genesis_hash: chain.blockByNumber(0n)?.hashHex ?? null,
    secp256k1_blake160_sighash_all_type_hash: bytesToHex0x(SECP256K1_BLAKE160_CODE_HASH),
    tx_proposal_window: { closest: '0x2', farthest: '0xa' },
    cellbase_maturity: toMinimalHex(packEpoch({ number: m.number, index: m.index, length: m.length })),
    median_time_block_count: toMinimalHex(BigInt(MEDIAN_TIME_BLOCK_COUNT)),
    max_block_cycles: toMinimalHex(MAX_BLOCK_CYCLES),
    max_block_bytes: toMinimalHex(BigInt(MAX_BLOCK_BYTES)),
    permanent_difficulty_in_dummy: true,
  };
}

function headerResult(chain: DevChain, b: StoredBlock | null, v: bigint): unknown {
  if (!b) return null;
  return v === 0n ? chain.headerHex(b) : chain.headerView(b);
}

function blockResult(chain: DevChain, b: StoredBlock | null, v: bigint): unknown {
  if (!b) return null;
  return v === 0n ? chain.blockHex(b) : chain.blockView(b);
}

/**
 * Handles one parsed JSON-RPC request object; returns the response object, or null for a
 * notification (no id). `extra` handles transport-specific methods (subscribe) first.
 */
export function handleRequest(
  chain: DevChain,
  id: DevnetIdentity,
  req: unknown,
  extra?: (method: string, params: unknown) => { handled: true; result: unknown } | { handled: false },
): object | null {
  if (typeof req !== 'object' || req === null || Array.isArray(req)) {
    return { jsonrpc: '2.0', error: { code: -32600, message: 'Invalid request' }, id: null };
  }
  const r = req as { id?: unknown; method?: unknown; params?: unknown; jsonrpc?: unknown };
  const reqId = r.id === undefined ? null : r.id;
  if (typeof r.method !== 'string') {
    return { jsonrpc: '2.0', error: { code: -32600, message: 'Invalid request' }, id: reqId };
  }
  try {
    let result: unknown;
    const e = extra?.(r.method, r.params);
    if (e?.handled) result = e.result;
    else result = callMethod(chain, id, r.method, r.params);
    if (r.id === undefined) return null;
    return { jsonrpc: '2.0', result, id: reqId };
  } catch (err) {
    if (r.id === undefined) return null;
    if (err instanceof RpcFailure) {
      const error: { code: number; message: string; data?: string } = {
        code: err.code,
        message: err.message,
      };
      if (err.data !== undefined) error.data = err.data;
      return { jsonrpc: '2.0', error, id: reqId };
    }
    return {
      jsonrpc: '2.0',
      error: { code: -1, message: `CKBInternalError: ${(err as Error).message}` },
      id: reqId,
    };
  }
}
