import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cbmtNodes, merge, merkleRoot } from './cbmt.js';
import { ckbhash } from './hash.js';

/**
 * The node's algorithm, transcribed from merkle_cbt `CBMT::build_merkle_root`: pair leaves
 * from the right (rchunks_exact(2)) into a queue, push an odd first leaf to the front, then
 * repeatedly pop right, pop left, push merge(left, right). A second, independent formulation
 * to check the array-based tree against.
 */
function nodeQueueRoot(leaves: Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return new Uint8Array(32);
  const queue: Uint8Array[] = [];
  let end = leaves.length;
  while (end >= 2) {
    queue.push(merge(leaves[end - 2], leaves[end - 1]));
    end -= 2;
  }
  if (end === 1) queue.unshift(leaves[0]);
  while (queue.length > 1) {
    const right = queue.shift()!;
    const left = queue.shift()!;
    queue.push(merge(left, right));
  }
  return queue[0];
}

const leaf = (n: number) => ckbhash(Uint8Array.of(n));

describe('CBMT merkle root', () => {
  it('is 32 zero bytes for no leaves and the leaf itself for one', () => {
    expect(merkleRoot([])).toEqual(new Uint8Array(32));
    expect(merkleRoot([leaf(1)])).toEqual(leaf(1));
  });

  it('merges as ckbhash(left ‖ right)', () => {
    expect(merkleRoot([leaf(1), leaf(2)])).toEqual(ckbhash(leaf(1), leaf(2)));
  });

  it('places leaves at the end of the node array, so an odd first leaf pairs high in the tree', () => {
    const [a, b, c, d, e] = [0, 1, 2, 3, 4].map(leaf);
    // 3 leaves: nodes [root, m(b,c), a, b, c] → root = m(m(b,c), a).
    expect(merkleRoot([a, b, c])).toEqual(merge(merge(b, c), a));
    // 5 leaves (RFC 0006 picture): root = m(m(m(d,e), a), m(b,c)).
    expect(merkleRoot([a, b, c, d, e])).toEqual(merge(merge(merge(d, e), a), merge(b, c)));
    expect(cbmtNodes([a, b, c, d, e]).slice(4)).toEqual([a, b, c, d, e]);
  });

  it('agrees with the node queue algorithm for any number of leaves', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { maxLength: 40 }), (leaves) => {
        expect(merkleRoot(leaves)).toEqual(nodeQueueRoot(leaves));
      }),
    );
  });

  it('depends on leaf order', () => {
    expect(merkleRoot([leaf(1), leaf(2), leaf(3)])).not.toEqual(merkleRoot([leaf(2), leaf(1), leaf(3)]));
  });
});
