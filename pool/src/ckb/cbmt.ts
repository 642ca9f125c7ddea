/**
 * CBMT, the Complete Binary Merkle Tree CKB uses for `transactions_root` (merkle_cbt crate,
 * RFC 0006). Unlike Bitcoin's tree, no leaf is ever duplicated: n leaves and n - 1 inner nodes
 * sit in one array of 2n - 1 nodes, leaves last and in order, and node i = merge(node 2i+1,
 * node 2i+2) with merge(l, r) = ckbhash(l ‖ r). The root of no leaves is 32 zero bytes.
 */
import { ckbhash, zeroHash } from './hash.js';

export function merge(left: Uint8Array, right: Uint8Array): Uint8Array {
  return ckbhash(left, right);
}

/** All 2n - 1 nodes (root at 0, leaves at n - 1 .. 2n - 2); empty for no leaves. */
export function cbmtNodes(leaves: readonly Uint8Array[]): Uint8Array[] {
  const n = leaves.length;
  if (n === 0) return [];
  const nodes = new Array<Uint8Array>(2 * n - 1);
  for (let i = 0; i < n; i++) nodes[n - 1 + i] = leaves[i];
  for (let i = n - 2; i >= 0; i--) nodes[i] = merge(nodes[2 * i + 1], nodes[2 * i + 2]);
  return nodes;
}

/** CBMT root of `leaves` (the node's `merkle_root`). */
export function merkleRoot(leaves: readonly Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return zeroHash();
  if (leaves.length === 1) return leaves[0].slice();
  return cbmtNodes(leaves)[0];
}
