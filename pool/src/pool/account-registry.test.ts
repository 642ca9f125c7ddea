import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestPostgres } from '../../test/support/postgres.js';
import { devnetAddress } from '../devnet/index.js';
import { Ledger } from '../ledger/ledger.js';
import { PgLedger } from '../ledger/pg-ledger.js';
import type { LedgerStore } from '../ledger/store.js';
import { accountPolicy } from './account-policy.js';
import { AccountRegistry, checkRegistration } from './account-registry.js';

/** What a running pool reads of `accounts.mode: registered`, from either ledger backend. */

const pgServer = await startTestPostgres();
afterAll(() => pgServer.server?.stop());
const log = pino({ level: 'silent' });
const ALICE = devnetAddress(1n);

const backends: { name: string; skip: string | null; open(): Promise<[LedgerStore, LedgerStore]> }[] = [
  {
    name: 'SQLite',
    skip: null,
    async open() {
      const path = join(mkdtempSync(join(tmpdir(), 'registry-')), 'ledger.sqlite');
      // The CLI and the pool: two connections to one file.
      return [new Ledger(path, { flushIntervalMs: 0 }), new Ledger(path, { flushIntervalMs: 0 })];
    },
  },
  {
    name: 'PostgreSQL',
    skip: pgServer.skip,
    async open() {
      const url = await (pgServer.server as NonNullable<typeof pgServer.server>).newDatabase();
      const cli = await PgLedger.open(url, { flushIntervalMs: 0 });
      return [cli, await PgLedger.open(url, { flushIntervalMs: 0 })];
    },
  },
];

describe.each(backends)('the account registry on the $name ledger', ({ skip, open }) => {
  if (skip) console.warn(`SKIP: ${skip}`);

  it.skipIf(skip)(
    'picks up a registration and a removal made by another connection on its refresh',
    async () => {
      const [cli, pool] = await open();
      const registry = new AccountRegistry(pool, log);
      const policy = accountPolicy('registered', 'dev', registry);
      await registry.start(20);
      expect(policy.refusal('alice.rig1')).toBe('unregistered-name');
      await cli.registerAccount('alice', ALICE);
      await until(() => policy.credited('alice.rig1') !== null);
      expect(policy.credited('alice.rig1')).toBe(`${ALICE}.rig1`);
      expect(policy.credited('alice')).toBe(ALICE);
      expect(policy.refusal('alicex.rig1')).toBe('unregistered-name');
      await cli.removeAccount('alice');
      await until(() => policy.credited('alice.rig1') === null);
      registry.close();
      await Promise.all([cli.close(), pool.close()]);
    },
  );

  it.skipIf(skip)('keeps its last copy when the ledger cannot be read', async () => {
    const [cli, pool] = await open();
    await cli.registerAccount('alice', ALICE);
    const registry = new AccountRegistry(pool, log);
    await registry.refresh();
    await pool.close();
    await registry.refresh();
    expect(registry.addressOf('alice')).toBe(ALICE);
    await cli.close();
  });
});

describe('a registration', () => {
  it('is stored with the canonical full address of the chain', () => {
    // The deprecated short form of the same lock: one account per lock, whichever form is typed.
    const short = 'ckt1qyqrdsefa43s6m882pcj53m4gdnj4k440axqswmu83';
    const { address } = checkRegistration('bob', short, 'dev');
    expect(address.startsWith('ckt1q')).toBe(true);
    expect(address).not.toBe(short);
    expect(checkRegistration('bob', address, 'dev').address).toBe(address);
  });
});

async function until(cond: () => boolean, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
