import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { commandNames } from './dispatch.js';

const bin = fileURLToPath(new URL('../../bin/ckb-pool.js', import.meta.url));

describe('the ckb-pool command line', () => {
  it('lists every command file as a command', () => {
    const names = commandNames(new URL('./commands/', import.meta.url));
    const help = execFileSync(process.execPath, [bin, '--help'], { encoding: 'utf8' });
    for (const n of names) expect(help).toContain(n);
  });

  it('rejects an unknown command with exit code 2 and names the known ones', () => {
    const r = spawnSync(process.execPath, [bin, 'frobnicate'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("unknown command 'frobnicate'");
  });
});
