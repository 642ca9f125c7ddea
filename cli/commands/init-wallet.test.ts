import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ccc } from '@ckb-ccc/core';
import { describe, expect, it } from 'vitest';
import { TESTNET_ADDRESS } from '../../test/support/config-fixtures.js';
import { loadConfig } from '../config/schema.js';
import { WALLET_KEY_FILE } from '../config/wallet.js';
import { type Prompter, runInit } from './init.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'init-wallet-'));
const PAYOUTS = ['--yes', '--chain', 'testnet', '--payouts', 'true', '--operator-address', TESTNET_ADDRESS];

async function init(dir: string, args: string[], prompter?: Prompter) {
  let output = '';
  const code = await runInit(['--config', join(dir, 'ckb-pool.yaml'), ...args], {
    interactive: prompter !== undefined,
    prompter,
    print: (t) => {
      output += t;
    },
  });
  return { code, output };
}

const keyOf = (dir: string) => readFileSync(join(dir, 'secrets', WALLET_KEY_FILE), 'utf8').trim();
const cccAddress = async (key: string) =>
  (
    await new ccc.SignerCkbPrivateKey(new ccc.ClientPublicTestnet(), key).getRecommendedAddressObj()
  ).toString();

describe('init with payouts', () => {
  it('creates the pool wallet key (0600) and makes its address the block-assembler lock', async () => {
    const dir = tmp();
    const { code, output } = await init(dir, PAYOUTS);
    expect(code).toBe(0);
    const path = join(dir, 'secrets', WALLET_KEY_FILE);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const key = keyOf(dir);
    expect(key).toMatch(/^0x[0-9a-f]{64}$/);
    const config = loadConfig(join(dir, 'ckb-pool.yaml'));
    expect(config.payoutAddress).toBe(await cccAddress(key));
    expect(config.payouts).toMatchObject({ enabled: true, operatorAddress: TESTNET_ADDRESS, threshold: 100 });
    expect(output).toContain(
      `Pool wallet address (the node's block assembler pays it; payouts are sent from it): ${config.payoutAddress}`,
    );
    // The key itself is in the secrets folder only: not printed, not in the config.
    expect(output).not.toContain(key.slice(2));
    expect(readFileSync(join(dir, 'ckb-pool.yaml'), 'utf8')).not.toContain(key.slice(2));
  });

  it('keeps the key on a second run', async () => {
    const dir = tmp();
    await init(dir, PAYOUTS);
    const before = keyOf(dir);
    const again = await init(dir, PAYOUTS);
    expect(again.output).toMatch(/Kept existing pool wallet key/);
    expect(keyOf(dir)).toBe(before);
  });

  it('imports a key from a private file, and refuses one others may read without echoing it', async () => {
    const dir = tmp();
    const source = join(dir, 'my-wallet.key');
    const key = `0x${'5a'.repeat(32)}`;
    writeFileSync(source, `${key}\n`, { mode: 0o644 });
    chmodSync(source, 0o644);
    await expect(init(dir, [...PAYOUTS, '--import-wallet-key', source])).rejects.toThrow(/mode 644/);
    await expect(init(dir, [...PAYOUTS, '--import-wallet-key', source])).rejects.not.toThrow(/5a5a/);
    chmodSync(source, 0o600);
    const { code, output } = await init(dir, [...PAYOUTS, '--import-wallet-key', source]);
    expect(code).toBe(0);
    expect(output).toMatch(/Imported pool wallet key/);
    expect(keyOf(dir)).toBe(key);
    expect(loadConfig(join(dir, 'ckb-pool.yaml')).payoutAddress).toBe(await cccAddress(key));
  });

  it('refuses to import over a different existing key', async () => {
    const dir = tmp();
    await init(dir, PAYOUTS);
    const other = join(dir, 'other.key');
    writeFileSync(other, `0x${'11'.repeat(32)}\n`, { mode: 0o600 });
    await expect(init(dir, [...PAYOUTS, '--import-wallet-key', other])).rejects.toThrow(
      /already holds a different pool wallet key/,
    );
  });

  it('refuses a payout address that is not the wallet, and needs the operator address', async () => {
    const dir = tmp();
    await expect(init(dir, [...PAYOUTS, '--payout-address', TESTNET_ADDRESS])).rejects.toThrow(
      /block assembler pays the pool wallet/,
    );
    await expect(init(tmp(), ['--yes', '--chain', 'testnet', '--payouts', 'true'])).rejects.toThrow(
      /--operator-address is required/,
    );
  });

  it('asks for the payout settings and an optional key file in a terminal, never for the payout address', async () => {
    const dir = tmp();
    const source = join(dir, 'k');
    writeFileSync(source, `0x${'66'.repeat(32)}\n`, { mode: 0o600 });
    const asked: string[] = [];
    const answers: Record<string, string | boolean> = {
      'Pay miners from a pool wallet (PPLNS payouts)? No = solo mode, rewards stay at your address': true,
      Chain: 'testnet',
      'Where should the pool run?': 'local',
      'Import an existing pool wallet key from a file (path; empty creates a new key)': source,
      'Your own address (receives the pool fee)': TESTNET_ADDRESS,
      'Pool fee (percent)': '1.5',
    };
    const answer = (m: string, d: unknown) => {
      asked.push(m);
      return m in answers ? answers[m] : d;
    };
    const prompter: Prompter = {
      input: async (q) => String(answer(q.message, q.default ?? '')),
      select: async (q) => String(answer(q.message, q.default)),
      confirm: async (q) => Boolean(answer(q.message, q.default)),
    };
    expect((await init(dir, [], prompter)).code).toBe(0);
    expect(asked).not.toContain('Payout address');
    expect(asked).toContain('Payout threshold (CKB)');
    const config = loadConfig(join(dir, 'ckb-pool.yaml'));
    expect(config.payouts.feePercent).toBe(1.5);
    expect(config.payoutAddress).toBe(await cccAddress(`0x${'66'.repeat(32)}`));
  });
});
