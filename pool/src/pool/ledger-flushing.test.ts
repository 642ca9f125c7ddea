import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { LedgerFlushing } from './ledger-flushing.js';

const silent = pino({ level: 'silent' });

function sqlite(path = join(mkdtempSync(join(tmpdir(), 'flushing-')), 'ledger.sqlite')) {
  return { path, url: null, passwordFile: null };
}

/** A clock that only moves when the drain sleeps. */
function fakeTime() {
  const t = { now: 0 };
  const sleep = async (ms: number) => {
    t.now += ms;
  };
  return { t, now: () => t.now, sleep };
}

function clients(n: number, leaveAfterFlushes = Number.POSITIVE_INFINITY) {
  const flushes: number[] = new Array(n).fill(0);
  const c = {
    flushes,
    get size() {
      return flushes.filter((f) => f < leaveAfterFlushes).length;
    },
    get sessions() {
      return flushes
        .map((_, i) => i)
        .filter((i) => (flushes[i] ?? 0) < leaveAfterFlushes)
        .map((i) => ({
          flushAcks: () => {
            flushes[i] = (flushes[i] ?? 0) + 1;
          },
        }));
    },
  };
  return c;
}

function metrics() {
  const observed: number[] = [];
  return { observed, ledgerWriteSeconds: { observe: (s: number) => void observed.push(s) } };
}

describe('LedgerFlushing', () => {
  it('names ledger.path when the ledger cannot be opened', async () => {
    await expect(
      LedgerFlushing.open(sqlite('/nonexistent/dir/ledger.sqlite'), {
        flushIntervalMs: 0,
        metrics: metrics(),
        log: silent,
      }),
    ).rejects.toThrow(/^ledger\.path \/nonexistent\/dir\/ledger\.sqlite: /);
  });

  it('times each batched write for the ledger write metric', async () => {
    const m = metrics();
    const f = await LedgerFlushing.open(sqlite(), { flushIntervalMs: 0, metrics: m, log: silent });
    f.ledger.recordShare({ worker: 'alice', difficulty: 1, timeMs: 1, height: 1 });
    f.ledger.recordShare({ worker: 'alice', difficulty: 1, timeMs: 2, height: 1 });
    f.ledger.flush();
    expect(m.observed).toHaveLength(1);
    await f.close();
  });

  it('keeps acknowledging shares until every client has left', async () => {
    const time = fakeTime();
    const f = await LedgerFlushing.open(sqlite(), {
      flushIntervalMs: 0,
      metrics: metrics(),
      log: silent,
      ...time,
    });
    const c = clients(2, 3);
    expect(await f.drain(c)).toBe(0);
    expect(c.flushes).toEqual([3, 3]);
    expect(time.t.now).toBe(60);
    await f.close();
  });

  it('gives up on clients that stay past the grace and says how many remain', async () => {
    const time = fakeTime();
    const f = await LedgerFlushing.open(sqlite(), {
      flushIntervalMs: 0,
      metrics: metrics(),
      log: silent,
      graceMs: 100,
      ...time,
    });
    const c = clients(3);
    expect(await f.drain(c)).toBe(3);
    expect(time.t.now).toBe(100);
    expect(c.flushes).toEqual([5, 5, 5]);
    await f.close();
  });

  it('returns at once when no client is connected', async () => {
    const time = fakeTime();
    const f = await LedgerFlushing.open(sqlite(), {
      flushIntervalMs: 0,
      metrics: metrics(),
      log: silent,
      ...time,
    });
    expect(await f.drain(clients(0))).toBe(0);
    expect(time.t.now).toBe(0);
    await f.close();
  });
});
