import { spawnSync } from 'node:child_process';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MAINNET_ADDRESS, TESTNET_ADDRESS } from '../../test/support/config-fixtures.js';
import { UsageError } from '../command.js';
import { loadConfig } from '../config/schema.js';
import { AUTHORITY_SECRET_FILE, GRAFANA_PASSWORD_FILE, readSecrets } from '../config/secrets.js';
import { type Prompter, runInit } from './init.js';

const BIN = fileURLToPath(new URL('../../bin/ckb-pool-deploy.js', import.meta.url));

function cli(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const tmp = () => mkdtempSync(join(tmpdir(), 'init-'));

describe('ckb-pool-deploy init (spawned, no terminal)', () => {
  it('writes the config from flags with --yes, infers the chain, and creates secrets once', () => {
    const dir = tmp();
    const args = [
      'init',
      '--yes',
      '--config',
      'pool.yaml',
      '--payout-address',
      TESTNET_ADDRESS,
      '--cloud',
      'aws',
      '--region',
      'eu-west-1',
      '--admin-cidr',
      '203.0.113.7/32',
      '--admin-cidr',
      '198.51.100.0/24',
    ];
    const first = cli(args, dir);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const config = loadConfig(join(dir, 'pool.yaml'));
    expect(config).toMatchObject({
      chain: 'testnet',
      cloud: 'aws',
      region: 'eu-west-1',
      adminCidrs: ['203.0.113.7/32', '198.51.100.0/24'],
      instance: { size: 'm6i.large', diskGb: 150 },
    });
    const secretsDir = join(dir, 'secrets');
    expect(statSync(secretsDir).mode & 0o777).toBe(0o700);
    for (const f of [AUTHORITY_SECRET_FILE, GRAFANA_PASSWORD_FILE])
      expect(statSync(join(secretsDir, f)).mode & 0o777).toBe(0o600);
    const before = readSecrets(secretsDir);
    expect(first.stdout).toContain(before.authorityPublicKey);

    const again = cli([...args.slice(0, 4), '--project', 'second-pool'], dir);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/Kept existing secret/);
    expect(readSecrets(secretsDir)).toEqual(before);
    expect(loadConfig(join(dir, 'pool.yaml'))).toMatchObject({
      project: 'second-pool',
      region: 'eu-west-1',
      chain: 'testnet',
    });
  });

  it('fails with a clear message without a terminal and without --yes', () => {
    const r = cli(['init', '--payout-address', MAINNET_ADDRESS], tmp());
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no terminal.*--yes/);
  });

  it('names every missing or invalid flag', () => {
    const r = cli(
      ['init', '--yes', '--cloud', 'aws', '--admin-cidr', '0.0.0.0/0', '--disk-gb', 'lots'],
      tmp(),
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--payout-address is required/);
    expect(r.stderr).toMatch(/--admin-cidr.*whole internet/);
    expect(r.stderr).toMatch(/--disk-gb: expected an integer/);
  });

  it('explains every flag in --help', () => {
    const r = cli(['init', '--help'], tmp());
    expect(r.code).toBe(0);
    for (const flag of [
      '--config',
      '--chain',
      '--payout-address',
      '--cloud',
      '--region',
      '--admin-cidr',
      '--yes',
    ]) {
      expect(r.stdout).toContain(flag);
    }
  });
});

/** Answers questions by their message; records what was asked and what the validator said. */
function scripted(answers: Record<string, string | boolean>) {
  const asked: string[] = [];
  const rejected: Record<string, string> = {};
  const answer = (message: string, fallback: unknown) => {
    asked.push(message);
    return message in answers ? answers[message] : fallback;
  };
  const prompter: Prompter = {
    async input(q) {
      // Offer a bad answer first wherever the test gives one, the way a user would mistype.
      const bad = answers[`${q.message} (bad)`];
      if (typeof bad === 'string') {
        const verdict = q.validate(bad);
        if (verdict !== true) rejected[q.message] = verdict;
      }
      const a = String(answer(q.message, q.default ?? ''));
      const verdict = q.validate(a);
      if (verdict !== true) throw new Error(`validator rejected the answer to '${q.message}': ${verdict}`);
      return a;
    },
    async select(q) {
      const a = String(answer(q.message, q.default));
      expect(q.choices.map((c) => c.value)).toContain(a);
      return a;
    },
    async confirm(q) {
      return Boolean(answer(q.message, q.default));
    },
  };
  return { prompter, asked, rejected };
}

describe('init prompt flow (injected answers)', () => {
  it('asks the cloud questions, validates as it asks, and writes what was answered', async () => {
    const dir = tmp();
    const { prompter, asked, rejected } = scripted({
      'Where should the pool run?': 'alicloud',
      'Payout address (bad)': TESTNET_ADDRESS,
      'Payout address': MAINNET_ADDRESS,
      'Region (bad)': 'mars-1',
      Region: 'cn-hongkong',
      'Admin CIDRs allowed to SSH in (comma-separated, e.g. 203.0.113.7/32) (bad)': '203.0.113.7/24',
      'Admin CIDRs allowed to SSH in (comma-separated, e.g. 203.0.113.7/32)':
        '203.0.113.7/32, 198.51.100.0/24',
      'Alert webhook URL (empty for none)': 'https://hooks.example.com/x',
    });
    let output = '';
    const code = await runInit(['--config', join(dir, 'c.yaml')], {
      interactive: true,
      prompter,
      print: (t) => {
        output += t;
      },
    });
    expect(code).toBe(0);
    expect(asked).toEqual(
      expect.arrayContaining([
        'Project name',
        'Chain',
        'Payout address',
        'Region',
        'Instance type',
        'Terraform state backend',
      ]),
    );
    expect(asked).not.toContain('Server address'); // ssh only
    expect(rejected['Payout address']).toMatch(/testnet address but chain is mainnet/);
    expect(rejected.Region).toMatch(/not a region name of alicloud/);
    expect(rejected['Admin CIDRs allowed to SSH in (comma-separated, e.g. 203.0.113.7/32)']).toMatch(
      /203.0.113.0\/24/,
    );
    expect(loadConfig(join(dir, 'c.yaml'))).toMatchObject({
      cloud: 'alicloud',
      region: 'cn-hongkong',
      instance: { size: 'ecs.g7.large' },
      adminCidrs: ['203.0.113.7/32', '198.51.100.0/24'],
      monitoring: { enabled: true, alertWebhookUrl: 'https://hooks.example.com/x' },
    });
    expect(output).toMatch(/Created secret/);
  });

  it('does not ask what a flag already answered', async () => {
    const dir = tmp();
    const { prompter, asked } = scripted({ 'Where should the pool run?': 'local' });
    await runInit(
      ['--config', join(dir, 'c.yaml'), '--payout-address', MAINNET_ADDRESS, '--chain', 'mainnet'],
      {
        interactive: true,
        prompter,
        print: () => {},
      },
    );
    expect(asked).not.toContain('Payout address');
    expect(asked).not.toContain('Chain');
    expect(asked).not.toContain('Region');
  });

  it('refuses to prompt without a terminal', async () => {
    await expect(runInit([], { interactive: false, print: () => {} })).rejects.toThrow(UsageError);
  });
});
