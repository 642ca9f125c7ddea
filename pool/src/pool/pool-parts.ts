import type { Logger } from 'pino';
import { PoolMetrics } from '../api/metrics.js';
import type { PayoutLock } from '../ckb/cellbase-lock.js';
import { bytesToHex0x } from '../ckb/hex.js';
import { readNotifySecret } from '../ckb/notify.js';
import { CkbRpcClient } from '../ckb/rpc.js';
import type { LedgerStore } from '../ledger/store.js';
import { ByteBudget } from '../sv2/byte-budget.js';
import type { Sv2Connection } from '../sv2/connection.js';
import { EphemeralKeyPool, ServerIdentity } from '../sv2/noise/identity.js';
import { accountPolicy } from './account-policy.js';
import { AccountRegistry } from './account-registry.js';
import { Admission, AdmissionGate } from './admission.js';
import { type Background, startBackground } from './background.js';
import { BlockSubmitter } from './blocks.js';
import type { PoolConfig } from './config.js';
import { DeclaredWork } from './declared-work.js';
import { ExtranonceAllocator } from './extranonce.js';
import { HashrateTracker } from './hashrate.js';
import { JobFanout } from './job-fanout.js';
import { type Job, JobBook } from './jobs.js';
import { LedgerFlushing } from './ledger-flushing.js';
import { PeerLimits } from './peer-limits.js';
import { Pruner } from './pruning.js';
import { Session, type SessionContext, type SessionTransport } from './session.js';
import { SessionRegistry } from './session-registry.js';
import { SyncMonitor } from './sync-monitor.js';
import { TemplateSource } from './templates.js';

/**
 * The pool's parts, built and wired but not yet listening: what startPool composes. Each part
 * is one concern with its own tests; this file only connects their callbacks.
 */

export interface PoolParts {
  metrics: PoolMetrics;
  flushing: LedgerFlushing;
  ledger: LedgerStore;
  jobs: JobBook;
  hashrate: HashrateTracker;
  submitter: BlockSubmitter;
  registry: SessionRegistry<Session, Sv2Connection>;
  sync: SyncMonitor;
  fanout: JobFanout<Session>;
  templates: TemplateSource;
  gate: AdmissionGate;
  admission: Admission;
  pruner: Pruner;
  ephemeralPool: EphemeralKeyPool;
  background: Background;
  /** The registry `accounts.mode: registered` reads (null in other modes); close() stops it. */
  accounts: AccountRegistry | null;
  /** The Noise identity (authority-signed certificate) of the SV2 and JD listeners. */
  identity: ServerIdentity;
  /** The JDS's accepted declarations when `jd.listen` is set (the JD listener feeds it). */
  jd: DeclaredWork | null;
}

function payoutLockOf(config: PoolConfig): PayoutLock | null {
  const { codeHash, hashType, args } = config.node.payoutLock;
  return codeHash && hashType && args ? { codeHash, hashType, args } : null;
}

export function warnOnTightBurst(config: PoolConfig, log: Logger): void {
  const { maxMessagesPerSecond, maxMessageBurst } = config.limits;
  if (maxMessagesPerSecond > 0 && maxMessageBurst < config.sv2.maxChannelsPerConnection) {
    log.warn(
      { burst: maxMessageBurst, maxChannelsPerConnection: config.sv2.maxChannelsPerConnection },
      'limits.maxMessageBurst is below sv2.maxChannelsPerConnection: a proxy that reopens all its channels at once will be closed for rate-limit',
    );
  }
}

/** What a caller adds to the parts: the primary of several instances hands each job on. */
export interface PartsHooks {
  onJob?(job: Job): void;
}

