import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
// dist/: compiled output (its .d.ts files re-export what the sources import).
const SKIP = new Set(['node_modules', '.git', 'cdktf.out', '.ckb-pool-deploy', '.gen', 'out', 'dist']);

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return SKIP.has(e.name) || e.name.startsWith('__') ? [] : tsFiles(p);
    return e.name.endsWith('.ts') ? [p] : [];
  });
}

it('imports cdktf only in stacks/cdk.ts, so moving to CDK Terrain (cdktn) touches one file', () => {
  const files = tsFiles(ROOT);
  expect(files.filter((f) => f.includes('/stacks/')).length).toBeGreaterThan(5);
  const importsCdktf = /(from\s+|import\s*\(\s*|require\s*\(\s*)['"]cdktf(\/[^'"]*)?['"]/;
  const offenders = files
    .filter((f) => importsCdktf.test(readFileSync(f, 'utf8')))
    .map((f) => relative(ROOT, f));
  expect(offenders).toEqual(['stacks/cdk.ts']);
});
