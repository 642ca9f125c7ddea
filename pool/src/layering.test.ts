import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * Imports run one way inside the pool package. Each layer lists the layers its source files may
 * import (its own layer is always allowed). Cores never reach a role, so a role can be rebuilt
 * without touching the protocol and chain code under it, and one role never reaches into another.
 *
 *   cores    ckb, net, log, sv2, sv2/client, stratum-v1, workers, ledger, config-engine,
 *            jd (the job declarator's pure core: tokens, declaration checks against a node view),
 *            vardiff (the share-rate estimator the pool's channels and the translator's miners share)
 *   services api (HTTP/metrics plumbing), devnet (the dev chain), payouts (accounts, rewards, payouts)
 *   roles    pool, translator, miner, jd-client, cli (cli is the only one that assembles roles)
 *
 * Test files may in addition import the dev chain, pool/test/ support code and pool/bench/ (the
 * Eaglesong generator).
 */
const MAY_IMPORT: Record<string, readonly string[]> = {
  ckb: ['net'],
  net: [],
  log: [],
  'config-engine': ['net'],
  sv2: ['ckb'],
  'sv2/client': ['ckb', 'sv2'],
  'stratum-v1': ['ckb'],
  workers: ['sv2', 'ckb'],
  ledger: ['ckb'],
  jd: ['ckb', 'sv2'],
  vardiff: [],
  api: ['ckb', 'net'],
  devnet: ['ckb', 'net'],
  payouts: ['ckb', 'net', 'log', 'ledger', 'api'],
  pool: [
    'ckb',
    'net',
    'log',
    'config-engine',
    'sv2',
    'workers',
    'ledger',
    'jd',
    'vardiff',
    'api',
    'web',
    'payouts',
  ],
  web: ['api'],
  translator: [
    'ckb',
    'net',
    'log',
    'config-engine',
    'sv2',
    'sv2/client',
    'stratum-v1',
    'workers',
    'vardiff',
    'api',
    'payouts',
  ],
  miner: ['ckb', 'sv2', 'sv2/client', 'stratum-v1'],
  // The JD client (miner's side of job declaration) reuses the JDS core's DAO rule.
  'jd-client': ['ckb', 'sv2', 'sv2/client', 'jd'],
  cli: [
    'ckb',
    'net',
    'log',
    'config-engine',
    'sv2',
    'sv2/client',
    'stratum-v1',
    'workers',
    'ledger',
    'jd',
    'vardiff',
    'api',
    'devnet',
    'payouts',
    'pool',
    'translator',
    'miner',
    'jd-client',
  ],
};
const TESTS_MAY_ALSO_IMPORT = ['devnet', '<pool/test>', '<pool/bench>'];

const SRC = dirname(fileURLToPath(import.meta.url));
const POOL_TEST = resolve(SRC, '..', 'test');
const POOL_BENCH = resolve(SRC, '..', 'bench');

/** The layer a file under src/ belongs to, or '<pool/test>' / '<outside>' for other paths. */
export function layerOf(absPath: string): string {
  if (absPath.startsWith(POOL_TEST + sep)) return '<pool/test>';
  // The Eaglesong generator lives with the benchmarks; its test regenerates the source.
  if (absPath.startsWith(POOL_BENCH + sep)) return '<pool/bench>';
  const rel = relative(SRC, absPath);
  if (rel.startsWith('..')) return '<outside>';
  const [top, second] = rel.split(sep);
  if (top === 'sv2' && second === 'client') return 'sv2/client';
  return rel.includes(sep) ? top : '<src root>';
}

/** Relative specifiers in `from '…'`, `import '…'` and `import('…')`; packages are not layers. */
export function relativeImports(source: string): string[] {
  const re = /(?:\bfrom\s+|\bimport\s*\(\s*|\bimport\s+)['"](\.{1,2}\/[^'"]+)['"]/g;
  return [...source.matchAll(re)].map((m) => m[1]);
}

/** A message for each import of `file` (absolute path, contents `source`) the table forbids. */
export function forbiddenImports(file: string, source: string): string[] {
  const from = layerOf(file);
  const allowed = MAY_IMPORT[from];
  if (!allowed) return [`${relative(SRC, file)}: layer '${from}' is missing from the rule table`];
  const extra = file.endsWith('.test.ts') ? TESTS_MAY_ALSO_IMPORT : [];
  return relativeImports(source).flatMap((spec) => {
    const target = resolve(dirname(file), spec);
    const to = layerOf(target);
    if (to === from || allowed.includes(to) || extra.includes(to)) return [];
    return [`${relative(SRC, file)} (${from}) imports ${spec} (${to})`];
  });
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return tsFiles(p);
    return e.name.endsWith('.ts') ? [p] : [];
  });
}

