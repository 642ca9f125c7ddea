import type { AddressInfo } from 'node:net';
import { createServer, type Server, type Socket } from 'node:net';
import pino, { type Logger } from 'pino';
import { type ApiServer, type ApiServerLimits, startApiServer } from '../api/http.js';
import { PoolMetrics } from '../api/metrics.js';
import type { PayoutLock } from '../ckb/cellbase-lock.js';
import { readNotifySecret } from '../ckb/notify.js';
import { CkbRpcClient } from '../ckb/rpc.js';
import type { Ledger } from '../ledger/ledger.js';
import { openLedger } from '../ledger/open.js';
import { PgLedger } from '../ledger/pg-ledger.js';
import { PgLedgerReader } from '../ledger/pg-reader.js';
import { LedgerReader } from '../ledger/reader.js';
import type { LedgerReadSide, LedgerStore } from '../ledger/store.js';
import { ByteBudget } from '../sv2/byte-budget.js';
import { acceptSv2, type Sv2Connection } from '../sv2/connection.js';
import type { Sv2Message } from '../sv2/messages/index.js';
import { EphemeralKeyPool, ServerIdentity } from '../sv2/noise/identity.js';
import { authorityPublicFromSecret, encodeAuthorityPubkey } from '../sv2/noise/keys.js';
import { buildApiSource } from './api-source.js';
import { closeReasonLabel, startBackground } from './background.js';
import { BlockSubmitter } from './blocks.js';
import { type PoolConfig, parseHostPort } from './config.js';
import { ExtranonceAllocator } from './extranonce.js';
import { HashrateTracker } from './hashrate.js';
import { readAuthoritySecret } from './identity.js';
import { type Job, JobBook, makeJob } from './jobs.js';
import { PeerLimits } from './peer-limits.js';
import { Session, type SessionContext } from './session.js';
import { type TemplateEvent, TemplateSource } from './templates.js';

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
  /** SQLite (`ledger.path`) or PostgreSQL (`ledger.url`). */
  ledger: LedgerStore;
  /** The job miners are currently given (null until the first template). */
  currentJob(): Job | null;
  /** Resolves when the pool has a job (templates flow). */
  waitForJob(timeoutMs?: number): Promise<Job>;
  /** Sends Reconnect to every client, drains, closes everything. Idempotent. */
  close(): Promise<void>;
}

/** Bytes queued for a client that does not read before we drop it (a stalled reader). */
const MAX_PENDING_WRITE_BYTES = 4 * 1024 * 1024;
/**
 * How long a shutdown waits for clients to leave after Reconnect. The whole drain (this, block
 * submissions in flight: up to 5 s, the last ledger flush) must fit in the container's stop
 * grace period (cli/bundle/compose.ts), or the last shares die with a SIGKILL.
 */
