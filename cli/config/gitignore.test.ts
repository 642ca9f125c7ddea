import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureGitignore, ignoredPatterns } from './gitignore.js';

const fresh = () => mkdtempSync(join(tmpdir(), 'ckb-pool-gitignore-'));

describe("init's .gitignore", () => {
  it('ignores the secrets folder, deploy state, Terraform state and .env files', () => {
    const dir = fresh();
    const added = ensureGitignore(dir, join(dir, 'secrets'));
    const text = readFileSync(join(dir, '.gitignore'), 'utf8');
    for (const p of ['/secrets/', '/.ckb-pool-deploy/', '*.tfstate', '*.tfstate.*', '.env']) {
      expect(text.split('\n')).toContain(p);
    }
    expect(added).toEqual(ignoredPatterns(dir, join(dir, 'secrets')));
  });

  it('adds nothing the second time, and keeps what the operator wrote', () => {
    const dir = fresh();
    writeFileSync(join(dir, '.gitignore'), 'notes.txt\n*.tfstate');
    ensureGitignore(dir, join(dir, 'secrets'));
    const once = readFileSync(join(dir, '.gitignore'), 'utf8');
    expect(ensureGitignore(dir, join(dir, 'secrets'))).toEqual([]);
    expect(readFileSync(join(dir, '.gitignore'), 'utf8')).toBe(once);
    expect(once.startsWith('notes.txt\n*.tfstate\n')).toBe(true);
    expect(once.split('\n').filter((l) => l === '*.tfstate')).toHaveLength(1);
  });

  it('names a secrets folder outside the config folder nowhere (git cannot see it anyway)', () => {
    const dir = fresh();
    expect(ignoredPatterns(dir, '/etc/ckb-pool/secrets').some((p) => p.includes('etc'))).toBe(false);
    expect(ignoredPatterns(dir, join(dir, 'keys', 'pool'))).toContain('/keys/pool/');
  });
});
