import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from './command.js';
import { loadConfigOption, parseLedgerCommand } from './ledger-command.js';

describe('ledger commands (accounts, payouts)', () => {
  it('read the action, its arguments and --config in any order', () => {
    expect(parseLedgerCommand(['register', 'alice', '--config', 'pool.yaml', 'ckt1q'])).toEqual({
      action: 'register',
      args: ['alice', 'ckt1q'],
      configFile: 'pool.yaml',
    });
    expect(parseLedgerCommand([])).toEqual({ args: [] });
  });

  it('turn an unknown flag and a missing --config into usage errors', () => {
    expect(() => parseLedgerCommand(['list', '--cfg', 'x'])).toThrow(UsageError);
    expect(() => loadConfigOption(undefined)).toThrow('--config FILE is required');
  });

  it('name the file when its config is invalid', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ledger-command-'));
    const file = join(dir, 'pool.yaml');
    writeFileSync(file, 'chain: nowhere\n');
    try {
      expect(() => loadConfigOption(file)).toThrow(UsageError);
      expect(() => loadConfigOption(file)).toThrow(file);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
