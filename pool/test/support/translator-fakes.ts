import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import pino from 'pino';
import { difficultyToTarget } from '../../src/ckb/target.js';
import { DEFAULT_DIALECT } from '../../src/stratum-v1/dialects/index.js';
import type {
  OpenedChannel,
  UpstreamEvents as UpstreamEventMap,
  UpstreamJob,
} from '../../src/sv2/client/upstream.js';
import type { DeclareAnswer } from '../../src/sv2/client/worker-declarations.js';
import { TokenBucket } from '../../src/sv2/rate-limit.js';
import { ChannelAssigner } from '../../src/translator/channel-assigner.js';
import { ChannelHashrates } from '../../src/translator/channel-hashrate.js';
import { ChannelRegistry, MinerIndexes } from '../../src/translator/channel-registry.js';
import { TranslatorJobBook } from '../../src/translator/jobs.js';
import { TranslatorMetrics } from '../../src/translator/metrics.js';
import { MinerTargets } from '../../src/translator/miner-targets.js';
import type { MinerVardiffSettings } from '../../src/translator/miner-vardiff.js';
import type { TranslatorMode } from '../../src/translator/types.js';
import { UpstreamEvents } from '../../src/translator/upstream-events.js';
import type { V1Session } from '../../src/translator/v1-session.js';

/*
 * The translator's parts wired to a fake pool connection and fake V1 sessions, for the tests
 * of channel-assigner, upstream-events and v1-host.
 */

/** A pool connection that opens channels 1, 2, … (or refuses with `refuse`) and records closes. */
export class FakeUpstream extends EventEmitter<UpstreamEventMap> {
  epoch = 1;
  connected = true;
  workerHashrate = false;
  refuse: string | null = null;
  opened: string[] = [];
  nominalHashRates: number[] = [];
  closed: number[] = [];
  /** UpdateChannel messages: [channel id, nominal hashrate]. */
  updates: Array<[number, number]> = [];
  private nextId = 1;
  openChannel(_kind: 'extended' | 'standard', name: string, nominalHashRate = 0): Promise<OpenedChannel> {
    if (this.refuse) return Promise.reject(new Error(`OpenMiningChannel.Error ${this.refuse}`));
    this.opened.push(name);
    this.nominalHashRates.push(nominalHashRate);
    const channelId = this.nextId++;
    return Promise.resolve({
      epoch: this.epoch,
      channelId,
      groupChannelId: 100,
      extranoncePrefix: Uint8Array.of(0, 0, 0, channelId),
      extranonceSize: 12,
      target: 1000n,
    });
  }
  closeChannel(_epoch: number, channelId: number): void {
    this.closed.push(channelId);
  }
  /** 0x4CCB declarations sent; answered by `declareAnswer` (default: an older pool's silence). */
  declared: Array<{ channelId: number; workerId: number; name: string }> = [];
  declareAnswer: (name: string) => DeclareAnswer = () => ({ ok: false, code: 'no-answer' });
  declareWorker(_epoch: number, channelId: number, workerId: number, name: string): Promise<DeclareAnswer> {
    this.declared.push({ channelId, workerId, name });
    return Promise.resolve(this.declareAnswer(name));
  }
  latestJob(): UpstreamJob | null {
    return null;
  }
  updateChannel(_epoch: number, channelId: number, nominalHashRate: number): boolean {
    this.updates.push([channelId, nominalHashRate]);
    return true;
  }
}

/**
 * Per-miner vardiff of the fakes: miners start at difficulty 1024 (target FAKE_START_TARGET), the
 * guess itself (no margin), settled at once (not measured first).
 */
export const FAKE_VARDIFF: MinerVardiffSettings = {
  startDifficulty: 1024,
  minDifficulty: 1,
  maxDifficulty: 2 ** 40,
  targetShareIntervalSeconds: 1,
  retargetPeriodSeconds: 10,
  maxStep: 4,
  guessMargin: 1,
  measureSeconds: 0,
  measureRate: 1,
};
export const FAKE_START_TARGET = difficultyToTarget(1024n);

/** A V1 session as the parts see it: records what it is sent. */
export function fakeSession(user: string | null = 'alice') {
  const sent: string[] = [];
  const s = {
    user,
    subscribed: true,
    extranonceSubscribed: true,
    get takesNewExtranonce() {
      return s.extranonceSubscribed;
    },
    dialect: DEFAULT_DIALECT,
    suggestedTarget: null as bigint | null,
    requestedTarget: null as bigint | null,
    extranonce1: new Uint8Array(0),
    extranonce2Size: 0,
    target: null as bigint | null,
    binding: null,
    closed: false,
    log: pino({ level: 'silent' }),
    sendTarget(t: bigint) {
      s.target = t;
      sent.push(`target ${t}`);
    },
    sendJob(j: { jobId: string; clean: boolean }) {
      sent.push(`job ${j.jobId}${j.clean ? ' clean' : ''}`);
    },
    sendExtranonce() {
      sent.push('extranonce');
    },
    close() {
      s.closed = true;
      sent.push('close');
    },
  };
  return { s: s as unknown as V1Session, sent, raw: s };
}

export function setup(mode: TranslatorMode, now: () => number = Date.now) {
  const upstream = new FakeUpstream();
  const targets = new MinerTargets(FAKE_VARDIFF, now);
  const hashrates = new ChannelHashrates({
    upstream,
    upstreamBudget: new TokenBucket(0, 1_000, performance.now()),
    minIntervalMs: FAKE_VARDIFF.retargetPeriodSeconds * 1000,
    now,
  });
  const registry = new ChannelRegistry();
  const jobs = new TranslatorJobBook();
  const metrics = new TranslatorMetrics({ defaultMetrics: false });
  const recordJob = (uj: UpstreamJob) => jobs.record(uj).job;
  const assigner = new ChannelAssigner({
    mode,
    identity: 'translator',
    upstream,
    registry,
    indexes: new MinerIndexes(),
    upstreamBudget: new TokenBucket(0, 1, performance.now()),
    metrics,
    limited: () => {},
    recordJob,
    targets,
    hashrates,
  });
  const sessions = new Set<V1Session>();
  const events = new UpstreamEvents({
    mode,
    identity: 'translator',
    upstream: upstream as never,
    sessions,
    registry,
    assigner,
    jobs,
    metrics,
    recordJob,
    hashrates,
  });
  return { upstream, registry, assigner, sessions, events, jobs, metrics, targets, hashrates };
}

export const tick = () => new Promise((r) => setImmediate(r));

export const job = (channelId: number, jobId: number, epoch = 1): UpstreamJob => ({
  epoch,
  channelId,
  jobId,
  clean: true,
  height: 1n,
  powHash: new Uint8Array(32).fill(jobId),
  parentHash: new Uint8Array(32),
  compactTarget: 0,
});
