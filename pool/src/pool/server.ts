import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:net';
import pino, { type Logger } from 'pino';
import { type ApiServer, type ApiServerLimits, startApiServer } from '../api/http.js';
import { PoolMetrics } from '../api/metrics.js';
import type { PayoutLock } from '../ckb/cellbase-lock.js';
import { readNotifySecret } from '../ckb/notify.js';
import { CkbRpcClient } from '../ckb/rpc.js';
import type { Ledger } from '../ledger/ledger.js';
import { LedgerReader } from '../ledger/reader.js';
import { ByteBudget } from '../sv2/byte-budget.js';
import type { Sv2Connection } from '../sv2/connection.js';
import type { Sv2Message } from '../sv2/messages/index.js';
import { EphemeralKeyPool, ServerIdentity } from '../sv2/noise/identity.js';
import { authorityPublicFromSecret, encodeAuthorityPubkey } from '../sv2/noise/keys.js';
import { Admission, AdmissionGate } from './admission.js';
import { buildApiSource } from './api-source.js';
import { startBackground } from './background.js';
import { BlockSubmitter } from './blocks.js';
import { type PoolConfig, parseHostPort } from './config.js';
import { ExtranonceAllocator } from './extranonce.js';
import { HashrateTracker } from './hashrate.js';
import { readAuthoritySecret } from './identity.js';
import { JobFanout } from './job-fanout.js';
import { type Job, JobBook } from './jobs.js';
import { LedgerFlushing } from './ledger-flushing.js';
import { PeerLimits } from './peer-limits.js';
import { Pruner } from './pruning.js';
import { Session, type SessionContext } from './session.js';
import { SessionRegistry } from './session-registry.js';
import { SyncMonitor } from './sync-monitor.js';
import { TemplateSource } from './templates.js';

/**
 * The pool process: template source → jobs → SV2 sessions over Noise, share validation, block
 * submission, ledger, metrics and the HTTP API, wired together. `startPool(config)` is what
 * `ckb-pool serve` runs and what the translator/dev tooling embed.
 */

export interface StartPoolOptions {
  /** Logger to use (default: pino JSON on stdout at config.log.level). */
  logger?: Logger;
  /** The authority secret (overrides sv2.authorityKeyFile; tests and `dev`). */
  authoritySecret?: Uint8Array;
  /** Collect Node process metrics too (default true for serve, off in tests). */
  processMetrics?: boolean;
}

export interface RunningPool {
  /** host:port the SV2 listener is bound to. */
  sv2Address: string;
  /** Base URL of the HTTP API (/metrics, /health, /api/v1/...). */
  apiUrl: string;
  /** The authority public key miners pin (base58check). */
  authorityPubkey: string;
  /** `stratum2+tcp://host:port/AUTHORITY` for local clients. */
  poolUrl: string;
  metrics: PoolMetrics;
  ledger: Ledger;
  /** The job miners are currently given (null until the first template). */
  currentJob(): Job | null;
  /** Resolves when the pool has a job (templates flow). */
  waitForJob(timeoutMs?: number): Promise<Job>;
  /** Sends Reconnect to every client, drains, closes everything. Idempotent. */
  close(): Promise<void>;
}

/** How long a shutdown waits for clients to leave after Reconnect (see ledger-flushing.ts). */
export { DRAIN_GRACE_MS } from './ledger-flushing.js';

function payoutLockOf(config: PoolConfig): PayoutLock | null {
  const { codeHash, hashType, args } = config.node.payoutLock;
  return codeHash && hashType && args ? { codeHash, hashType, args } : null;
}

function apiLimits(api: PoolConfig['api']): ApiServerLimits {
  const { listen: _listen, ...limits } = api;
  return limits;
}

