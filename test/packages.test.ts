import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

interface Manifest {
  name: string;
  version: string;
  bin: Record<string, string>;
  files: string[];
  exports?: Record<string, unknown>;
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
}
const read = (p: string) => JSON.parse(readFileSync(new URL(p, import.meta.url), 'utf8')) as Manifest;
const root = read('../package.json');
/** Static `import … from 'x'` / `export … from 'x'` at the start of a line, and `import('x')`. */
const IMPORT = /^\s*(?:import|export)\b[^'";]*?\bfrom\s*'([^']+)'|\bimport\(\s*'([^']+)'\s*\)/gm;
const pool = read('../pool/package.json');

describe('the two published packages', () => {
  it('move together: the deployer depends on exactly its own version of ckb-pool', () => {
    expect(pool.version).toBe(root.version);
    expect(root.dependencies['ckb-pool']).toBe(root.version);
  });

  it('build dist/ before packing and ship it, not the TypeScript sources', () => {
    for (const m of [root, pool]) {
      expect(m.scripts.prepack).toBe('npm run build');
      expect(m.files).toContain('dist');
      expect(m.files).not.toContain('src');
      expect(m.files).not.toContain('cli');
    }
    expect(pool.files).toContain('Dockerfile');
    expect(root.files).toContain('ansible');
  });

  it('keep tsx a development dependency only', () => {
    for (const m of [root, pool]) {
      expect(m.dependencies.tsx).toBeUndefined();
      expect(m.devDependencies.tsx).toBeDefined();
    }
  });

  it('export ckb-pool modules compiled to users and as sources to the clone only under a condition', () => {
    expect(pool.exports?.['./*']).toEqual({
      'ckb-pool-source': './src/*.ts',
      types: './dist/*.d.ts',
      default: './dist/*.js',
    });
  });

  it.each([
    ['ckb-pool-deploy', root, ['cli', 'stacks']],
    ['ckb-pool', pool, ['pool/src']],
  ] as const)(
    '%s declares every library its shipped code imports as its own dependency',
    (name, manifest, dirs) => {
      const used = new Set<string>();
      for (const dir of dirs) {
        const files = (
          readdirSync(new URL(`../${dir}`, import.meta.url), { recursive: true }) as string[]
        ).filter(
          (f) => /\.(ts|mjs)$/.test(f) && !f.endsWith('.test.ts') && !/testing\/|test-|fixtures/.test(f),
        );
        for (const f of files) {
          const src = readFileSync(new URL(`../${dir}/${f}`, import.meta.url), 'utf8');
          for (const m of src.matchAll(IMPORT)) {
            const spec = m[1] ?? m[2];
            if (spec.startsWith('.') || spec.startsWith('node:')) continue;
            used.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);
          }
        }
      }
      used.delete(name);
      // worker-entry.mjs loads tsx only when run from the TypeScript sources of a clone.
      if (name === 'ckb-pool') used.delete('tsx');
      expect([...used].filter((d) => manifest.dependencies[d] === undefined)).toEqual([]);
    },
  );
});
