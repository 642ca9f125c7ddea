import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  EAGLESONG_SOURCE,
  factorMatrix,
  matrixColumns,
  regenerate,
  xorCount,
} from '../../bench/gen-eaglesong.js';

describe('the generated Eaglesong round', () => {
  // 3000 seeded factoring runs: a few seconds, done once for both checks.
  const f = factorMatrix();

  it('is exactly what the generator writes (edit the generator, never the output)', () => {
    const source = readFileSync(EAGLESONG_SOURCE, 'utf8');
    expect(source.match(/BEGIN GENERATED/g)).toHaveLength(2);
    expect(regenerate(source, f)).toBe(source);
  });

  it('factors the bit matrix into temporaries that XOR to exactly the matrix columns', () => {
    // Expand every temporary into input words; a word XORed twice cancels.
    const expand = (term: string, temps: Map<string, Set<string>>): Set<string> =>
      temps.get(term) ?? new Set([term]);
    const xor = (a: Set<string>, b: Set<string>) =>
      new Set([...a, ...b].filter((w) => a.has(w) !== b.has(w)));
    const temps = new Map<string, Set<string>>();
    for (const [i, [a, b]] of f.temps.entries())
      temps.set(`u${16 + i}`, xor(expand(a, temps), expand(b, temps)));
    const columns = matrixColumns();
    f.outputs.forEach((terms, j) => {
      const words = terms.reduce((acc, t) => xor(acc, expand(t, temps)), new Set<string>());
      expect([...words].sort()).toEqual([...(columns[j] ?? [])].sort());
    });
    expect(xorCount(f)).toBeLessThanOrEqual(59);
  });
});
