import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { commands } from './index.js';

const commandFiles = readdirSync(fileURLToPath(new URL('./', import.meta.url)))
  .filter((f) => /^[a-z][a-z0-9-]*\.ts$/.test(f) && !f.endsWith('.test.ts') && f !== 'index.ts')
  .map((f) => f.slice(0, -3))
  .sort();

describe('the ckb-pool-deploy command table', () => {
  it('lists every command file, and nothing else', () => {
    expect(Object.keys(commands).sort()).toEqual(commandFiles);
  });

  it('loads each command with its usage text', async () => {
    for (const [name, entry] of Object.entries(commands)) {
      expect(entry.summary.length, name).toBeGreaterThan(10);
      const command = (await entry.load()).default;
      expect(command.help, name).toMatch(new RegExp(`^Usage: ckb-pool-deploy ${name}\\b`));
    }
  });
});