/** Builds every part. Opens the ledger (throws naming ledger.path or ledger.url) and starts timers. */
export async function assembleParts(
  config: PoolConfig,
  authoritySecret: Uint8Array,
  log: Logger,
  processMetrics: boolean,
  hooks: PartsHooks = {},
): Promise<PoolParts> {
  const notifySecret = config.node.notifySecretFile ? readNotifySecret(config.node.notifySecretFile) : null;
  const metrics = new PoolMetrics({ defaultMetrics: processMetrics });
  warnOnTightBurst(config, log);
  const { ledger: ledgerConfig } = config;
  const flushing = await LedgerFlushing.open(ledgerConfig, {
    flushIntervalMs: ledgerConfig.flushIntervalMs,
    metrics,
    log,
  });
  const ledger = flushing.ledger;
  const accounts = await openAccountRegistry(config, ledger, log);
  const rpc = new CkbRpcClient(config.node.rpcUrl, { timeoutMs: config.node.rpcTimeoutMs });
  const jobs = new JobBook(config.jobs.maxPastJobs);
  const blocksLog = log.child({ part: 'blocks' });
  const submitter = new BlockSubmitter({
    rpc,
    ledger,
    metrics,
    log: blocksLog,
    pplnsWindowFactor: config.pplns.windowFactor,
  });
  const registry = new SessionRegistry<Session, Sv2Connection>(metrics.connectionsRejected);
  const sync = new SyncMonitor(rpc, (tip) => metrics.nodeHeight.set(Number(tip)));
  const ephemeralPool = new EphemeralKeyPool({ size: 64 });
  ephemeralPool.start();
  const hashrate = new HashrateTracker();
  const peerLimits = newPeerLimits(config.limits);
  const background = startBackground(log, () => peerLimits.channels);
  const jd = config.jd.listen
    ? new DeclaredWork(() => jobs.nextId(), config.shares.maxDuplicateEntriesPerJob)
    : null;
  const fanout = new JobFanout({
    jobs,
    registry,
    submitter,
    metrics,
    log,
    maxDuplicateEntriesPerJob: config.shares.maxDuplicateEntriesPerJob,
    // Templates flow again: no need to wait for the next sync poll to report healthy.
    onJob: (job) => {
      if (!sync.synced) void sync.check();
      if (job.clean) jd?.keepParent(bytesToHex0x(job.parentHash));
      hooks.onJob?.(job);
    },
  });
  const templates = newTemplateSource(config, rpc, notifySecret, metrics, log, fanout, sync);
  sync.start(config.node.pollIntervalMs);
  const ctx: SessionContext = {
    vardiffWheel: background.vardiffWheel,
    channelActivity: background.channelActivity,
    chain: config.chain,
    config,
    accounts: accountPolicy(config.accounts.mode, config.chain, accounts ?? undefined),
    jobs,
    allocator: new ExtranonceAllocator(config.sv2.instanceId),
    metrics,
    ledger,
    hashrate,
    ...(jd && { jd }),
    now: Date.now,
    onBlockFound: (f) => {
      submitter.found(f).catch((err: unknown) => {
        // Assembling the block failed (a bug, never bad input): keep serving, shout.
        log.fatal({ err: (err as Error).message, job: f.job.id }, 'could not assemble a found block');
        metrics.blocks.inc({ outcome: 'assemble_error' });
      });
    },
  };
  const identity = new ServerIdentity({
    authoritySecret,
    validitySeconds: config.sv2.certificateValiditySeconds,
  });
  const gate = new AdmissionGate(config.limits, peerLimits, metrics);
  const admission = newAdmission(config, { gate, identity, ephemeralPool, registry, ctx, metrics, log });
  const pruner = new Pruner(hashrate, ledger, ledgerConfig.shareRetentionHours, log);
  return {
    ...{ metrics, flushing, ledger, jobs, hashrate, submitter, registry, sync, fanout },
    ...{ templates, gate, admission, pruner, ephemeralPool, background, accounts, identity, jd },
  };
}

/** The registry, loaded before the pool listens, when `accounts.mode` is `registered`. */
async function openAccountRegistry(
  config: PoolConfig,
  ledger: LedgerStore,
  log: Logger,
): Promise<AccountRegistry | null> {
  if (config.accounts.mode !== 'registered') return null;
  const registry = new AccountRegistry(ledger, log.child({ part: 'accounts' }));
  await registry.start();
  return registry;
}

export function newPeerLimits(limits: PoolConfig['limits']): PeerLimits {
  return new PeerLimits({
    maxChannels: limits.maxChannels,
    maxChannelsPerIp: limits.maxChannelsPerIp,
    maxWorkerNamesPerIp: limits.maxWorkerNamesPerIp,
    ipMessageRate: { perSecond: limits.maxMessagesPerSecondPerIp, burst: limits.maxMessageBurstPerIp },
  });
}

function newTemplateSource(
  config: PoolConfig,
  rpc: CkbRpcClient,
  notifySecret: string | null,
  metrics: PoolMetrics,
  log: Logger,
  fanout: JobFanout<Session>,
  sync: SyncMonitor,
): TemplateSource {
  let lastRefusal: string | null = null;
  return new TemplateSource({
    rpc,
    subscribeAddress: config.node.subscribeAddress,
    notifyListen: config.node.notifyListen,
    notifySecret,
    payoutLock: payoutLockOf(config),
    onRefused: (reason, problem) => {
      metrics.templatesRefused.inc({ reason });
      // Every poll of a misconfigured node repeats it: log each new problem once.
      if (problem !== lastRefusal) log.error({ reason, problem }, 'block template refused');
      lastRefusal = problem;
    },
    pollIntervalMs: config.node.pollIntervalMs,
    minUpdateIntervalMs: config.jobs.minUpdateIntervalMs,
    log: log.child({ part: 'templates' }),
    onTemplate: fanout.onTemplate,
    onTip: (n) => sync.sawTip(n),
  });
}

export interface AdmissionParts {
  gate: AdmissionGate;
  identity: ServerIdentity;
  ephemeralPool: EphemeralKeyPool;
  registry: SessionRegistry<Session, Sv2Connection>;
  ctx: SessionContext;
  metrics: PoolMetrics;
  log: Logger;
}

export function newAdmission(config: PoolConfig, p: AdmissionParts): Admission {
  const limits = config.limits;
  return new Admission({
    gate: p.gate,
    accept: {
      identity: p.identity,
      ephemeralPool: p.ephemeralPool,
      handshakeTimeoutMs: limits.handshakeTimeoutMs,
      maxPayload: limits.maxFrameBytes,
      idleTimeoutMs: limits.idleTimeoutMs,
      messageRate: { perSecond: limits.maxMessagesPerSecond, burst: limits.maxMessageBurst },
      frameTimeoutMs: limits.frameTimeoutMs,
      pendingFrameBytes: new ByteBudget(limits.maxPendingFrameBytes),
    },
    handshakeTimeoutMs: limits.handshakeTimeoutMs,
    registry: p.registry,
    newSession: (conn, admitted, clog) => {
      const transport: SessionTransport = {
        send: (m) => {
          conn.send(m);
        },
        sendFrame: (frame) => {
          conn.sendFrame(frame);
        },
        close: (reason) => conn.close('local-close', reason),
      };
      return new Session(p.ctx, transport, admitted.connId, conn.remoteAddress, clog, admitted.peer);
    },
    metrics: p.metrics,
    log: p.log,
  });
}
