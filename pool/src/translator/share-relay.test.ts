import { performance } from 'node:perf_hooks';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { FAKE_VARDIFF } from '../../test/support/translator-fakes.js';
import { powOutputFromMidstate } from '../ckb/pow.js';
import { meetsTarget } from '../ckb/target.js';
import { V1Error } from '../stratum-v1/wire.js';
import type { ShareVerdict } from '../sv2/client/upstream.js';
import type { DeclareAnswer } from '../sv2/client/worker-declarations.js';
import { workerIdFromTlv } from '../sv2/messages/index.js';
import { TokenBucket } from '../sv2/rate-limit.js';
import { bindingOf, ChannelRegistry } from './channel-registry.js';
import { TranslatorJobBook } from './jobs.js';
import { TranslatorMetrics } from './metrics.js';
import { MinerTargets } from './miner-targets.js';
import { ShareRelay } from './share-relay.js';
import type { V1Session } from './v1-session.js';
import { WorkerIds } from './worker-ids.js';
import { WorkerNames } from './worker-names.js';

const ANY_HASH = 2n ** 256n - 1n; // every share meets it
const PREFIX = Uint8Array.of(9, 9, 9, 9);

/** A relay wired to a fake pool connection that records each submit and answers `verdict`. */
function setup(
  opts: {
    verdict?: ShareVerdict;
    /** The pool channel's target (default: every share meets it). */
    target?: bigint;
    /** The miner's own target for the job (default: every share meets it). */
    minerTarget?: bigint;
    burst?: number;
    workerHashrate?: boolean;
    /** The pool's answer to a 0x4CCB DeclareWorker (default: none, a pool without the carrier). */
    declare?: (name: string) => DeclareAnswer;
  } = {},
) {
  // What submit was called with: tlv undefined when the share carried no 0x0002 name.
  const submits: Array<{
    channelId: number;
    jobId: number;
    suffix: Uint8Array;
    tlv: Uint8Array | undefined;
    workerIdTlv?: Uint8Array | undefined;
  }> = [];
  const declared: Array<{ channelId: number; workerId: number; name: string }> = [];
  const upstream = {
    epoch: 1,
    connected: true,
    submit: (
      _epoch: number,
      channelId: number,
      jobId: number,
      suffix: Uint8Array,
      tlv?: Uint8Array,
      workerIdTlv?: Uint8Array,
    ) => {
      submits.push({ channelId, jobId, suffix, tlv, ...(workerIdTlv && { workerIdTlv }) });
      return Promise.resolve<ShareVerdict>(opts.verdict ?? { ok: true });
    },
    declareWorker: (_epoch: number, channelId: number, workerId: number, name: string) => {
      declared.push({ channelId, workerId, name });
      return Promise.resolve<DeclareAnswer>(opts.declare?.(name) ?? { ok: false, code: 'no-answer' });
    },
  };
  const jobs = new TranslatorJobBook();
  const { job } = jobs.record({
    epoch: 1,
    channelId: 100,
    jobId: 42,
    clean: true,
    height: 7n,
    powHash: new Uint8Array(32).fill(3),
    parentHash: new Uint8Array(32),
    compactTarget: 0x20010000,
  });
  const registry = new ChannelRegistry();
  const ch = registry.add(
    {
      epoch: 1,
      channelId: 5,
      groupChannelId: 100,
      extranoncePrefix: PREFIX,
      extranonceSize: 12,
      target: opts.target ?? ANY_HASH,
    },
    'translator',
    job,
  );
  const s = {
    subscribed: true,
    user: 'alice',
    extranonce1: PREFIX,
    extranonce2Size: 12,
    binding: null,
    log: pino({ level: 'silent' }),
  } as unknown as V1Session;
  registry.bind(s, ch);
  const targets = new MinerTargets(FAKE_VARDIFF);
  targets.sent(bindingOf(s).targets, job.v1Id, { miner: opts.minerTarget ?? ANY_HASH, channel: ch.target });
  const metrics = new TranslatorMetrics({ defaultMetrics: false });
  const limits: string[] = [];
  const relay = new ShareRelay({
    chain: 'dev',
    jobs,
    upstream,
    metrics,
    // 0.001 per second: nothing refills during a test.
    upstreamBudget: new TokenBucket(0.001, opts.burst ?? 100, performance.now()),
    workerNames: new WorkerNames(() => opts.workerHashrate ?? false),
    workerIds: new WorkerIds(upstream),
    limited: (r) => limits.push(r),
    targets,
  });
  return { relay, s, job, submits, limits, upstream, declared, ch, targets, jobs, metrics };
}

