import { describe, expect, it } from 'vitest';
import type { ShareRecord } from '../../ledger/records.js';
import type { Job } from '../jobs.js';
import type { FoundBlock } from '../session.js';
import { InstanceOwner, InstanceSessions, RecentJobs, viewSessions } from './owner.js';
import { InstanceRounds } from './rounds.js';
import { ShareBatchEncoder } from './share-batch.js';

function owner() {
  const shares: ShareRecord[] = [];
  const rejected: string[] = [];
  const rates: string[] = [];
  const found: FoundBlock[] = [];
  const errors: unknown[] = [];
  const jobs = new RecentJobs(2);
  const o = new InstanceOwner({
    ledger: { recordShare: (s) => shares.push(s), recordRejected: (w) => rejected.push(w) },
    hashrate: { record: (w) => rates.push(w) },
    jobs,
    found: (f) => found.push(f),
    log: { error: (o: unknown) => errors.push(o) } as never,
  });
  return { o, shares, rejected, rates, found, errors, jobs };
}

const job = (id: number) => ({ id }) as Job;

describe('the primary as the owner of shares and blocks', () => {
  it('queues every reported share once and answers how far it got', () => {
    const t = owner();
    const batch = new ShareBatchEncoder();
    batch.addShare('a', 4, 1, 2);
    batch.addShare('a', 4, 1, 2);
    batch.addRejected('b', 3);
    const answer = t.o.onShares({ kind: 'shares', upTo: 7, ...batch.take() }, 0);
    expect(answer).toEqual({ kind: 'queued', upTo: 7 });
    expect(t.shares).toEqual([
      { worker: 'a', difficulty: 4, timeMs: 1, height: 2 },
      { worker: 'a', difficulty: 4, timeMs: 1, height: 2 },
    ]);
    expect(t.rates).toEqual(['a', 'a']);
    expect(t.rejected).toEqual(['b']);
  });

  it('submits a found block with the job the primary handed out', () => {
    const t = owner();
    t.jobs.remember(job(5));
    const nonce16 = new Uint8Array(16);
    const ok = t.o.onBlock(
      { kind: 'block', jobId: 5, nonce16, worker: 'w', shareDifficulty: 1, connectionId: 2, channelId: 3 },
      1,
    );
    expect(ok).toBe(true);
    expect(t.found).toEqual([
      { job: job(5), nonce16, worker: 'w', shareDifficulty: 1, connectionId: 2, channelId: 3 },
    ]);
  });

  it('logs a block on a job it has forgotten instead of submitting something else', () => {
    const t = owner();
    for (const id of [1, 2, 3]) t.jobs.remember(job(id));
    const m = {
      kind: 'block' as const,
      jobId: 1,
      nonce16: new Uint8Array(16),
      worker: 'w',
      shareDifficulty: 1,
    };
    expect(t.o.onBlock({ ...m, connectionId: 1, channelId: 1 }, 0)).toBe(false);
    expect(t.found).toHaveLength(0);
    expect(t.errors).toHaveLength(1);
  });

  it('shows the API every instance’s connections, and drops those of an instance that died', () => {
    const view = new InstanceSessions();
    const channel = { worker: 'x', difficulty: 8, creditedWorkers: new Map([['x.2', 5]]) };
    view.update(0, viewSessions([{ channels: new Map([[1, channel]]) }], 1));
    view.update(
      1,
      viewSessions(
        [{ channels: new Map() }, { channels: new Map([[1, { worker: 'y', difficulty: 2 }]]) }],
        2,
      ),
    );
    expect(view.size).toBe(3);
    const workers = [...view].flatMap((s) => [...s.channels.values()].map((c) => c.worker));
    expect(workers).toEqual(['x', 'y']);
    expect([...([...view][0]?.channels.values() ?? [])][0]?.creditedWorkers).toEqual(new Map([['x.2', 5]]));
    view.forget(0);
    expect(view.size).toBe(2);
  });

  it('asks the instances for their channels only when the API refreshes, once per second', async () => {
    const asked: Array<[number, number]> = [];
    let now = 10_000;
    const view = new InstanceSessions(
      new InstanceRounds({
        indexes: () => [0, 1],
        send: (index, request) => asked.push([index, request]),
        now: () => now,
      }),
    );
    expect(asked).toEqual([]);
    let done = false;
    const refreshing = view.refresh().then(() => {
      done = true;
    });
    // A second caller while the round is out shares it: no second question.
    void view.refresh();
    expect(asked.map(([i]) => i)).toEqual([0, 1]);
    const [[, r0], [, r1]] = asked as [[number, number], [number, number]];
    view.update(0, viewSessions([{ channels: new Map([[1, { worker: 'x', difficulty: 8 }]]) }], r0));
    await Promise.resolve();
    expect(done).toBe(false);
    view.update(1, viewSessions([], r1));
    await refreshing;
    expect(view.size).toBe(1);
    now += 500;
    await view.refresh();
    expect(asked).toHaveLength(2);
    now += 600;
    void view.refresh();
    expect(asked).toHaveLength(4);
  });

  it('stops waiting for an instance that does not answer, keeping its last report', async () => {
    const view = new InstanceSessions(new InstanceRounds({ indexes: () => [0], send: () => {}, waitMs: 20 }));
    view.update(0, viewSessions([{ channels: new Map() }], 0));
    const t0 = Date.now();
    await view.refresh();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(15);
    expect(view.size).toBe(1);
  });
});
