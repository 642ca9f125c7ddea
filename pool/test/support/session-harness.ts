import pino from 'pino';
import { PoolMetrics } from '../../src/api/metrics.js';
import { MAX_U256, targetToCompact, targetToU256Le } from '../../src/ckb/target.js';
import type { TemplateBlock } from '../../src/ckb/template.js';
import { accountPolicy } from '../../src/pool/account-policy.js';
import { parseConfig } from '../../src/pool/config.js';
import { ExtranonceAllocator } from '../../src/pool/extranonce.js';
import { type Job, JobBook, makeJob, powOutput } from '../../src/pool/jobs.js';
import type { PeerAccount } from '../../src/pool/peer-limits.js';
import { type FoundBlock, Session, type SessionContext } from '../../src/pool/session.js';
import { EXTENSION_CKB, type Sv2Message } from '../../src/sv2/messages/index.js';

/**
 * A pool session on a fake clock with a recording transport, for the session's handler tests
 * (pool/src/pool/session.test.ts and session/*.test.ts): it speaks to the session as a client
 * would and keeps what the session answered.
 */

export const EXT_CKB = EXTENSION_CKB;
export const EXT_WORKER = 0x0002;
export function fakeBlock(seed: number, compactTarget: number, number = 10n): TemplateBlock {
  const powHash = Uint8Array.from({ length: 32 }, (_, i) => (i * 7 + seed) & 0xff);
  const parentHash = Uint8Array.from({ length: 32 }, (_, i) => (i + seed) & 0xff);
  return {
    powHash,
    rawHeader: { compactTarget, number, parentHash },
    workId: 1n,
  } as unknown as TemplateBlock;
}

export interface Harness {
  ctx: SessionContext;
  session: Session;
  sent: Sv2Message[];
  closedWith: string[];
  found: FoundBlock[];
  jobs: JobBook;
  clock: { t: number };
  newJob(clean: boolean, compact?: number): Job;
}

/** Network difficulty 2^20 by default: shares of difficulty 1..16 are cheap, blocks are rare. */
export const NET_COMPACT = targetToCompact(MAX_U256 >> 20n);

export function harness(overrides: Record<string, unknown> = {}, peer?: PeerAccount): Harness {
  const config = parseConfig({
    chain: 'dev',
    node: { rpcUrl: 'http://127.0.0.1:1' },
    sv2: { authorityKeyFile: '/x' },
    vardiff: {
      minDifficulty: 1,
      initialDifficulty: 4,
      targetShareIntervalSeconds: 1,
      retargetPeriodSeconds: 10,
    },
    shares: { batchMaxCount: 3, batchMaxDelayMs: 50 },
    // Session tests name workers `alice`, `bob`…; tests of accounts.mode override it.
    accounts: { mode: 'any' },
    ...overrides,
  });
  const jobs = new JobBook(config.jobs.maxPastJobs);
  const clock = { t: 1_000_000 };
  const found: FoundBlock[] = [];
  const ctx: SessionContext = {
    chain: 'dev',
    config,
    accounts: accountPolicy(config.accounts.mode, 'dev'),
    jobs,
    allocator: new ExtranonceAllocator(3),
    metrics: new PoolMetrics(),
    ledger: null,
    now: () => clock.t,
    onBlockFound: (f) => found.push(f),
  };
  const sent: Sv2Message[] = [];
  const closedWith: string[] = [];
  const session = new Session(
    ctx,
    { send: (m) => sent.push(m), close: (r) => closedWith.push(r) },
    1,
    '127.0.0.1:1',
    pino({ level: 'silent' }),
    peer,
  );
  let seed = 0;
  const newJob = (clean: boolean, compact = NET_COMPACT) => {
    const job = makeJob(jobs.nextId(), fakeBlock(++seed, compact), clean, clock.t, 1000, clock.t);
    jobs.add(job);
    session.broadcastJob(job);
    return job;
  };
  return { ctx, session, sent, closedWith, found, jobs, clock, newJob };
}

export function setup(h: Harness, flags = 0): void {
  h.session.handle({
    type: 'SetupConnection',
    protocol: 0,
    minVersion: 2,
    maxVersion: 2,
    flags,
    endpointHost: 'pool',
    endpointPort: 3333,
    vendor: 'test',
    hardwareVersion: '',
    firmware: '',
    deviceId: '',
  });
}

export function negotiate(h: Harness): void {
  h.session.handle({ type: 'RequestExtensions', requestId: 1, requestedExtensions: [EXT_CKB] });
}

export function openStandard(h: Harness, maxTarget = MAX_U256, nominalHashRate = 0) {
  h.session.handle({
    type: 'OpenStandardMiningChannel',
    requestId: 9,
    userIdentity: 'alice.rig1',
    nominalHashRate,
    maxTarget: targetToU256Le(maxTarget),
  });
  const ok = h.sent.find((m) => m.type === 'OpenStandardMiningChannelSuccess');
  if (ok?.type !== 'OpenStandardMiningChannelSuccess') throw new Error('channel not opened');
  return ok;
}

/** The session's latest answer (a test that expected one fails here when there is none). */
export function last(h: Harness): Sv2Message {
  const m = h.sent.at(-1);
  if (!m) throw new Error('the session has sent nothing');
  return m;
}

/** Finds nonce suffixes whose PoW meets (or misses) a target. */
export function grind(
  job: Job,
  prefix: Uint8Array,
  want: (out: Uint8Array) => boolean,
  start = 0,
): { suffix: Uint8Array; next: number } {
  for (let i = start; ; i++) {
    const suffix = new Uint8Array(12);
    new DataView(suffix.buffer).setUint32(8, i);
    const nonce = new Uint8Array(16);
    nonce.set(prefix);
    nonce.set(suffix, 4);
    if (want(powOutput('dev', job, nonce))) return { suffix, next: i + 1 };
  }
}
