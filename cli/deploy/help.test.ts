import { describe, expect, it } from 'vitest';
import doctor from '../commands/doctor.js';
import down from '../commands/down.js';
import { commands } from '../commands/index.js';
import status from '../commands/status.js';
import up from '../commands/up.js';

describe('deploy command help', () => {
  it.each([
    ['up', up],
    ['down', down],
    ['status', status],
    ['doctor', doctor],
  ])('%s explains --config with its default and every option it parses', (name, command) => {
    expect(command.help).toContain('--config FILE');
    expect(command.help).toContain('(default: ckb-pool.yaml)');
    expect(commands[name].summary.length).toBeGreaterThan(20);
    // Every long option mentioned in the usage line is documented in the options list.
    const usage = command.help.split('\n')[0];
    for (const opt of usage.match(/--[a-z-]+/g) ?? []) {
      expect(command.help.split('Options:')[1]).toContain(opt);
    }
  });

  it('up documents the targets and the flags for restricted hosts', () => {
    for (const flag of [
      '--cloud',
      '--host',
      '--docker-install',
      '--image-archive',
      '--no-firewall',
      '--ssh-timeout',
    ]) {
      expect(up.help).toContain(flag);
    }
    expect(down.help).toContain('--yes');
    expect(down.help).toContain('--purge');
  });
});