const en2 = (n: number) => n.toString(16).padStart(24, '0');

describe('ShareRelay', () => {
  it('forwards a share that passes the checks with its nonce suffix and reports the pool verdict', async () => {
    const t = setup();
    await expect(t.relay.submit(t.s, ['alice', t.job.v1Id, en2(1)])).resolves.toEqual({ ok: true });
    expect(t.submits).toHaveLength(1);
    expect(t.submits[0]).toMatchObject({ channelId: 5, jobId: 42, tlv: undefined });
    expect(t.submits[0]?.suffix).toHaveLength(12);
    expect([t.relay.accepted, t.relay.rejected]).toEqual([1, 0]);
  });

  it('tells the miner what the pool refused, in V1 terms', async () => {
    const t = setup({ verdict: { ok: false, code: 'stale-share' } });
    const out = await t.relay.submit(t.s, ['alice', t.job.v1Id, en2(1)]);
    expect(out).toEqual({ ok: false, code: V1Error.jobNotFound, message: 'Stale share' });
    expect(t.relay.rejected).toBe(1);
  });

  it('answers a replayed share as a duplicate without sending it to the pool again', async () => {
    const t = setup();
    await t.relay.submit(t.s, ['alice', t.job.v1Id, en2(1)]);
    const again = await t.relay.submit(t.s, ['alice', t.job.v1Id, en2(1)]);
    expect(again).toMatchObject({ ok: false, code: V1Error.duplicate });
    expect(t.submits).toHaveLength(1);
  });

  it('refuses before the pool: unknown job, wrong extranonce2 length, low difficulty, lost connection', async () => {
    const t = setup({ minerTarget: 0n });
    expect(await t.relay.submit(t.s, ['alice', 'ffff', en2(1)])).toMatchObject({ code: V1Error.jobNotFound });
    expect(await t.relay.submit(t.s, ['alice', t.job.v1Id, 'abcd'])).toMatchObject({
      code: V1Error.illegalParams,
    });
    expect(await t.relay.submit(t.s, ['alice', t.job.v1Id, en2(1)])).toMatchObject({
      code: V1Error.lowDifficulty,
    });
    t.upstream.connected = false;
    expect(await t.relay.submit(t.s, ['alice', t.job.v1Id, en2(2)])).toMatchObject({
      message: 'Job not found (pool connection lost)',
    });
    expect(t.submits).toHaveLength(0);
    expect(t.relay.rejected).toBe(4);
  });

  it('holds shares back when the upstream budget is spent and counts the limit', async () => {
    const t = setup({ burst: 1 });
    await t.relay.submit(t.s, ['alice', t.job.v1Id, en2(1)]);
    const out = await t.relay.submit(t.s, ['alice', t.job.v1Id, en2(2)]);
    expect(out).toMatchObject({ ok: false, code: V1Error.other });
    expect(t.limits).toEqual(['upstream_busy']);
    expect(t.submits).toHaveLength(1);
  });

  it('adds the 0x0002 name when the miner shares a channel under another name', async () => {
    const t = setup({ workerHashrate: true });
    await t.relay.submit(t.s, ['alice', t.job.v1Id, en2(1)]);
    expect(t.submits[0]?.tlv).toBeInstanceOf(Uint8Array);
    expect(bindingOf(t.s).workerTlv?.user).toBe('alice');
  });

  it('declares a long name once on the channel and sends every share with its worker_id, not 0x0002', async () => {
    const name = `${'ckt1q'.padEnd(97, 'x')}.rig1`;
    const t = setup({ workerHashrate: true, declare: () => ({ ok: true }) });
    (t.s as { user: string }).user = name;
    await t.relay.submit(t.s, [name, t.job.v1Id, en2(1)]);
    await t.relay.submit(t.s, [name, t.job.v1Id, en2(2)]);
    expect(t.declared).toEqual([{ channelId: 5, workerId: 1, name }]);
    expect(t.submits.map((x) => x.workerIdTlv && workerIdFromTlv(x.workerIdTlv))).toEqual([1, 1]);
    expect(t.submits.map((x) => x.tlv)).toEqual([undefined, undefined]);
  });

  it('refuses the shares of a name the pool refuses, telling the miner why, without sending them', async () => {
    const t = setup({ declare: () => ({ ok: false, code: 'not-an-address' }) });
    const out = await t.relay.submit(t.s, ['alice', t.job.v1Id, en2(1)]);
    expect(out).toMatchObject({ ok: false, code: V1Error.unauthorized });
    expect(out.ok === false && out.message).toMatch(/CKB address.*not-an-address/);
    expect(t.submits).toHaveLength(0);
  });

  it('falls back to the 0x0002 name when the pool never answers DeclareWorker, and stops asking', async () => {
    const t = setup({ workerHashrate: true });
    await t.relay.submit(t.s, ['alice', t.job.v1Id, en2(1)]);
    await t.relay.submit(t.s, ['alice', t.job.v1Id, en2(2)]);
    expect(t.declared).toHaveLength(1);
    expect(t.submits.map((x) => x.tlv instanceof Uint8Array && x.workerIdTlv === undefined)).toEqual([
      true,
      true,
    ]);
  });

  it('falls back to the 0x0002 name when a pool limit refuses the declaration', async () => {
    const t = setup({
      workerHashrate: true,
      declare: () => ({ ok: false, code: 'too-many-declared-workers' }),
    });
    await expect(t.relay.submit(t.s, ['alice', t.job.v1Id, en2(1)])).resolves.toEqual({ ok: true });
    expect(t.submits[0]?.tlv).toBeInstanceOf(Uint8Array);
    expect(t.submits[0]?.workerIdTlv).toBeUndefined();
  });

  it("accepts a share that meets the miner's target but not the channel's here, without forwarding it", async () => {
    const t = setup({ target: 0n });
    await expect(t.relay.submit(t.s, ['alice', t.job.v1Id, en2(1)])).resolves.toEqual({ ok: true });
    expect(t.submits).toHaveLength(0);
    expect([t.relay.accepted, t.relay.acceptedLocally, t.relay.rejected]).toEqual([1, 1, 0]);
    expect(await t.relay.submit(t.s, ['alice', t.job.v1Id, en2(1)])).toMatchObject({
      code: V1Error.duplicate,
    });
  });

  it("judges a share by the target its job went out with, not the miner's newer one", async () => {
    const easy = 1n << 254n; // difficulty 4
    const t = setup({ minerTarget: easy });
    // A nonce that meets difficulty 4 but not 64.
    const n = findNonce(t.job.midstate, (out) => meetsTarget(out, easy) && !meetsTarget(out, 1n << 250n));
    const b = bindingOf(t.s);
    // The miner was since sent a harder target with a later job: this job keeps its own.
    t.targets.sent(b.targets, 'later', { miner: 1n << 250n, channel: ANY_HASH });
    t.s.target = 1n << 250n;
    await expect(t.relay.submit(t.s, ['alice', t.job.v1Id, en2(n)])).resolves.toEqual({ ok: true });
  });

  it('refuses a share on a job this miner was never sent', async () => {
    const t = setup();
    const { job: other } = t.jobs.record({
      epoch: 1,
      channelId: 100,
      jobId: 43,
      clean: false,
      height: 7n,
      powHash: new Uint8Array(32).fill(4),
      parentHash: new Uint8Array(32),
      compactTarget: 0x20010000,
    });
    expect(await t.relay.submit(t.s, ['alice', other.v1Id, en2(1)])).toMatchObject({
      code: V1Error.jobNotFound,
    });
  });

  it("forwards a share by its job's channel target, not by a harder SetTarget that came after the job", async () => {
    // sv2-spec: SetTarget applies to jobs sent after it, and the pool judges a share by its
    // job's target; a share held back here would be answered true and credited to no one.
    const t = setup({ target: 1n << 254n });
    const n = findNonce(
      t.job.midstate,
      (out) => meetsTarget(out, 1n << 254n) && !meetsTarget(out, 1n << 250n),
    );
    t.ch.target = 1n << 250n; // SetTarget after the job: harder
    await expect(t.relay.submit(t.s, ['alice', t.job.v1Id, en2(n)])).resolves.toEqual({ ok: true });
    expect(t.submits).toHaveLength(1);
    expect(t.relay.acceptedLocally).toBe(0);
  });
});

/** The first extranonce2 counter whose PoW (on PREFIX) passes `ok`. */
function findNonce(midstate: Uint32Array, ok: (out: Uint8Array) => boolean): number {
  for (let n = 1; ; n++) {
    const nonce = new Uint8Array(16);
    nonce.set(PREFIX, 0);
    nonce.set(Buffer.from(en2(n), 'hex'), 4);
    if (ok(powOutputFromMidstate('dev', midstate, nonce))) return n;
  }
}