export async function startPool(config: PoolConfig, opts: StartPoolOptions = {}): Promise<RunningPool> {
  const log = opts.logger ?? pino({ level: config.log.level, base: { svc: 'ckb-pool' } });
  // The key first: a missing or bad key file must fail before anything is opened.
  const authoritySecret = opts.authoritySecret ?? readAuthoritySecret(config.sv2.authorityKeyFile);
  const authorityPubkey = encodeAuthorityPubkey(authorityPublicFromSecret(authoritySecret));
  const notifySecret = config.node.notifySecretFile ? readNotifySecret(config.node.notifySecretFile) : null;
  const metrics = new PoolMetrics({ defaultMetrics: opts.processMetrics ?? false });
  const messageRate = {
    perSecond: config.limits.maxMessagesPerSecond,
    burst: config.limits.maxMessageBurst,
  };
  if (messageRate.perSecond > 0 && messageRate.burst < config.sv2.maxChannelsPerConnection) {
    log.warn(
      { burst: messageRate.burst, maxChannelsPerConnection: config.sv2.maxChannelsPerConnection },
      'limits.maxMessageBurst is below sv2.maxChannelsPerConnection: a proxy that reopens all its channels at once will be closed for rate-limit',
    );
  }
  const flushing = new LedgerFlushing({
    path: config.ledger.path,
    flushIntervalMs: config.ledger.flushIntervalMs,
    metrics,
    log,
  });
  const ledger = flushing.ledger;
  const rpc = new CkbRpcClient(config.node.rpcUrl, { timeoutMs: config.node.rpcTimeoutMs });
  const jobs = new JobBook(config.jobs.maxPastJobs);
  const allocator = new ExtranonceAllocator(config.sv2.instanceId);
  const submitter = new BlockSubmitter({
    rpc,
    ledger,
    metrics,
    log: log.child({ part: 'blocks' }),
    pplnsWindowFactor: config.pplns.windowFactor,
  });
  const registry = new SessionRegistry<Session, Sv2Connection>(metrics.connectionsRejected);
  const sync = new SyncMonitor(rpc, (tip) => metrics.nodeHeight.set(Number(tip)));

  const identity = new ServerIdentity({
    authoritySecret,
    validitySeconds: config.sv2.certificateValiditySeconds,
  });
  const ephemeralPool = new EphemeralKeyPool({ size: 64 });
  ephemeralPool.start();

  const hashrate = new HashrateTracker();
  const limits = config.limits;
  const peerLimits = new PeerLimits({
    maxChannels: limits.maxChannels,
    maxChannelsPerIp: limits.maxChannelsPerIp,
    maxWorkerNamesPerIp: limits.maxWorkerNamesPerIp,
    ipMessageRate: { perSecond: limits.maxMessagesPerSecondPerIp, burst: limits.maxMessageBurstPerIp },
  });
  const pendingFrameBytes = new ByteBudget(limits.maxPendingFrameBytes);
  const background = startBackground(log, () => peerLimits.channels);
  const ctx: SessionContext = {
    vardiffWheel: background.vardiffWheel,
    channelActivity: background.channelActivity,
    chain: config.chain,
    config,
    jobs,
    allocator,
    metrics,
    ledger,
    hashrate,
    now: Date.now,
    onBlockFound: (f) => {
      try {
        submitter.found(f);
      } catch (err) {
        // Assembling the block failed (a bug, never bad input): keep serving, shout.
        log.fatal({ err: (err as Error).message, job: f.job.id }, 'could not assemble a found block');
        metrics.blocks.inc({ outcome: 'assemble_error' });
      }
    },
  };

  const fanout = new JobFanout({
    jobs,
    registry,
    submitter,
    metrics,
    log,
    maxDuplicateEntriesPerJob: config.shares.maxDuplicateEntriesPerJob,
    // Templates flow again: no need to wait for the next sync poll to report healthy.
    onJob: () => {
      if (!sync.synced) void sync.check();
    },
  });
  let lastRefusal: string | null = null;
  const templates = new TemplateSource({
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

  sync.start(config.node.pollIntervalMs);

  // ---- SV2 listener ------------------------------------------------------------------------
  const gate = new AdmissionGate(config.limits, peerLimits, metrics);
  const admission = new Admission({
    gate,
    accept: {
      identity,
      ephemeralPool,
      handshakeTimeoutMs: limits.handshakeTimeoutMs,
      maxPayload: limits.maxFrameBytes,
      idleTimeoutMs: limits.idleTimeoutMs,
      messageRate,
      frameTimeoutMs: limits.frameTimeoutMs,
      pendingFrameBytes,
    },
    handshakeTimeoutMs: limits.handshakeTimeoutMs,
    registry,
    newSession: (conn, admitted, clog) =>
      new Session(
        ctx,
        {
          send: (m: Sv2Message) => {
            conn.send(m);
          },
          sendFrame: (frame: Uint8Array) => {
            conn.sendFrame(frame);
          },
          close: (reason: string) => conn.close('local-close', reason),
        },
        admitted.connId,
        conn.remoteAddress,
        clog,
        admitted.peer,
      ),
    metrics,
    log,
  });

  const server: Server = createServer({ noDelay: true }, admission.onSocket);
  server.on('error', (err) => log.error({ err: err.message }, 'SV2 listener error'));
  const sv2 = parseHostPort(config.sv2.listen, 'sv2.listen');
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(sv2.port, sv2.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    ephemeralPool.stop();
    background.stop();
    ledger.close();
    throw new Error(`sv2.listen ${config.sv2.listen}: ${(err as Error).message}`);
  }
  const addr = server.address() as AddressInfo;
  const hostText = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const sv2Address = `${hostText}:${addr.port}`;

  const pruner = new Pruner(hashrate, ledger, config.ledger.shareRetentionHours, log);
  pruner.start();

  // ---- API ----------------------------------------------------------------------------------
  const apiAddr = parseHostPort(config.api.listen, 'api.listen');
  let api: ApiServer;
  let reader: LedgerReader;
  try {
    reader = new LedgerReader(config.ledger.path, ledger.db);
  } catch (err) {
    server.close();
    ephemeralPool.stop();
    ledger.close();
    throw new Error(`ledger.path ${config.ledger.path}: read-only connection: ${(err as Error).message}`);
  }
  const source = buildApiSource({
    config,
    ledger: reader,
    metrics,
    hashrate,
    sessions: registry.sessions,
    jobs,
    templates,
    getNodeTip: () => sync.tip,
    getSync: () => sync.sync(),
    authorityPubkey,
  });
  try {
    api = await startApiServer(
      apiAddr.host,
      apiAddr.port,
      source,
      (err) => log.error({ err: (err as Error).message }, 'API error'),
      apiLimits(config.api),
    );
  } catch (err) {
    server.close();
    ephemeralPool.stop();
    reader.close();
    background.stop();
    ledger.close();
    throw new Error(`api.listen ${config.api.listen}: ${(err as Error).message}`);
  }

  await sync.check();
  await templates.start();
  const poolUrl = `stratum2+tcp://${hostText === '0.0.0.0' || hostText === '[::]' ? '127.0.0.1' : hostText}:${addr.port}/${authorityPubkey}`;
  log.info(
    { sv2: sv2Address, api: api.url, authority: authorityPubkey, chain: config.chain },
    'pool listening',
  );

  let closePromise: Promise<void> | null = null;
  const close = () => {
    closePromise ??= (async () => {
      gate.shutDown();
      log.info({ connections: registry.size }, 'shutting down: asking clients to reconnect');
      background.stop();
      pruner.stop();
      sync.stop();
      server.close();
      await templates.close();
      for (const s of registry.sessions) s.sendReconnect();
      // Drain: clients that got Reconnect leave on their own; until they do (or the grace ends)
      // their shares still in flight are validated and recorded, and acknowledged at once
      // instead of batched, since a client may leave at any moment.
      await flushing.drain(registry);
      registry.closeAll('pool shutting down');
      await submitter.close();
      ephemeralPool.stop();
      await api.close();
      registry.destroyAll();
      reader.close();
      flushing.close();
      log.info('pool stopped');
    })();
    return closePromise;
  };

  return {
    sv2Address,
    apiUrl: api.url,
    authorityPubkey,
    poolUrl,
    metrics,
    ledger,
    currentJob: () => jobs.current,
    waitForJob: (timeoutMs) => fanout.waitForJob(timeoutMs),
    close,
  };
}
