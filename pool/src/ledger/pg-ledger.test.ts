import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestPostgres } from '../../test/support/postgres.js';
import { PgLedger } from './pg-ledger.js';
import type { NewBlock } from './records.js';
import { SCHEMA_VERSION } from './sqlite-schema.js';

/** What only PostgreSQL has to get right: several pool hosts on one database. */

const pgServer = await startTestPostgres();
afterAll(() => pgServer.server?.stop());
const skip = pgServer.skip;
if (skip) console.warn(`SKIP PostgreSQL ledger tests: ${skip}`);

const newDatabase = () => (pgServer.server as NonNullable<typeof pgServer.server>).newDatabase();

async function sql<T extends pg.QueryResultRow>(url: string, text: string): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<T>(text)).rows;
  } finally {
    await c.end();
  }
}

function block(hash: string, worker: string, height: number): NewBlock {
  return {
    height,
    hash,
    powHash: '0x11',
    parentHash: '0x22',
    nonce: '0x1',
    worker,
    foundAtMs: 1000,
    networkDifficulty: 1000,
    shareDifficulty: 10,
    workId: '3',
    blockJson: '{}',
  };
}

describe('PostgreSQL ledger shared by several pool hosts', () => {
  it.skipIf(skip)('migrates once when hosts start together, to the current version', async () => {
    const url = await newDatabase();
    const hosts = await Promise.all([1, 2, 3, 4].map(() => PgLedger.open(url, { flushIntervalMs: 0 })));
    expect(await sql(url, "SELECT value FROM meta WHERE key = 'schema_version'")).toEqual([
      { value: String(SCHEMA_VERSION) },
    ]);
    await Promise.all(hosts.map((h) => h.close()));
  });

  it.skipIf(skip)(
    'two hosts writing shares and blocks at once: exact totals, one row per block hash',
    async () => {
      const url = await newDatabase();
      const [a, b] = await Promise.all([
        PgLedger.open(url, { flushIntervalMs: 5 }),
        PgLedger.open(url, { flushIntervalMs: 5 }),
      ]);
      const hosts = [a, b] as PgLedger[];
      const workers = ['alice', 'bob', 'carol', 'dave', 'erin'];
      const perHost = 20_000;
      // Both hosts see the same workers (a miner reconnects to the other host) and find the same
      // blocks (a block relayed to both): the database must keep totals and hashes straight.
      const writes = hosts.map(async (h, hi) => {
        const found: Promise<unknown>[] = [];
        for (let i = 0; i < perHost; i++) {
          h.recordShare({
            worker: workers[i % workers.length] as string,
            difficulty: 2,
            timeMs: i,
            height: 7,
          });
          if (i % 1_000 === 999) {
            h.recordRejected(workers[(i + hi) % workers.length] as string, i);
            found.push(
              h.addPendingBlock(block(`0x${(i / 1_000).toString(16)}`, 'alice', 100 + (i % 3)), 500),
            );
            await new Promise((r) => setTimeout(r, 1));
          }
        }
        await Promise.all(found);
        await h.flush();
      });
      await Promise.all(writes);
      expect(await a.shareCount()).toBe(2 * perHost);
      let accepted = 0;
      let difficulty = 0;
      let rejected = 0;
      for (const w of workers) {
        const row = await b.worker(w);
        accepted += row?.acceptedShares ?? 0;
        difficulty += row?.acceptedDifficulty ?? 0;
        rejected += row?.rejectedShares ?? 0;
      }
      expect(accepted).toBe(2 * perHost);
      expect(difficulty).toBe(4 * perHost);
      expect(rejected).toBe(2 * (perHost / 1_000));
      const blocks = await sql<{ hash: string; n: number }>(
        url,
        'SELECT hash, COUNT(*)::int AS n FROM blocks GROUP BY hash',
      );
      expect(blocks).toHaveLength(perHost / 1_000);
      expect(blocks.every((r) => r.n === 1)).toBe(true);
      // Three heights, so three counted blocks for alice, however the two hosts raced.
      expect((await a.worker('alice'))?.blocks).toBe(3);
      expect((await a.blockCounts()).contending).toBe(perHost / 1_000 - 3);
      await Promise.all(hosts.map((h) => h.close()));
    },
  );

  it.skipIf(skip)(
    'counts one block when two hosts record different blocks at one height at once',
    async () => {
      const url = await newDatabase();
      const [a, b] = await Promise.all([
        PgLedger.open(url, { flushIntervalMs: 0 }),
        PgLedger.open(url, { flushIntervalMs: 0 }),
      ]);
      for (let round = 0; round < 10; round++) {
        const got = await Promise.all([
          (a as PgLedger).addPendingBlock(block(`0xa${round}`, 'alice', round), 10),
          (b as PgLedger).addPendingBlock(block(`0xb${round}`, 'bob', round), 10),
        ]);
        expect(got.filter((g) => g.counted)).toHaveLength(1);
      }
      const credited = ((await a?.worker('alice'))?.blocks ?? 0) + ((await a?.worker('bob'))?.blocks ?? 0);
      expect(credited).toBe(10);
      await Promise.all([a?.close(), b?.close()]);
    },
  );

  it.skipIf(skip)(
    'upgrades a version 1 database: the column is added, the version recorded, data kept',
    async () => {
      const url = await newDatabase();
      const first = await PgLedger.open(url, { flushIntervalMs: 0 });
      first.recordShare({ worker: 'old', difficulty: 5, timeMs: 1, height: 1 });
      await first.addPendingBlock(block('0xaa', 'old', 9), 5);
      await first.close();
      await sql(
        url,
        "DROP INDEX blocks_one_confirmed_per_height; ALTER TABLE blocks DROP COLUMN chain_status; UPDATE meta SET value = '1'",
      );
      const l = await PgLedger.open(url, { flushIntervalMs: 0 });
      expect(await sql(url, "SELECT value FROM meta WHERE key = 'schema_version'")).toEqual([
        { value: String(SCHEMA_VERSION) },
      ]);
      expect(await l.shareCount()).toBe(1);
      expect((await l.unresolvedBlocks()).map((b) => [b.hash, b.chainStatus])).toEqual([['0xaa', null]]);
      await l.close();
    },
  );

  it.skipIf(skip)('refuses a database written by a newer release instead of guessing its shape', async () => {
    const url = await newDatabase();
    await (await PgLedger.open(url, { flushIntervalMs: 0 })).close();
    const newer = SCHEMA_VERSION + 1;
    await sql(url, `UPDATE meta SET value = '${newer}' WHERE key = 'schema_version'`);
    await expect(PgLedger.open(url, { flushIntervalMs: 0 })).rejects.toThrow(
      new RegExp(`schema version ${newer}, newer than this ckb-pool understands \\(${SCHEMA_VERSION}\\)`),
    );
  });

  it.skipIf(skip)('keeps a batch queued when a flush fails, and writes it on the next one', async () => {
    const url = new URL(await newDatabase());
    url.searchParams.set('options', '-c lock_timeout=200ms');
    const l = await PgLedger.open(url.toString(), { flushIntervalMs: 0 });
    l.recordShare({ worker: 'a', difficulty: 1, timeMs: 0, height: 1 });
    // Another session holds the shares table: our flush cannot write within its lock timeout.
    const blocker = new pg.Client({ connectionString: url.toString() });
    blocker.on('error', () => {});
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE shares IN ACCESS EXCLUSIVE MODE');
    await expect(l.flush()).rejects.toThrow(/lock timeout/);
    expect(l.queuedShares).toBe(1);
    await blocker.query('ROLLBACK');
    await blocker.end();
    expect(await l.flush()).toBe(1);
    expect((await l.worker('a'))?.acceptedShares).toBe(1);
    await l.close();
  });
});
