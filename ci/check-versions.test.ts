import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const script = fileURLToPath(new URL('./check-versions.mjs', import.meta.url));
const repo = fileURLToPath(new URL('..', import.meta.url));

function fixture(o: { deploy?: string; pool?: string; dep?: string; changelog?: string } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'ckb-pool-versions-'));
  mkdirSync(join(dir, 'pool'));
  const v = o.deploy ?? '1.2.3';
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ version: v, dependencies: { 'ckb-pool': o.dep ?? v } }),
  );
  writeFileSync(join(dir, 'pool/package.json'), JSON.stringify({ version: o.pool ?? v }));
  writeFileSync(join(dir, 'CHANGELOG.md'), o.changelog ?? `# Changelog\n\n## [${v}] - 2026-12-03\n`);
  return dir;
}
const run = (root: string, ...args: string[]) =>
  spawnSync(process.execPath, [script, ...args, '--root', root], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH },
  });

describe('the release version check', () => {
  it('passes when tag, both packages, the dependency and the CHANGELOG agree', () => {
    const r = run(fixture(), 'v1.2.3');
    expect(r.status, r.stderr).toBe(0);
  });

  it.each([
    ['packages at different versions', { pool: '1.2.4' }, 'they move together'],
    ['a range instead of the exact dependency', { dep: '^1.2.3' }, "depends on ckb-pool '^1.2.3'"],
    ['no CHANGELOG section', { changelog: '# Changelog\n\n## [Unreleased]\n' }, "no '## [1.2.3]' section"],
  ])('fails on %s', (_name, o, message) => {
    const r = run(fixture(o), 'v1.2.3');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(message);
  });

  it('fails on a tag that is not v<version>', () => {
    const r = run(fixture(), 'v1.2.4');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('tag v1.2.4 is not v1.2.3');
  });

  it('passes on this repository as it is', () => {
    const r = run(repo);
    expect(r.status, r.stderr).toBe(0);
  });
});
