/**
 * Whom a block template pays. The node writes the miner's lock into the cellbase witness
 * (CellbaseWitness { lock, message }); the reward follows that lock once the block is final.
 * A template naming any other lock than the pool's payout lock is mining for someone else: a
 * misconfigured node, or a template pushed by whoever reached the notify listener.
 */
import type { BlockBody } from './block.js';
import { bytesToHex0x } from './hex.js';
import { cellbaseWitnessOf, type ScriptHashType } from './transaction.js';

/** A lock as configured (0x-prefixed lowercase hex), as in the node's `[block_assembler]`. */
export interface PayoutLock {
  codeHash: string;
  hashType: ScriptHashType;
  args: string;
}

const describe = (l: PayoutLock): string => `code_hash ${l.codeHash} hash_type ${l.hashType} args ${l.args}`;

/** Why the template's cellbase does not pay `expected`, or null when it does. */
export function payoutLockProblem(
  block: Pick<BlockBody, 'transactions'>,
  expected: PayoutLock,
): string | null {
  const cellbase = block.transactions[0];
  const witness = cellbase ? cellbaseWitnessOf(cellbase) : null;
  if (!witness) return 'the cellbase has no CellbaseWitness naming the payout lock';
  const found: PayoutLock = {
    codeHash: bytesToHex0x(witness.lock.codeHash),
    hashType: witness.lock.hashType,
    args: bytesToHex0x(witness.lock.args),
  };
  const same =
    found.codeHash === expected.codeHash.toLowerCase() &&
    found.hashType === expected.hashType &&
    found.args === expected.args.toLowerCase();
  return same ? null : `the cellbase pays ${describe(found)}, not the payout lock ${describe(expected)}`;
}
