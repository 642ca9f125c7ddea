import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { startTestPostgres } from '../../../test/support/postgres.js';
import { devnetAddress } from '../../devnet/index.js';
import { openLedger } from '../../ledger/open.js';
import { loadPoolConfig } from '../../pool/config.js';
import { UsageError } from '../command.js';
import command from './accounts.js';

/** `ckb-pool accounts` against a pool.yaml's ledger: the SQLite file, and PostgreSQL. */

const pgServer = await startTestPostgres();
afterAll(() => pgServer.server?.stop());
afterEach(() => vi.restoreAllMocks());

const ALICE = devnetAddress(1n);
const BOB = devnetAddress(2n);
const MAINNET =
  'ckb1qzda0cr08m85hc8jlnfp3zer7xulejywt49kt2rr0vthywaa50xwsq0efx5ueqldalx4sr4n7rem4cv8cngq3kcyk4ydl';

function poolYaml(ledger: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'accounts-cli-'));
  const file = join(dir, 'pool.yaml');
  writeFileSync(
    file,
    `chain: dev\naccounts:\n  mode: registered\nnode:\n  rpcUrl: http://127.0.0.1:1\nsv2:\n  authorityKeyFile: authority.key\nledger:\n${ledger}\n`,
  );
  return file;
}

async function output(argv: string[]): Promise<unknown> {
  let text = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    text += String(chunk);
    return true;
  });
  try {
    expect(await command.run(argv)).toBe(0);
  } finally {
    vi.restoreAllMocks();
  }
  return JSON.parse(text);
}

const backends = [
  { name: 'SQLite', skip: null, yaml: async () => poolYaml('  path: ledger.sqlite') },
  {
    name: 'PostgreSQL',
    skip: pgServer.skip,
    yaml: async () => {
      const url = await (pgServer.server as NonNullable<typeof pgServer.server>).newDatabase();
      return poolYaml(`  url: ${url}`);
    },
  },
];

describe.each(backends)('ckb-pool accounts on the $name ledger', ({ skip, yaml }) => {
  if (skip) console.warn(`SKIP: ${skip}`);

  it.skipIf(skip)('registers, lists and removes names, storing the canonical address', async () => {
    const config = await yaml();
    expect(await output(['register', 'alice', ALICE, '--config', config])).toEqual({
      name: 'alice',
      address: ALICE,
      replaced: false,
    });
    expect(await output(['register', 'bob', BOB, '--config', config])).toMatchObject({ replaced: false });
    expect(await output(['register', 'bob', ALICE, '--config', config])).toMatchObject({ replaced: true });
    expect(await output(['list', '--config', config])).toEqual({
      accounts: [
        { name: 'alice', address: ALICE, createdAtMs: expect.any(Number) },
        { name: 'bob', address: ALICE, createdAtMs: expect.any(Number) },
      ],
    });
    expect(await output(['remove', 'bob', '--config', config])).toEqual({ removed: 'bob' });
    await expect(command.run(['remove', 'bob', '--config', config])).rejects.toThrow(
      /'bob' is not registered/,
    );
    // What the pool reads is what the CLI wrote.
    const ledger = await openLedger(loadPoolConfig(config).ledger, { flushIntervalMs: 0 });
    expect((await ledger.registeredAccounts()).map((a) => [a.name, a.address])).toEqual([['alice', ALICE]]);
    await ledger.close();
  });

  it.skipIf(skip)('refuses, with a clear reason, what the pool could not credit', async () => {
    const config = await yaml();
    const register = (...a: string[]) => command.run(['register', ...a, '--config', config]);
    await expect(register('alice', MAINNET)).rejects.toThrow(/not a CKB address of the dev chain/);
    await expect(register('alice', 'nonsense')).rejects.toThrow(/not a CKB address/);
    await expect(register('alice.rig1', ALICE)).rejects.toThrow(
      /contains '\.'.*'alice' covers every 'alice\.<worker>'/,
    );
    await expect(register(ALICE, BOB)).rejects.toThrow(/is itself an address/);
    await expect(register('a\nb', ALICE)).rejects.toThrow(/control characters/);
    await expect(register('alice')).rejects.toThrow(/register takes NAME ADDRESS/);
    await expect(command.run(['rename', '--config', config])).rejects.toThrow(UsageError);
    await expect(command.run(['list'])).rejects.toThrow(/--config FILE is required/);
    expect(await output(['list', '--config', config])).toEqual({ accounts: [] });
  });
});

it('has a --help that names every action', () => {
  for (const a of ['register NAME ADDRESS', 'list', 'remove NAME', '--config FILE'])
    expect(command.help).toContain(a);
});
