/**
 * The dev chain's cell state: live cells (cellbase outputs and the outputs of committed
 * transactions, each with the block that created it, for maturity) and the index of committed
 * transactions, for `get_live_cell` and `get_transaction`. Rebuilt from the canonical chain on
 * a reorg, extended block by block otherwise.
 *
 * A non-cellbase transaction counts as committed only when all its inputs resolve to live
 * cells at that point of the chain: the template's synthetic transactions spend made-up
 * cells, so they change nothing (they only exist to give transactions_root several leaves).
 */
import { bytesToHex0x, hexToBytes, toMinimalHex } from '../ckb/hex.js';
import { u32le } from '../ckb/molecule.js';
import { scriptToJson, serializeTransaction } from './codec.js';
import { isCellbaseShaped } from './contents.js';
import type { CellOutput, Transaction } from './json-decode.js';

export interface LiveCell {
  output: CellOutput;
  data: Uint8Array;
  blockNumber: bigint;
  blockHash: string;
  /** Packed epoch of the creating block. */
  epoch: bigint;
  cellbase: boolean;
  /** Position of the creating transaction in its block. */
  txIndex: number;
}

export interface CommittedTx {
  tx: Transaction;
  blockHash: string;
  blockNumber: bigint;
  index: number;
  /** Inputs minus outputs, and the weight it paid for (size in a block); null for a cellbase. */
  fee: { shannons: bigint; weight: bigint } | null;
}

/** The node's Debug form of an OutPoint: the packed 36 bytes (tx_hash ‖ index u32 LE). */
export function outPointKey(txHash: Uint8Array, index: number): string {
  const bytes = new Uint8Array(36);
  bytes.set(txHash, 0);
  bytes.set(u32le(index), 32);
  return bytesToHex0x(bytes);
}

/** What a block contributes: enough of a stored block to apply it. */
export interface BlockForCells {
  hashHex: string;
  number: bigint;
  epoch: bigint;
  transactions: Transaction[];
  txHashes: string[];
}

export class CellState {
  private readonly live = new Map<string, LiveCell>();
  private readonly committed = new Map<string, CommittedTx>();

  cell(key: string): LiveCell | null {
    return this.live.get(key) ?? null;
  }

  /** A committed transaction's output that is no longer live (key as outPointKey). */
  isSpent(key: string): boolean {
    if (this.live.has(key)) return false;
    const tx = this.committed.get(key.slice(0, 66));
    const index = Buffer.from(key.slice(66), 'hex').readUInt32LE(0);
    return tx !== undefined && index < tx.tx.outputs.length;
  }

  transaction(txHashHex: string): CommittedTx | null {
    return this.committed.get(txHashHex) ?? null;
  }

  /**
   * get_fee_rate_statistics(target): mean and median fee rate (shannons/KB) of the
   * transactions committed in the last `target` blocks (1..101, default 21); null if none.
   */
  feeRateStatistics(tip: bigint, target = 21n): { mean: string; median: string } | null {
    const t = target < 1n ? 1n : target > 101n ? 101n : target;
    const rates: bigint[] = [];
    for (const c of this.committed.values()) {
      if (c.fee && c.blockNumber > tip - t) rates.push((c.fee.shannons * 1000n) / c.fee.weight);
    }
    if (rates.length === 0) return null;
    rates.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const mid = rates.length >> 1;
    const median = rates.length % 2 === 1 ? rates[mid] : (rates[mid - 1] + rates[mid]) / 2n;
    const mean = rates.reduce((a, r) => a + r, 0n) / BigInt(rates.length);
    return { mean: toMinimalHex(mean), median: toMinimalHex(median) };
  }

  liveCells(): IterableIterator<[string, LiveCell]> {
    return this.live.entries();
  }

  /** Committed non-cellbase transactions, in block order. */
  transactions(): Transaction[] {
    return [...this.committed.values()].filter((c) => c.fee !== null).map((c) => c.tx);
  }

  clear(): void {
    this.live.clear();
    this.committed.clear();
  }

  /** Applies a block on top of the current state; answers the hashes it committed. */
  apply(block: BlockForCells): string[] {
    const committed: string[] = [];
    block.transactions.forEach((tx, index) => {
      const cellbase = index === 0 && isCellbaseShaped(tx);
      const keys = tx.inputs.map((i) => outPointKey(i.previousOutput.txHash, i.previousOutput.index));
      if (!cellbase && !keys.every((k) => this.live.has(k))) return;
      const inputs = cellbase ? 0n : keys.reduce((a, k) => a + (this.live.get(k)?.output.capacity ?? 0n), 0n);
      for (const k of keys) this.live.delete(k);
      const hash = block.txHashes[index];
      const hashBytes = hexToBytes(hash);
      tx.outputs.forEach((output, i) => {
        this.live.set(outPointKey(hashBytes, i), {
          output,
          data: tx.outputsData[i] ?? new Uint8Array(0),
          blockNumber: block.number,
          blockHash: block.hashHex,
          epoch: block.epoch,
          cellbase,
          txIndex: index,
        });
      });
      const outputs = tx.outputs.reduce((a, o) => a + o.capacity, 0n);
      const fee = cellbase
        ? null
        : { shannons: inputs - outputs, weight: BigInt(serializeTransaction(tx).length + 4) };
      this.committed.set(hash, { tx, blockHash: block.hashHex, blockNumber: block.number, index, fee });
      if (!cellbase) committed.push(hash);
    });
    return committed;
  }
}

/** `get_live_cell` result (CellWithStatus): `live`, `dead` (spent) or `unknown`. */
export function cellWithStatus(
  state: CellState,
  txHash: Uint8Array,
  index: number,
  withData: boolean,
  dataHash: (data: Uint8Array) => string,
): unknown {
  const key = outPointKey(txHash, index);
  const cell = state.cell(key);
  if (!cell) return { cell: null, status: state.isSpent(key) ? 'dead' : 'unknown' };
  const o = cell.output;
  return {
    cell: {
      output: {
        capacity: toMinimalHex(o.capacity),
        lock: scriptToJson(o.lock),
        type: o.type ? scriptToJson(o.type) : null,
      },
      data: withData ? { content: bytesToHex0x(cell.data), hash: dataHash(cell.data) } : null,
    },
    status: 'live',
  };
}
