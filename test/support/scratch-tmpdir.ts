import { chmodSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Vitest global setup: every temporary file of one run (config folders, ledgers, synthesized
 * stacks, fake tools) goes under one folder that is removed when the run ends. Tests that make
 * temp folders do not all remove them, and a few hundred MB a run, run after run on a CI
 * machine, filled its disk. Workers and the processes tests start inherit TMPDIR.
 */
export default function setup(): () => void {
  const previous = process.env.TMPDIR;
  const dir = mkdtempSync(join(tmpdir(), 'ckb-pool-test-'));
  // Passable by other users, as /tmp is: a test's PostgreSQL runs as `postgres` in its own
  // folder in here. The folders inside stay as private as their makers made them.
  chmodSync(dir, 0o711);
  process.env.TMPDIR = dir;
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    if (process.env.CKB_POOL_KEEP_TEST_TMP === '1') {
      console.log(
        `test scratch kept (CKB_POOL_KEEP_TEST_TMP=1): ${dir} (${readdirSync(dir).length} entries)`,
      );
      return;
    }
    rmSync(dir, { recursive: true, force: true });
  };
}