describe('pool package layering', () => {
  it('finds no import against the rule table in any pool/src file', () => {
    const files = tsFiles(SRC).filter((f) => f !== fileURLToPath(import.meta.url));
    expect(files.length).toBeGreaterThan(100);
    const offenders = files.flatMap((f) => forbiddenImports(f, readFileSync(f, 'utf8')));
    expect(offenders).toEqual([]);
  });

  it('flags a core importing a role, one role importing another, and the reverse of sv2/client', () => {
    const at = (p: string) => join(SRC, p);
    expect(forbiddenImports(at('ckb/x.ts'), "import { a } from '../pool/config.js';")).toHaveLength(1);
    expect(forbiddenImports(at('miner/x.ts'), "import { a } from '../translator/upstream.js';")).toHaveLength(
      1,
    );
    expect(forbiddenImports(at('translator/x.ts'), "export { a } from '../pool/config.js';")).toHaveLength(1);
    expect(
      forbiddenImports(at('translator/x.ts'), "import type { a } from '../pool/config.js';"),
    ).toHaveLength(1);
    expect(
      forbiddenImports(at('sv2/frame.ts'), "const m = await import('./client/upstream.js');"),
    ).toHaveLength(1);
    expect(forbiddenImports(at('stratum-v1/x.ts'), "import '../miner/miner.js';")).toHaveLength(1);
    expect(forbiddenImports(at('jd/x.ts'), "import { a } from '../pool/session.js';")).toHaveLength(1);
    expect(forbiddenImports(at('jd/x.ts'), "import { a } from '../devnet/index.js';")).toHaveLength(1);
  });

  it('lets both roles use the vardiff core, and no role reach into the pool for it', () => {
    const at = (p: string) => join(SRC, p);
    expect(forbiddenImports(at('translator/x.ts'), "import { a } from '../vardiff/vardiff.js';")).toEqual([]);
    expect(forbiddenImports(at('pool/x.ts'), "import { a } from '../vardiff/vardiff.js';")).toEqual([]);
    expect(forbiddenImports(at('translator/x.ts'), "import { a } from '../pool/vardiff.js';")).toHaveLength(
      1,
    );
    expect(forbiddenImports(at('vardiff/x.ts'), "import { a } from '../pool/channel.js';")).toHaveLength(1);
  });

  it('lets roles use cores and tests use the dev chain', () => {
    const at = (p: string) => join(SRC, p);
    expect(forbiddenImports(at('translator/x.ts'), "import { a } from '../sv2/client/upstream.js';")).toEqual(
      [],
    );
    expect(forbiddenImports(at('ckb/x.test.ts'), "import { a } from '../devnet/index.js';")).toEqual([]);
    expect(forbiddenImports(at('pool/x.ts'), "import { a } from '../jd/declare.js';")).toEqual([]);
    expect(forbiddenImports(at('ckb/x.ts'), "import { a } from '../devnet/index.js';")).toHaveLength(1);
  });

  it('refuses a new top-level folder until it has a row in the table', () => {
    expect(forbiddenImports(join(SRC, 'newrole/x.ts'), '')).toEqual([
      "newrole/x.ts: layer 'newrole' is missing from the rule table",
    ]);
  });
});
