/**
 * JSON shapes of the CKB node's RPC (util/jsonrpc-types in nervosnetwork/ckb), field names
 * exactly as the node writes them. Numbers are `0x` minimal hex strings (`Uint32`, `Uint64`,
 * `Uint128`), hashes `0x` + 64 hex digits, byte strings `0x` + even hex (`JsonBytes`).
 * These are plain data types; parsing and validation live with the code that needs them.
 */
import type { BlockJson, UncleBlockJson } from './block.js';
import type { HeaderJson, HeaderViewJson } from './header.js';
import type {
  BlockTemplate,
  CellbaseTemplateJson,
  TransactionTemplateJson,
  UncleTemplateJson,
} from './template.js';
import type {
  CellDepJson,
  CellInputJson,
  CellOutputJson,
  OutPointJson,
  ScriptJson,
  TransactionJson,
} from './transaction.js';

// One definition per shape: the owners of header/transaction/block/template define the JSON
// the pool builds and parses; the RPC layer re-exports them.
export type {
  BlockJson,
  CellbaseTemplateJson,
  CellDepJson,
  CellInputJson,
  CellOutputJson,
  HeaderJson,
  HeaderViewJson,
  OutPointJson,
  ScriptJson,
  TransactionJson,
  TransactionTemplateJson,
  UncleBlockJson,
  UncleTemplateJson,
};

/** `BlockTemplate`: the result of `get_block_template` and the body of a notify POST. */
export type BlockTemplateJson = BlockTemplate;

/** `TransactionView`: a transaction with its hash (what `get_block` returns). */
export interface TransactionViewJson extends TransactionJson {
  hash: string;
}

export interface UncleBlockViewJson {
  header: HeaderViewJson;
  proposals: string[];
}

/** `BlockView`: what `get_block` returns. */
export interface BlockViewJson {
  header: HeaderViewJson;
  uncles: UncleBlockViewJson[];
  transactions: TransactionViewJson[];
  proposals: string[];
  extension?: string;
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
