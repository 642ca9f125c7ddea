import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { INTEGRATION_TESTS } from './tiers.js';

const ROOT = join(import.meta.dirname, '..');
/** What a test needs to reach outside its process: sockets, servers, child processes, workers. */
const REACHES_OUT =
  /from 'node:(net|http|https|child_process|worker_threads)'|from 'zx'|from 'execa'|\b(startPool|startTranslator|startDevnet|startMiner|runUp|runDown)\(/;

const testFiles = execFileSync('git', ['ls-files', '*.test.ts'], { cwd: ROOT, encoding: 'utf8' })
  .split('\n')
  .filter((f) => f && !f.startsWith('pool/test/abuse/'));

describe('the unit and integration tiers', () => {
  it('list only integration test files that exist', () => {
    expect(INTEGRATION_TESTS.filter((f) => !existsSync(join(ROOT, f)))).toEqual([]);
  });

  it('keep every file that opens sockets or spawns processes out of the unit tier', () => {
    const unit = testFiles.filter((f) => !INTEGRATION_TESTS.includes(f) && f !== 'test/tiers.test.ts');
    const reaching = unit.filter((f) => REACHES_OUT.test(readFileSync(join(ROOT, f), 'utf8')));
    expect(reaching).toEqual([]);
  });
});
