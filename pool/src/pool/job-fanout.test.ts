import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { PoolMetrics } from '../api/metrics.js';
import { MAX_U256, targetToCompact } from '../ckb/target.js';
import type { TemplateBlock } from '../ckb/template.js';
import { outboundBatch } from '../sv2/outbound-batch.js';
import { type FanoutSession, JobFanout } from './job-fanout.js';
import { type Job, JobBook } from './jobs.js';
import { type RegisteredConnection, SessionRegistry } from './session-registry.js';
import type { TemplateEvent } from './templates.js';

const silent = pino({ level: 'silent' });

function fakeBlock(seed: number, number: bigint): TemplateBlock {
  return {
    powHash: Uint8Array.from({ length: 32 }, (_, i) => (i * 7 + seed) & 0xff),
    rawHeader: { compactTarget: targetToCompact(MAX_U256 >> 20n), number, parentHash: new Uint8Array(32) },
    workId: 1n,
  } as unknown as TemplateBlock;
}

function template(number: bigint, clean: boolean, receivedAtMs = 0): TemplateEvent {
  return { block: fakeBlock(Number(number), number), clean, receivedAtMs, source: 'poll' };
}

class FakeSession implements FanoutSession {
  readonly log = silent;
  readonly got: Job[] = [];
  constructor(private readonly fail = false) {}
  broadcastJob(job: Job): number {
    if (this.fail) throw new Error('encoder blew up');
    this.got.push(job);
    return 1;
  }
}

function fakeConnection() {
  const c = {
    closed: [] as string[],
    socket: { writableLength: 0, destroy: () => {} },
    close: (_r: 'local-close', message: string) => {
      c.closed.push(message);
    },
  };
  return c satisfies RegisteredConnection;
}

function setup() {
  const registry = new SessionRegistry<FakeSession>({ inc: () => {} });
  const calls = { confirmations: [] as bigint[], resubmits: [] as Array<bigint | null> };
  const submitter = {
    checkConfirmations: async (tip: bigint) => {
      calls.confirmations.push(tip);
    },
    resubmitUnresolved: (tip: bigint | null) => {
      calls.resubmits.push(tip);
      return Promise.resolve(0);
    },
  };
  const jobs = new JobBook(4);
  const afterJob: Job[] = [];
  const fanout = new JobFanout({
    jobs,
    registry,
    submitter,
    metrics: new PoolMetrics(),
    log: silent,
    maxDuplicateEntriesPerJob: 1000,
    onJob: (j) => afterJob.push(j),
    now: () => 5_000,
  });
  return { registry, calls, jobs, fanout, afterJob };
}

describe('JobFanout', () => {
  it('turns a template into the current job and sends it to every session', () => {
    const { registry, jobs, fanout } = setup();
    const a = new FakeSession();
    const b = new FakeSession();
    registry.add(a, fakeConnection());
    registry.add(b, fakeConnection());
    fanout.onTemplate(template(100n, true));
    expect(jobs.current?.height).toBe(100n);
    expect(a.got.map((j) => j.id)).toEqual([jobs.current?.id]);
    expect(b.got.map((j) => j.id)).toEqual([jobs.current?.id]);
  });

  it('closes a session whose broadcast throws and still reaches the sessions after it', () => {
    const { registry, fanout } = setup();
    const broken = new FakeSession(true);
    const brokenLink = fakeConnection();
    const healthy = new FakeSession();
    registry.add(broken, brokenLink);
    registry.add(healthy, fakeConnection());
    fanout.onTemplate(template(100n, true));
    expect(brokenLink.closed).toEqual(['internal error']);
    expect(healthy.got).toHaveLength(1);
  });

  it('seals for every session inside one outbound batch and judges slow readers after the writes', () => {
    const { registry, fanout } = setup();
    const open: boolean[] = [];
    class BatchSession extends FakeSession {
      override broadcastJob(job: Job): number {
        open.push(outboundBatch.open);
        return super.broadcastJob(job);
      }
    }
    const conns = [fakeConnection(), fakeConnection()];
    const sessions = [new BatchSession(), new BatchSession()];
    for (const [i, s] of sessions.entries()) registry.add(s, conns[i] as ReturnType<typeof fakeConnection>);
    // The second connection's bytes pile up only once the batch writes them.
    let flushed = false;
    (conns[1] as ReturnType<typeof fakeConnection>).socket = {
      get writableLength() {
        return flushed ? 5 * 1024 * 1024 : 0;
      },
      destroy: () => {},
    };
    const realRun = outboundBatch.run.bind(outboundBatch);
    outboundBatch.run = <T>(fn: () => T): T => {
      const out = realRun(fn);
      flushed = true;
      return out;
    };
    try {
      fanout.onTemplate(template(10n, true));
    } finally {
      outboundBatch.run = realRun;
    }
    expect(open).toEqual([true, true]);
    expect(outboundBatch.open).toBe(false);
    expect((conns[0] as ReturnType<typeof fakeConnection>).closed).toEqual([]);
    expect((conns[1] as ReturnType<typeof fakeConnection>).closed).toEqual(['client does not read']);
  });

  it('resubmits pending blocks on the first job of a run only', () => {
    const { calls, fanout } = setup();
    fanout.onTemplate(template(100n, true));
    fanout.onTemplate(template(101n, true));
    expect(calls.resubmits).toEqual([99n]);
  });

  it('checks confirmations below clean jobs but not below updates', () => {
    const { calls, fanout } = setup();
    fanout.onTemplate(template(100n, true));
    fanout.onTemplate(template(100n, false));
    fanout.onTemplate(template(101n, true));
    expect(calls.confirmations).toEqual([99n, 100n]);
  });

  it('wakes everyone waiting for a job and tells the pool after each job', async () => {
    const { fanout, afterJob } = setup();
    const waiting = [fanout.waitForJob(1_000), fanout.waitForJob(1_000)];
    fanout.onTemplate(template(7n, true));
    const got = await Promise.all(waiting);
    expect(got.map((j) => j.height)).toEqual([7n, 7n]);
    expect(afterJob.map((j) => j.height)).toEqual([7n]);
  });

  it('answers a wait at once when a job exists already', async () => {
    const { fanout } = setup();
    fanout.onTemplate(template(8n, true));
    await expect(fanout.waitForJob(1)).resolves.toMatchObject({ height: 8n });
  });

  it('rejects a wait that outlasts its timeout with no template', async () => {
    const { fanout } = setup();
    await expect(fanout.waitForJob(10)).rejects.toThrow('no job within 10 ms');
  });
});
