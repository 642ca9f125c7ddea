/**
 * What the JD client asks of the miner's OWN CKB node: its block template (the node decides
 * epoch, difficulty, the N − 11 reward, extension and uncles), the transactions a policy adds
 * (get_transaction), the cells they spend (get_live_cell, for the DAO field), and submit_block
 * for a block found on a declared job. Everything over JSON-RPC, so any CKB node will do.
 */
import type { BlockJson } from '../ckb/block.js';
import { hexToBytes } from '../ckb/hex.js';
import type { CkbRpcClient } from '../ckb/rpc.js';
import type { BlockTemplate } from '../ckb/template.js';
import { type CellOutput, type Transaction, transactionFromJson } from '../ckb/transaction.js';

/** Where a transaction stands on the miner's node (get_transaction's tx_status.status). */
export type NodeTxStatus = 'pending' | 'proposed' | 'committed' | 'unknown' | 'rejected';

export interface NodeTransaction {
  tx: Transaction;
  status: NodeTxStatus;
}

export interface JdcNode {
  blockTemplate(): Promise<BlockTemplate>;
  transaction(txHashHex: string): Promise<NodeTransaction | null>;
  /** A live cell with its data, or null when spent or unknown. */
  liveCell(txHashHex: string, index: number): Promise<{ output: CellOutput; data: Uint8Array } | null>;
  /** submit_block: the block hash, or throws with the node's reason. */
  submitBlock(workId: bigint, block: BlockJson): Promise<string>;
  /**
   * The TypeScript dev chain (local_node_info says so): it skips the proposal window and
   * derives the DAO field from the height alone, so a template with other transactions keeps
   * the template's DAO field.
   */
  isDevChain(): Promise<boolean>;
}

interface TxWithStatusJson {
  transaction: unknown;
  tx_status: { status: string };
}

interface LiveCellJson {
  status: string;
  cell: { output: unknown; data: { content: string } | null } | null;
}

/** A cell output as JSON parsed through the one transaction parser there is. */
function cellFromJson(
  output: unknown,
  dataHex: string,
  what: string,
): { output: CellOutput; data: Uint8Array } {
  const tx = transactionFromJson(
    {
      version: '0x0',
      cell_deps: [],
      header_deps: [],
      inputs: [],
      outputs: [output],
      outputs_data: [dataHex],
      witnesses: [],
    },
    what,
  );
  return { output: tx.outputs[0], data: hexToBytes(dataHex) };
}

export function rpcJdcNode(rpc: CkbRpcClient): JdcNode {
  let devChain: boolean | null = null;
  return {
    blockTemplate: () => rpc.getBlockTemplate() as Promise<BlockTemplate>,
    async transaction(txHashHex) {
      const r = await rpc.call<TxWithStatusJson | null>('get_transaction', [txHashHex]);
      if (!r?.transaction) return null;
      return {
        tx: transactionFromJson(r.transaction, `get_transaction(${txHashHex})`),
        status: r.tx_status.status as NodeTxStatus,
      };
    },
    async liveCell(txHashHex, index) {
      const outPoint = { tx_hash: txHashHex, index: `0x${index.toString(16)}` };
      const r = await rpc.call<LiveCellJson>('get_live_cell', [outPoint, true]);
      if (r.status !== 'live' || !r.cell) return null;
      return cellFromJson(
        r.cell.output,
        r.cell.data?.content ?? '0x',
        `get_live_cell(${txHashHex}#${index})`,
      );
    },
    submitBlock: (workId, block) => rpc.submitBlock(workId.toString(), block),
    async isDevChain() {
      devChain ??= (await rpc.localNodeInfo()).version.includes('ckb-pool devnet');
      return devChain;
    },
  };
}
