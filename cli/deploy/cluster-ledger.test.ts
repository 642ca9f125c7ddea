import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PgLedger } from '../../pool/src/ledger/pg-ledger.js';
import { startTestPostgres } from '../../pool/test/support/postgres.js';
import { EXIT_NOT_EMPTY, type LedgerSummary, parseSummary } from './backup-ledger.js';
import { conninfo, type PgLedgerOp, pgLedgerScript, remoteToolPrefix } from './cluster-ledger.js';

/** The scripts `status`, `backup` and `restore` run on a cluster host, against a real server. */
const pgServer = await startTestPostgres();
afterAll(() => pgServer.server?.stop());
const skip = pgServer.skip;
if (skip) console.warn(`SKIP cluster ledger script tests: ${skip}`);

const scratch = mkdtempSync(join(tmpdir(), 'cluster-ledger-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const connOf = (url: string) => {
  const u = new URL(url);
  return conninfo({ host: u.hostname, port: Number(u.port), tls: false }, u.username, u.pathname.slice(1));
};

function run(op: PgLedgerOp, url: string, force = false) {
  const script = pgLedgerScript(op, { conn: connOf(url), scratch, tool: '', force });
  const r = spawnSync('sh', ['-e', '-c', script], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const summaryOf = (op: PgLedgerOp, url: string, force = false): LedgerSummary => {
  const r = run(op, url, force);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return parseSummary(r.stdout);
};

async function ledgerWithShares(): Promise<string> {
  const url = await (pgServer.server as NonNullable<typeof pgServer.server>).newDatabase();
  const ledger = await PgLedger.open(url, { flushIntervalMs: 0 });
  for (let i = 0; i < 250; i++)
    ledger.recordShare({
      worker: ['alice', 'bob', 'carol'][i % 3] as string,
      difficulty: 2,
      timeMs: i,
      height: 7,
    });
  await ledger.flush();
  await ledger.addPendingBlock(
    {
      height: 100,
      hash: '0xab',
      powHash: '0x11',
      parentHash: '0x22',
      nonce: '0x1',
      worker: 'alice',
      foundAtMs: 1000,
      networkDifficulty: 1000,
      shareDifficulty: 10,
      workId: '3',
      blockJson: '{}',
    },
    500,
  );
  await ledger.close();
  return url;
}

describe('the cluster ledger scripts against PostgreSQL', () => {
  it.skipIf(skip)('inspect says a database the pools never opened holds no ledger', async () => {
    const url = await (pgServer.server as NonNullable<typeof pgServer.server>).newDatabase();
    expect(summaryOf('inspect', url)).toMatchObject({ exists: false, shares: 0, schemaVersion: null });
  });

  it.skipIf(skip)(
    'dump describes the copy it wrote, and restore into an empty database brings back the same',
    async () => {
      const source = await ledgerWithShares();
      const live = summaryOf('inspect', source);
      expect(live).toMatchObject({ exists: true, shares: 250, workers: 3, blocks: 1, acceptedShares: 250 });
      const dumped = summaryOf('dump', source);
      expect(dumped).toMatchObject({
        exists: true,
        shares: 250,
        workers: 3,
        blocks: 1,
        acceptedShares: 250,
        schemaVersion: live.schemaVersion,
      });
      expect(dumped.bytes).toBeGreaterThan(0);

      const target = await (pgServer.server as NonNullable<typeof pgServer.server>).newDatabase();
      const restored = summaryOf('restore', target);
      expect({ ...restored, bytes: 0 }).toEqual({ ...live, bytes: 0 });
    },
  );

  it.skipIf(skip)('restore refuses a ledger that holds shares unless forced, then replaces it', async () => {
    const source = await ledgerWithShares();
    summaryOf('dump', source);
    const target = await ledgerWithShares();
    // The target gets more shares, so a replaced ledger is told apart from the kept one.
    const extra = await PgLedger.open(target, { flushIntervalMs: 0 });
    extra.recordShare({ worker: 'dave', difficulty: 2, timeMs: 1, height: 8 });
    await extra.flush();
    await extra.close();
    const refused = run('restore', target);
    expect(refused.code).toBe(EXIT_NOT_EMPTY);
    expect(refused.stderr).toContain('the ledger is not empty');
    expect(summaryOf('inspect', target)).toMatchObject({ shares: 251, workers: 4 });
    expect(summaryOf('restore', target, true)).toMatchObject({ shares: 250, workers: 3, blocks: 1 });
  });
});

describe('remoteToolPrefix', () => {
  it('runs the tools in the postgres image on the host network, the password from the environment', () => {
    expect(remoteToolPrefix('/tmp/ckb-pool-backup.AbC123')).toBe(
      'docker run --rm --network host -e PGPASSWORD -v /tmp/ckb-pool-backup.AbC123:/tmp/ckb-pool-backup.AbC123 postgres:16-bookworm',
    );
  });

  it('refuses a scratch folder the script could not expand safely', () => {
    expect(() => remoteToolPrefix('/tmp/a b')).toThrow(/unexpected scratch folder/);
  });
});
