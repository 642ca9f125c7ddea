import { secp256k1 } from '@noble/curves/secp256k1.js';
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { isSquare, jacobi } from './field.js';

const Fp = secp256k1.Point.Fp;

it('the Jacobi symbol agrees with whether noble finds a square root', () => {
  fc.assert(
    fc.property(fc.bigInt({ min: 0n, max: Fp.ORDER - 1n }), (v) => {
      let hasRoot = true;
      try {
        Fp.sqrt(v);
      } catch {
        hasRoot = false;
      }
      expect(isSquare(v)).toBe(hasRoot);
      expect(jacobi(v) === 0).toBe(v === 0n);
    }),
    { numRuns: 300 },
  );
  expect(jacobi(0n)).toBe(0);
  expect(jacobi(4n)).toBe(1);
  // −1 is a non-square because p ≡ 3 (mod 4).
  expect(jacobi(Fp.ORDER - 1n)).toBe(-1);
});
