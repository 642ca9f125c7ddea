import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { commands } from './commands/index.js';

const bin = fileURLToPath(new URL('../../bin/ckb-pool.js', import.meta.url));
const commandFiles = readdirSync(fileURLToPath(new URL('./commands/', import.meta.url)))
  .filter((f) => /^[a-z][a-z0-9-]*\.ts$/.test(f) && !f.endsWith('.test.ts') && f !== 'index.ts')
  .map((f) => f.slice(0, -3))
  .sort();

describe('the ckb-pool command line', () => {
  it('lists every command file in the command table, and nothing else', () => {
    expect(Object.keys(commands).sort()).toEqual(commandFiles);
  });

  it('shows every command with its summary in --help', () => {
    const help = execFileSync(process.execPath, [bin, '--help'], { encoding: 'utf8' });
    for (const [n, entry] of Object.entries(commands))
      expect(help).toContain(`${n.padEnd(12)} ${entry.summary}`);
  });

  it('loads each command with a help text and a run function', async () => {
    for (const entry of Object.values(commands)) {
      const command = (await entry.load()).default;
      expect(command.help).toMatch(/^Usage:\s+ckb-pool /);
      expect(typeof command.run).toBe('function');
    }
  });

  it('rejects an unknown command with exit code 2 and names the known ones', () => {
    const r = spawnSync(process.execPath, [bin, 'frobnicate'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("unknown command 'frobnicate'");
    expect(r.stderr).toContain('serve');
  });
});
