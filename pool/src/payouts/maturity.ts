/**
 * Cellbase maturity as the node checks it: a cellbase output created in epoch E may be spent
 * by a transaction committed in epoch C when E + cellbase_maturity ≤ C, all three as rational
 * epoch numbers (EpochNumberWithFraction::to_rational). Epochs are packed as in a header
 * (number 24 bits | index 16 bits << 24 | length 16 bits << 40).
 */
import { epochParts } from '../ckb/header.js';

/** numerator / denominator of a packed epoch; length 0 (genesis) counts as a whole epoch. */
function rational(packed: bigint): [bigint, bigint] {
  const e = epochParts(packed);
  const len = BigInt(e.length === 0 ? 1 : e.length);
  return [e.number * len + BigInt(e.index), len];
}

/** True when a cellbase created in epoch `created` is spendable in epoch `at`. */
export function cellbaseMatured(created: bigint, maturity: bigint, at: bigint): boolean {
  const [cn, cd] = rational(created);
  const [mn, md] = rational(maturity);
  const [an, ad] = rational(at);
  // (cn/cd + mn/md) ≤ an/ad  ⇔  (cn·md + mn·cd)·ad ≤ an·cd·md
  return (cn * md + mn * cd) * ad <= an * cd * md;
}
