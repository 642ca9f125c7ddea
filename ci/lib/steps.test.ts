import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const STEPS = pathToFileURL(join(import.meta.dirname, 'steps.mjs')).href;

let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

/** Runs an e2e-style script that writes a file into its scratch folder and fails or passes. */
function runScript(outcome: 'pass' | 'fail', env: Record<string, string> = {}) {
  const tmp = mkdtempSync(join(tmpdir(), 'steps-test-'));
  dirs.push(tmp);
  const script = join(tmp, 'script.mjs');
  writeFileSync(
    script,
    `import { writeFileSync } from 'node:fs';
import { finish, scratch, step } from ${JSON.stringify(STEPS)};
const work = scratch('e2e-work-');
writeFileSync(work + '/image.tar', 'x'.repeat(1000));
let failed = false;
try {
  await step('a step', () => { if (${JSON.stringify(outcome)} === 'fail') throw new Error('broken'); });
} catch { failed = true; }
finish('steps-test', failed);
`,
  );
  const run = spawnSync(process.execPath, [script], {
    encoding: 'utf8',
    env: { ...process.env, TMPDIR: tmp, CKB_POOL_E2E_KEEP: '', ...env },
  });
  const left = readdirSync(tmp).filter((n) => n.startsWith('e2e-work-'));
  return { run, left, tmp };
}

describe('the e2e scripts’ scratch folders', () => {
  it('are removed when the script passes, and it exits 0', () => {
    const { run, left } = runScript('pass');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('ok     a step');
    expect(left).toEqual([]);
  });

  it('are kept and named when the script fails, and it exits 1', () => {
    const { run, left, tmp } = runScript('fail');
    expect(run.status).toBe(1);
    expect(left).toHaveLength(1);
    expect(existsSync(join(tmp, left[0] as string, 'image.tar'))).toBe(true);
    expect(run.stdout).toContain(`kept ${join(tmp, left[0] as string)} (the run failed)`);
  });

  it('are kept when CKB_POOL_E2E_KEEP=1 asks for it', () => {
    const { run, left } = runScript('pass', { CKB_POOL_E2E_KEEP: '1' });
    expect(run.status).toBe(0);
    expect(left).toHaveLength(1);
    expect(run.stdout).toContain('(asked to keep)');
  });
});
