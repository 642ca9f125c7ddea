import { describe, expect, it } from 'vitest';
import { DASHBOARDS } from './dashboards.js';
import { alertRules } from './monitoring.js';

const exprs = (v: unknown): string[] =>
  Array.isArray(v)
    ? v.flatMap(exprs)
    : v && typeof v === 'object'
      ? Object.entries(v).flatMap(([k, x]) => (k === 'expr' && typeof x === 'string' ? [x] : exprs(x)))
      : [];

describe('block counts in dashboards and alerts', () => {
  // The pool counts each block once as `found` and again as `accepted` (or rejected…), so a
  // query over several outcomes of ckb_pool_blocks_total counts one block twice.
  const queries = [...Object.values(DASHBOARDS).flatMap((d) => exprs(d())), ...exprs(alertRules())];
  const blockQueries = queries.filter((q) => q.includes('ckb_pool_blocks_total'));

  it('exist', () => {
    expect(blockQueries.length).toBeGreaterThanOrEqual(2);
  });

  it('count every block once: found blocks by outcome="found" alone', () => {
    for (const q of blockQueries) expect(q, q).not.toMatch(/outcome=~"[^"]*found[^"]*\|/);
    expect(blockQueries.some((q) => q.includes('ckb_pool_blocks_total{outcome="found"}'))).toBe(true);
  });
});