export const DRAIN_GRACE_MS = 3_000;

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
  let ledger: LedgerStore;
  try {
    ledger = await openLedger(config.ledger, {
      flushIntervalMs: config.ledger.flushIntervalMs,
      onFlush: (seconds) => metrics.ledgerWriteSeconds.observe(seconds),
      onError: (err) => log.error({ err: (err as Error).message }, 'ledger flush failed; will retry'),
    });
  } catch (err) {
    // openLedger names ledger.url itself (without the password).
    const where = config.ledger.url === null ? `ledger.path ${config.ledger.path}: ` : '';
    throw new Error(`${where}${(err as Error).message}`);
  }
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
  const sessions = new Set<Session>();
  const connections = new Map<Session, Sv2Connection>();
  const perIp = new Map<string, number>();
  let openSockets = 0;
  let nextConnId = 1;
  let closing = false;
  let nodeTip: bigint | null = null;
  let synced = false;
  let syncError: string | null = null;
  const jobWaiters: Array<(j: Job) => void> = [];

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
      submitter.found(f).catch((err: unknown) => {
        // Assembling the block failed (a bug, never bad input): keep serving, shout.
        log.fatal({ err: (err as Error).message, job: f.job.id }, 'could not assemble a found block');
        metrics.blocks.inc({ outcome: 'assemble_error' });
      });
    },
  };

  // ---- templates → jobs → broadcast -------------------------------------------------------
  let resubmitted = false;
  const onTemplate = (ev: TemplateEvent) => {
    const job = makeJob(
      jobs.nextId(),
      ev.block,
      ev.clean,
      ev.receivedAtMs,
      config.shares.maxDuplicateEntriesPerJob,
    );
    jobs.add(job);
    metrics.jobs.inc({ kind: ev.clean ? 'clean' : 'update' });
    metrics.lastTemplateAtMs = Date.now();
    metrics.poolHeight.set(Number(job.height));
    let written = 0;
    for (const s of sessions) {
      try {
        written += s.broadcastJob(job);
        checkBackpressure(s);
      } catch (err) {
        // One broken connection must not keep the job from the others.
        s.log.error({ err: (err as Error).message }, 'job broadcast failed; closing');
        connections.get(s)?.close('local-close', 'internal error');
      }
    }
    const latency = (Date.now() - ev.receivedAtMs) / 1000;
    if (written > 0) metrics.jobBroadcastSeconds.observe(latency);
    log.info(
      {
        job: job.id,
        height: job.height.toString(),
        clean: ev.clean,
        source: ev.source,
        messages: written,
        latencyMs: Math.round(latency * 1000),
      },
      'new job',
    );
    if (ev.clean) void submitter.checkConfirmations(job.height - 1n);
    if (!resubmitted) {
      resubmitted = true;
      submitter.resubmitUnresolved(job.height - 1n).then(
        (n) => {
          if (n > 0) log.info({ blocks: n }, 'resubmitting blocks left pending by the last run');
        },
        (err: unknown) =>
          log.error({ err: (err as Error).message }, 'could not read pending blocks to resubmit'),
      );
    }
    for (const w of jobWaiters.splice(0)) w(job);
    // Templates flow again: no need to wait for the next sync poll to report healthy.
    if (!synced) void checkSync();
  };
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
    onTemplate,
    onTip: (n) => {
      if (nodeTip === null || n > nodeTip) nodeTip = n;
      metrics.nodeHeight.set(Number(nodeTip));
    },
  });

  const checkSync = async () => {
    try {
      const info = await rpc.getBlockchainInfo();
      synced = !info.is_initial_block_download;
      syncError = synced ? null : 'node is in initial block download';
    } catch (err) {
      synced = false;
      syncError = `node unreachable: ${(err as Error).message}`;
    }
  };
  const syncTimer = setInterval(() => void checkSync(), Math.max(config.node.pollIntervalMs, 5_000));
  syncTimer.unref();

  // ---- SV2 listener ------------------------------------------------------------------------
  const checkBackpressure = (s: Session) => {
    const c = connections.get(s);
    if (c && c.socket.writableLength > MAX_PENDING_WRITE_BYTES) {
      s.log.warn({ pending: c.socket.writableLength }, 'client does not read; closing');
      metrics.connectionsRejected.inc({ reason: 'slow_reader' });
      c.close('local-close', 'client does not read');
      c.socket.destroy();
    }
  };

  const onSocket = (socket: Socket) => {
    const ip = socket.remoteAddress ?? 'unknown';
    if (closing) {
      metrics.connectionsRejected.inc({ reason: 'shutdown' });
      socket.destroy();
      return;
    }
    if (openSockets >= config.limits.maxConnections) {
      metrics.connectionsRejected.inc({ reason: 'total' });
      socket.destroy();
      return;
    }
    if ((perIp.get(ip) ?? 0) >= config.limits.maxConnectionsPerIp) {
      metrics.connectionsRejected.inc({ reason: 'per_ip' });
      socket.destroy();
      return;
    }
    openSockets += 1;
    perIp.set(ip, (perIp.get(ip) ?? 0) + 1);
    metrics.connections.inc();
    const connId = nextConnId++;
    const clog = log.child({ conn: connId, remote: `${ip}:${socket.remotePort}` });
    const peer = peerLimits.join(ip);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      peer.leave();
      openSockets -= 1;
      const n = (perIp.get(ip) ?? 1) - 1;
      if (n <= 0) perIp.delete(ip);
      else perIp.set(ip, n);
      metrics.connections.dec();
    };
    socket.once('close', release);
    socket.on('error', () => {});
    const handshakeStart = Date.now();
    acceptSv2(socket, {
      identity,
      ephemeralPool,
      handshakeTimeoutMs: config.limits.handshakeTimeoutMs,
      maxPayload: config.limits.maxFrameBytes,
      idleTimeoutMs: config.limits.idleTimeoutMs,
      messageRate,
      ipMessageRate: peer.messageBucket,
      frameTimeoutMs: limits.frameTimeoutMs,
      pendingFrameBytes,
    }).then(
      (conn) => {
        if (closing) {
          conn.close('local-close', 'shutting down');
          return;
        }
        const session = new Session(
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
          connId,
          conn.remoteAddress,
          clog,
          peer,
        );
        sessions.add(session);
        connections.set(session, conn);
        // SetupConnection must follow the handshake within the same budget.
        const left = Math.max(config.limits.handshakeTimeoutMs - (Date.now() - handshakeStart), 1);
        const setupTimer = setTimeout(() => {
          if (session.state === 'setup') {
            metrics.handshakes.inc({ outcome: 'timeout' });
            clog.info('no SetupConnection in time; closing');
            conn.close('local-close', 'setup timeout');
          }
        }, left);
        setupTimer.unref();
        conn.on('message', (msg) => {
          try {
            session.handle(msg);
          } catch (err) {
            clog.error({ err: (err as Error).message, msg: msg.type }, 'error handling message; closing');
            conn.close('local-close', 'internal error');
          }
          checkBackpressure(session);
        });
        conn.on('close', (info) => {
          clearTimeout(setupTimer);
          session.closed();
          sessions.delete(session);
          connections.delete(session);
          const label = closeReasonLabel(info.reason);
          if (label) metrics.connectionsRejected.inc({ reason: label });
          if (info.reason === 'rate-limit' || info.reason === 'ip-rate-limit') {
            clog.warn({ reason: info.reason, message: info.message }, 'message flood; connection closed');
          } else {
            clog.info({ reason: info.reason, message: info.message }, 'connection closed');
          }
        });
      },
      (err: Error & { reason?: string }) => {
        const outcome = err.reason === 'handshake-timeout' ? 'timeout' : 'failed';
        metrics.handshakes.inc({ outcome });
        clog.info({ reason: err.reason, err: err.message }, 'handshake failed');
      },
    );
  };

  const server: Server = createServer({ noDelay: true }, onSocket);
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
    void closeQuietly(ledger);
    throw new Error(`sv2.listen ${config.sv2.listen}: ${(err as Error).message}`);
  }
  const addr = server.address() as AddressInfo;
  const hostText = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const sv2Address = `${hostText}:${addr.port}`;

  const prune = async () => {
    hashrate.sweep(Date.now());
    try {
      const n = await ledger.pruneShares(Date.now() - config.ledger.shareRetentionHours * 3_600_000);
      if (n > 0) log.info({ shares: n }, 'pruned old shares');
    } catch (err) {
      log.error({ err: (err as Error).message }, 'share pruning failed');
    }
  };
  void prune();
  const pruneTimer = setInterval(() => void prune(), 3_600_000);
  pruneTimer.unref();

  // ---- API ----------------------------------------------------------------------------------
  const apiAddr = parseHostPort(config.api.listen, 'api.listen');
  let api: ApiServer;
  let reader: LedgerReadSide;
  try {
    reader =
      ledger instanceof PgLedger
        ? new PgLedgerReader(ledger.pool)
        : new LedgerReader(config.ledger.path, (ledger as Ledger).db);
  } catch (err) {
    server.close();
    ephemeralPool.stop();
    void closeQuietly(ledger);
    throw new Error(`ledger.path ${config.ledger.path}: read-only connection: ${(err as Error).message}`);
  }
  const source = buildApiSource({
    config,
    ledger: reader,
    metrics,
    hashrate,
    sessions,
    jobs,
    templates,
    getNodeTip: () => nodeTip,
    getSync: () => ({ synced, error: syncError }),
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
    void closeQuietly(ledger);
    throw new Error(`api.listen ${config.api.listen}: ${(err as Error).message}`);
  }

  await checkSync();
  await templates.start();
  const poolUrl = `stratum2+tcp://${hostText === '0.0.0.0' || hostText === '[::]' ? '127.0.0.1' : hostText}:${addr.port}/${authorityPubkey}`;
  log.info(
    { sv2: sv2Address, api: api.url, authority: authorityPubkey, chain: config.chain },
    'pool listening',
  );

  let closePromise: Promise<void> | null = null;
  const close = () => {
    closePromise ??= (async () => {
      closing = true;
      log.info({ connections: sessions.size }, 'shutting down: asking clients to reconnect');
      background.stop();
      clearInterval(pruneTimer);
      clearInterval(syncTimer);
      server.close();
      await templates.close();
      for (const s of sessions) s.sendReconnect();
      // Drain: clients that got Reconnect leave on their own; until they do (or the grace ends)
      // their shares still in flight are validated and recorded, and acknowledged at once
      // instead of batched, since a client may leave at any moment.
      const drainEnd = Date.now() + DRAIN_GRACE_MS;
      while (connections.size > 0 && Date.now() < drainEnd) {
        await new Promise((r) => setTimeout(r, 20));
        for (const s of sessions) s.flushAcks();
      }
      if (connections.size > 0)
        log.info({ connections: connections.size }, 'drain grace over; closing the rest');
      for (const c of connections.values()) c.close('local-close', 'pool shutting down');
      await submitter.close();
      ephemeralPool.stop();
      await api.close();
      for (const c of connections.values()) c.socket.destroy();
      reader.close();
      await ledger.close();
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
    waitForJob: (timeoutMs = 10_000) => {
      if (jobs.current) return Promise.resolve(jobs.current);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no job within ${timeoutMs} ms`)), timeoutMs);
        jobWaiters.push((j) => {
          clearTimeout(t);
          resolve(j);
        });
      });
    },
    close,
  };
}

/** Closing on a start-up error: the error being thrown matters more than a failed close. */
async function closeQuietly(ledger: LedgerStore): Promise<void> {
  try {
    await ledger.close();
  } catch {}
}
