/**
 * The pool wallet's spendable cells, found through the node's indexer (`get_cells`): plain
 * capacity cells (no type, no data) of the wallet lock, cellbase outputs only once matured
 * (an immature one would make send_transaction fail with CellbaseImmaturity).
 */
import { toMinimalHex } from '../ckb/hex.js';
import type { CkbRpcClient } from '../ckb/rpc.js';
import type { ScriptJson } from '../ckb/rpc-types.js';
import { cellbaseMatured } from './maturity.js';

export interface WalletCell {
  txHash: string;
  index: number;
  capacity: bigint;
  blockNumber: bigint;
}

interface IndexerCell {
  output: { capacity: string; type: unknown };
  out_point: { tx_hash: string; index: string };
  block_number: string;
  tx_index: string;
}

const PAGE = 200;

export async function spendableWalletCells(
  rpc: CkbRpcClient,
  lock: ScriptJson,
  cellbaseMaturity: bigint,
  tipEpoch: bigint,
): Promise<WalletCell[]> {
  const key = {
    script: lock,
    script_type: 'lock',
    script_search_mode: 'exact',
    filter: { output_data_len_range: ['0x0', '0x1'] },
    with_data: false,
  };
  const epochs = new Map<bigint, bigint>();
  const out: WalletCell[] = [];
  let cursor: string | null = null;
  for (;;) {
    const params: unknown[] = [key, 'asc', toMinimalHex(BigInt(PAGE))];
    if (cursor) params.push(cursor);
    const page = await rpc.call<{ objects: IndexerCell[]; last_cursor: string }>('get_cells', params);
    for (const c of page.objects) {
      if (c.output.type !== null && c.output.type !== undefined) continue;
      const blockNumber = BigInt(c.block_number);
      if (BigInt(c.tx_index) === 0n) {
        let epoch = epochs.get(blockNumber);
        if (epoch === undefined) {
          const h = await rpc.getHeaderByNumber(blockNumber);
          if (!h) continue;
          epoch = BigInt(h.epoch);
          epochs.set(blockNumber, epoch);
        }
        if (!cellbaseMatured(epoch, cellbaseMaturity, tipEpoch)) continue;
      }
      out.push({
        txHash: c.out_point.tx_hash,
        index: Number(BigInt(c.out_point.index)),
        capacity: BigInt(c.output.capacity),
        blockNumber,
      });
    }
    if (page.objects.length < PAGE) return out;
    cursor = page.last_cursor;
  }
}
