/**
 * The miner's say over its block (issue 18): on top of what its own node's template commits,
 * `--include-tx <hash>` adds transactions the node holds but left out (or that a pool's policy
 * would leave out). A transaction is committed only when the node reports it proposed (CKB's
 * two-step commitment: committed in N only if proposed in [N − 10, N − 2]); a pending one is
 * proposed now, so a later template can commit it. The DAO field follows the added set
 * (docs/job-declaration-ckb.md §4.3): U grows by the occupied capacity of the outputs and
 * shrinks by that of the spent cells.
 */
import { bytesToHex0x } from '../ckb/hex.js';
import type { TemplateBlock } from '../ckb/template.js';
import { type CellOutput, type Transaction, txHash } from '../ckb/transaction.js';
import { daoByDelta, daoEffect } from '../jd/dao.js';
import type { TemplateChoice } from './local-job.js';
import type { JdcNode } from './node.js';

export interface TxPolicy {
  /** 0x-hex transaction hashes to put into every block while the node holds them. */
  includeTx: readonly string[];
}

export const NODE_POLICY: TxPolicy = { includeTx: [] };

const PROPOSAL_ID_BYTES = 10;

export interface PolicyResult extends TemplateChoice {
  /** Why a wanted transaction is not in this block (for the log). */
  notes: string[];
}

type Cell = [CellOutput, Uint8Array];

/** The cells a transaction spends, or why they cannot be resolved. */
async function spentCells(node: JdcNode, tx: Transaction): Promise<Cell[] | string> {
  const cells: Cell[] = [];
  for (const input of tx.inputs) {
    const hash = bytesToHex0x(input.previousOutput.txHash);
    const cell = await node.liveCell(hash, input.previousOutput.index);
    if (!cell) return `its input ${hash}#${input.previousOutput.index} is not a live cell`;
    cells.push([cell.output, cell.data]);
  }
  return cells;
}

export async function applyPolicy(
  node: JdcNode,
  template: TemplateBlock,
  policy: TxPolicy,
): Promise<PolicyResult> {
  const result: PolicyResult = { commit: [], propose: [], dao: template.rawHeader.dao, notes: [] };
  if (policy.includeTx.length === 0) return result;
  const devChain = await node.isDevChain();
  const inTemplate = new Set(template.txHashes.map(bytesToHex0x));
  const proposed = new Set(template.proposals.map(bytesToHex0x));
  const outputs: Cell[] = [];
  const spent: Cell[] = [];
  for (const wanted of policy.includeTx) {
    const hash = wanted.toLowerCase();
    if (inTemplate.has(hash)) continue;
    const found = await node.transaction(hash);
    if (!found || found.status === 'unknown' || found.status === 'rejected') {
      result.notes.push(`${hash}: the node does not hold it`);
      continue;
    }
    if (found.status === 'committed') {
      result.notes.push(`${hash}: already committed`);
      continue;
    }
    if (found.status === 'pending' && !devChain) {
      const id = txHash(found.tx).slice(0, PROPOSAL_ID_BYTES);
      if (!proposed.has(bytesToHex0x(id))) result.propose.push(id);
      result.notes.push(`${hash}: pending, proposed in this block, committed once the window opens`);
      continue;
    }
    if (!devChain) {
      const cells = await spentCells(node, found.tx);
      if (typeof cells === 'string') {
        result.notes.push(`${hash}: ${cells}`);
        continue;
      }
      spent.push(...cells);
      found.tx.outputs.forEach((o, i) => {
        outputs.push([o, found.tx.outputsData[i] ?? new Uint8Array(0)]);
      });
    }
    result.commit.push(found.tx);
    inTemplate.add(hash);
  }
  // The dev chain prices the DAO field by height alone; a real node by the transaction set.
  if (!devChain && result.commit.length > 0) {
    const none = daoEffect([], []);
    result.dao = daoByDelta(template.rawHeader.dao, none, daoEffect(outputs, spent));
  }
  return result;
}
