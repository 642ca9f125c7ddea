import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Which folders of pool/src each folder's shipped code may import (docs/architecture.md). Cores
 * never reach up into a role; a role never imports another role; what two roles share (the SV2
 * client, V1 wire code, address helpers) sits in a neutral folder. Tests are free to import
 * anything: they assemble what they test.
 */
const MAY_IMPORT: Record<string, readonly string[]> = {
  // neutral helpers and cores
  net: [],
  log: [],
  ckb: ['net'],
  sv2: ['ckb', 'net'],
  'sv2/client': ['sv2', 'ckb', 'net'],
  'stratum-v1': ['ckb', 'net'],
  ledger: ['ckb', 'net'],
  api: ['ckb', 'net'],
  devnet: ['ckb', 'net'],
  // roles
  pool: ['api', 'ckb', 'ledger', 'log', 'net', 'sv2'],
  translator: ['api', 'ckb', 'log', 'net', 'stratum-v1', 'sv2', 'sv2/client'],
  miner: ['ckb', 'log', 'net', 'stratum-v1', 'sv2', 'sv2/client'],
  // the command line starts the roles
  cli: [
    'api',
    'ckb',
    'devnet',
    'log',
    'ledger',
    'miner',
    'net',
    'pool',
    'stratum-v1',
    'sv2',
    'sv2/client',
    'translator',
  ],
};

const SRC = join(import.meta.dirname);

/** The layer of a path relative to pool/src: its first folder, or sv2/client. */
const layerOf = (rel: string): string =>
  rel.startsWith('sv2/client/') ? 'sv2/client' : (rel.split('/')[0] as string);

function shippedFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return shippedFiles(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [p] : [];
  });
}

/** `from './x.js'`, `import './x.js'` and `import('./x.js')` specifiers that point inside pool/src. */
function crossings(): Array<{ file: string; from: string; to: string }> {
  const out: Array<{ file: string; from: string; to: string }> = [];
  for (const file of shippedFiles(SRC)) {
    const rel = relative(SRC, file);
    if (!rel.includes('/')) continue; // files at the top of src/ are not in a layer
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:from\s+|import\s*\(?)\s*'(\.{1,2}\/[^']+)'/g)) {
      const target = normalize(join(dirname(rel), m[1] as string));
      if (target.startsWith('..')) continue;
      const from = layerOf(rel);
      const to = layerOf(target);
      if (from !== to) out.push({ file: rel, from, to });
    }
  }
  return out;
}

describe('imports between the folders of pool/src', () => {
  const all = crossings();

  it('name a known layer on both sides', () => {
    const unknown = all.filter((c) => !(c.from in MAY_IMPORT) || !(c.to in MAY_IMPORT));
    expect(unknown).toEqual([]);
  });

  it('run one way: no core reaches a role, no role reaches another', () => {
    const forbidden = all.filter((c) => !(MAY_IMPORT[c.from] ?? []).includes(c.to));
    expect(forbidden.map((c) => `${c.file} imports ${c.to}/`)).toEqual([]);
  });

  it('are checked for real: the walk finds the imports the rule allows', () => {
    expect(all.some((c) => c.from === 'translator' && c.to === 'sv2/client')).toBe(true);
    expect(all.some((c) => c.from === 'pool' && c.to === 'ledger')).toBe(true);
  });
});
