import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Which parts of the deployer each part's shipped code may import (docs/architecture.md):
 * commands → deploy steps → bundle, image, config, stacks; never back. `cli` is the base
 * (command.ts, package-root.ts; main.ts dispatches to the commands). stacks/main.ts is the
 * cdktf app's entry point and, like a command, may load the config. No part reaches into
 * pool/ by a relative path: the deployer uses the pool through its package exports
 * (`ckb-pool/<module>`), as an installed deployer must.
 */
const MAY_IMPORT: Record<string, readonly string[]> = {
  cli: ['cli/commands'],
  'cli/commands': [
    'cli',
    'cli/bundle',
    'cli/config',
    'cli/deploy',
    'cli/dev',
    'cli/image',
    'cli/process',
    'stacks',
  ],
  'cli/dev': ['cli', 'cli/config', 'cli/process'],
  'cli/deploy': ['cli', 'cli/bundle', 'cli/config', 'cli/image', 'cli/process', 'stacks'],
  'cli/image': ['cli', 'cli/bundle', 'cli/config', 'cli/process'],
  'cli/bundle': ['cli', 'cli/config'],
  'cli/config': ['cli', 'stacks'],
  'cli/process': [],
  stacks: [],
  'stacks/main.ts': ['cli/config'],
};

const ROOT = join(import.meta.dirname, '..');

const partOf = (path: string): string => {
  if (path === 'stacks/main.ts') return path;
  const parts = path.split('/');
  if (parts[0] === 'stacks') return 'stacks';
  return parts.length > 2 ? `cli/${parts[1]}` : 'cli';
};

/** Shipped .ts files under `dir` (relative to the root), tests and snapshots left out. */
function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) return e.name === '__snapshots__' ? [] : sourceFiles(rel);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [rel] : [];
  });
}

function crossings(): Array<{ file: string; target: string; from: string; to: string }> {
  const files = ['cli', 'stacks'].flatMap((dir) => sourceFiles(dir));
  const out: Array<{ file: string; target: string; from: string; to: string }> = [];
  for (const file of files) {
    const text = readFileSync(join(ROOT, file), 'utf8');
    for (const m of text.matchAll(/(?:from\s+|import\s*\(?)\s*'(\.{1,2}\/[^']+)'/g)) {
      const target = normalize(join(dirname(file), m[1]));
      const from = partOf(file);
      const to = target.startsWith('cli/') || target.startsWith('stacks/') ? partOf(target) : target;
      if (from !== to && !(from === 'stacks/main.ts' && to === 'stacks'))
        out.push({ file, target, from, to });
    }
  }
  return out;
}

describe('imports between the parts of the deployer', () => {
  const all = crossings();

  it('never reach into pool/ by a relative path', () => {
    expect(all.filter((c) => !c.target.startsWith('cli/') && !c.target.startsWith('stacks/'))).toEqual([]);
  });

  it('run one way: commands → deploy → bundle, image, config, stacks', () => {
    const forbidden = all.filter((c) => !(MAY_IMPORT[c.from] ?? []).includes(c.to));
    expect(forbidden.map((c) => `${c.file} imports ${c.target}`)).toEqual([]);
  });

  it('are checked for real: the walk sees the imports the rule allows', () => {
    expect(all.some((c) => c.from === 'cli/deploy' && c.to === 'stacks')).toBe(true);
    expect(all.some((c) => c.from === 'cli/commands' && c.to === 'cli/deploy')).toBe(true);
  });
});
