/**
 * JSON shapes of the CKB node's RPC (util/jsonrpc-types in nervosnetwork/ckb), field names
 * exactly as the node writes them. Numbers are `0x` minimal hex strings (`Uint32`, `Uint64`,
 * `Uint128`), hashes `0x` + 64 hex digits, byte strings `0x` + even hex (`JsonBytes`).
 * These are plain data types; parsing and validation live with the code that needs them.
 */
import type { HeaderJson, HeaderViewJson } from './header.js';

export type { HeaderJson, HeaderViewJson };

export type HashType = 'data' | 'type' | 'data1' | 'data2' | (string & {});

export interface ScriptJson {
  code_hash: string;
  hash_type: HashType;
  args: string;
}

export interface OutPointJson {
  tx_hash: string;
  index: string;
}

export interface CellInputJson {
  since: string;
  previous_output: OutPointJson;
}

export interface CellOutputJson {
  capacity: string;
  lock: ScriptJson;
  type: ScriptJson | null;
}

export interface CellDepJson {
  out_point: OutPointJson;
  dep_type: 'code' | 'dep_group';
}

/** `Transaction` (what `submit_block` takes; `deny_unknown_fields`, so no `hash`). */
export interface TransactionJson {
  version: string;
  cell_deps: CellDepJson[];
  header_deps: string[];
  inputs: CellInputJson[];
  outputs: CellOutputJson[];
  outputs_data: string[];
  witnesses: string[];
}

/** `TransactionView`: a transaction with its hash (what `get_block` returns). */
export interface TransactionViewJson extends TransactionJson {
  hash: string;
}

/** `UncleBlock` as `submit_block` takes it. */
export interface UncleBlockJson {
  header: HeaderJson;
  proposals: string[];
}

export interface UncleBlockViewJson {
  header: HeaderViewJson;
  proposals: string[];
}

/** `Block`: the strict parameter of `submit_block`. */
export interface BlockJson {
  header: HeaderJson;
  uncles: UncleBlockJson[];
  transactions: TransactionJson[];
  proposals: string[];
  /** Present exactly when the template had one. */
  extension?: string;
}

/** `BlockView`: what `get_block` returns. */
export interface BlockViewJson {
  header: HeaderViewJson;
  uncles: UncleBlockViewJson[];
  transactions: TransactionViewJson[];
  proposals: string[];
  extension?: string;
}

export interface UncleTemplateJson {
  hash: string;
  required: boolean;
  proposals: string[];
  header: HeaderJson;
}

export interface TransactionTemplateJson {
  hash: string;
  required: boolean;
  cycles: string | null;
  depends: string[] | null;
  data: TransactionJson;
}

export interface CellbaseTemplateJson {
  hash: string;
  cycles: string | null;
  data: TransactionJson;
}

/** `BlockTemplate`: the result of `get_block_template` and the body of a notify POST. */
export interface BlockTemplateJson {
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
  extension?: string | null;
}

export interface AlertMessageJson {
  id: string;
  message: string;
  notice_until: string;
  priority: string;
}

/** `ChainInfo` (get_blockchain_info). */
export interface ChainInfoJson {
  chain: string;
  median_time: string;
  epoch: string;
  difficulty: string;
  is_initial_block_download: boolean;
  alerts: AlertMessageJson[];
}

/** `SyncState` (sync_state). */
export interface SyncStateJson {
  ibd: boolean;
  assume_valid_target_reached: boolean;
  assume_valid_target: string;
  min_chain_work_reached: boolean;
  min_chain_work: string;
  best_known_block_number: string;
  best_known_block_timestamp: string;
  orphan_blocks_count: string;
  inflight_blocks_count: string;
  unverified_tip_number: string;
  unverified_tip_hash: string;
  tip_number: string;
  tip_hash: string;
  fast_time: string;
  normal_time: string;
  low_time: string;
}

export interface NodeAddressJson {
  address: string;
  score: string;
}

export interface LocalNodeProtocolJson {
  id: string;
  name: string;
  support_versions: string[];
}

/** `LocalNode` (local_node_info). */
export interface LocalNodeJson {
  version: string;
  node_id: string;
  active: boolean;
  addresses: NodeAddressJson[];
  protocols: LocalNodeProtocolJson[];
  connections: string;
}
