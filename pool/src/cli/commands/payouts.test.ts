import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { creditMaturedBlock } from '../../../test/support/matured-credits.js';
import { Ledger } from '../../ledger/ledger.js';
import { UsageError } from '../command.js';
import command from './payouts.js';

const ALICE =
  'ckt1qzda0cr08m85hc8jlnfp3zer7xulejywt49kt2rr0vthywaa50xwsq0efx5ueqldalx4sr4n7rem4cv8cngq3kcyk4ydl';

afterEach(() => vi.restoreAllMocks());

function poolWithBalances(): string {
  const dir = mkdtempSync(join(tmpdir(), 'payouts-cli-'));
  const ledger = new Ledger(join(dir, 'ledger.sqlite'), { flushIntervalMs: 0 });
  creditMaturedBlock(ledger, [
    { account: ALICE, amount: 150n * 100_000_000n, payable: true, kind: 'miner' },
    { account: 'bob', amount: 500n * 100_000_000n, payable: false, kind: 'miner' },
  ]);
  ledger.close();
  const config = join(dir, 'pool.yaml');
  writeFileSync(
    config,
    'chain: dev\nnode:\n  rpcUrl: http://127.0.0.1:1\nsv2:\n  authorityKeyFile: authority.key\nledger:\n  path: ledger.sqlite\n',
  );
  return config;
}

async function output(argv: string[]): Promise<unknown> {
  let text = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    text += String(chunk);
    return true;
  });
  expect(await command.run(argv)).toBe(0);
  vi.restoreAllMocks();
  return JSON.parse(text);
}

describe('ckb-pool payouts', () => {
  it('lists balances per account, in shannons as decimal strings', async () => {
    const config = poolWithBalances();
    expect(await output(['list', '--config', config])).toEqual({
      balances: [
        { account: 'bob', balance: '50000000000', immature: '0', paid: '0', payable: false },
        { account: ALICE, balance: '15000000000', immature: '0', paid: '0', payable: true },
      ],
      batches: [],
    });
  });

  it('previews the next batch: addresses at the threshold only, never a bare name', async () => {
    const config = poolWithBalances();
    expect(await output(['preview', '--config', config])).toEqual({
      outputs: [{ address: ALICE, amount: '15000000000' }],
    });
  });

  it('refuses to run in solo mode and names the setting', async () => {
    const config = poolWithBalances();
    await expect(command.run(['run', '--config', config])).rejects.toThrow(/payouts.enabled is false/);
    await expect(command.run(['pay', '--config', config])).rejects.toBeInstanceOf(UsageError);
  });
});
