import type { AddressInfo } from 'node:net';
import { createServer, type Server, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import pino from 'pino';
import { parseHostPort } from '../net/address.js';
import { errorLine, hexOfLength, V1Error } from '../stratum-v1/wire.js';
import { FAILBACK_DEFAULTS } from '../sv2/client/failback.js';
import {
  type OpenedChannel,
  type ShareVerdict,
  UpstreamClient,
  type UpstreamJob,
} from '../sv2/client/upstream.js';
import { encodeTlvs, TLV_USER_IDENTITY } from '../sv2/messages/index.js';
import { TokenBucket } from '../sv2/rate-limit.js';
import { tlvWorkerFor } from '../workers/names.js';
import { startTranslatorHttp, type TranslatorHttp } from './http.js';
import { type TranslatorJob, TranslatorJobBook } from './jobs.js';
import { TRANSLATOR_LIMIT_DEFAULTS, type TranslatorLimitReason, V1Admission } from './limits.js';
import { TranslatorMetrics } from './metrics.js';
import { bytesEqual, checkShare, concatBytes, rememberShare, verdictToV1 } from './shares.js';
import type {
  Binding,
  ChannelState,
  RunningTranslator,
  TranslatorOptions,
  TranslatorStats,
} from './types.js';
import { type SubmitOutcome, V1Session, type V1SessionHost } from './v1-session.js';

/**
 * The V1→V2 translator (`ckb-pool translate`): CKB Stratum V1 miners downstream, the pool's
 * SV2 (extension 0x4CCB) upstream. Per-worker mode (default) opens one extended channel per
 * V1 connection, so the pool sets each miner's difficulty and credits it by name; aggregated
 * mode opens a single extended channel and gives each miner 2 of its 12 nonce bytes. When the
 * pool negotiated extension 0x0002, a share from a miner whose channel is not under its own
 * name (aggregated mode, or a first channel it could not leave) carries the miner's name in a
 * user_identity TLV, so the pool still credits it per miner.
 *
 * Nonce layout seen by a V1 miner: extranonce1 = channel prefix (4 bytes) [‖ 2-byte miner index
 * in aggregated mode], extranonce2 = the rest of the 16-byte CKB nonce. Shares are checked
 * against the miner's target here before they go upstream, and the miner hears exactly what
 * the pool answered.
 */

const TARGET_GRACE_MS = 5_000;
const AGG_LOCAL_BYTES = 2;

export type { RunningTranslator, TranslatorMode, TranslatorOptions, TranslatorStats } from './types.js';

export async function startTranslator(o: TranslatorOptions): Promise<RunningTranslator> {
  const log = o.log ?? pino({ level: 'info', base: { svc: 'ckb-pool-translate' } });
  const mode = o.mode ?? 'per-worker';
  const identity = o.userIdentity ?? 'translator';
  const lim = { ...TRANSLATOR_LIMIT_DEFAULTS, ...o.limits };
  const limits = {
    maxLineBytes: o.maxLineBytes ?? 16_384,
    // Answers waiting on the pool's verdict count too (batched acknowledgements, vardiff bursts).
    maxPendingRequests: 4_096,
    subscribeTimeoutMs: o.subscribeTimeoutMs ?? 60_000,
    maxPendingWriteBytes: 1 << 20,
    idleTimeoutMs: lim.idleTimeoutMs,
    maxAuthorizes: lim.maxAuthorizes,
    messageRate: { perSecond: lim.maxMessagesPerSecond, burst: lim.maxMessageBurst },
  };
  const maxConnections = o.maxConnections ?? 10_000;
  const admission = new V1Admission(maxConnections, lim.maxConnectionsPerIp);
  // Everything the miners together make us send up the one pool connection they share.
  const upstreamBudget = new TokenBucket(
    lim.upstreamMessagesPerSecond,
    lim.upstreamMessageBurst,
    performance.now(),
  );
  /** The pool refused the last channel open (its error code), until one succeeds again. */
  let poolRefusing: string | null = null;
  const subscribeWaitMs = o.subscribeWaitMs ?? 30_000;
  const metrics = new TranslatorMetrics({ defaultMetrics: o.processMetrics ?? false });
  const upstream = new UpstreamClient({
    urls: o.upstreams,
    vendor: 'ckb-pool-translate',
    workerHashrate: true,
    log: log.child({ part: 'upstream' }),
    backoffMinMs: o.backoffMinMs,
    backoffMaxMs: o.backoffMaxMs,
    failback: o.failback === false ? false : { ...FAILBACK_DEFAULTS, ...o.failback },
  });

  const sessions = new Set<V1Session>();
  /** The address each session was admitted under (the socket forgets it once destroyed). */
  const ipOf = new Map<V1Session, string>();
  const channels = new Map<number, ChannelState>(); // current epoch, by channel id
  const jobs = new TranslatorJobBook();
  let nextSessionId = 1;
  let closing = false;
  let accepted = 0;
  let rejected = 0;
  let closedV1In = 0;
  let closedV1Out = 0;
  // Aggregated mode: the shared channel and the miner index allocator.
  let aggChannel: ChannelState | null = null;
  let aggOpening: Promise<ChannelState> | null = null;
  const aggIndexes = new Set<number>();
  let aggNext = 0;
  let upWaiters: Array<() => void> = [];

  const waitUp = (ms: number) =>
    new Promise<void>((resolve, reject) => {
      if (upstream.connected) {
        resolve();
        return;
      }
      const t = setTimeout(() => {
        upWaiters = upWaiters.filter((w) => w !== done);
        reject(new Error('pool unavailable, try again'));
      }, ms);
      const done = () => {
        clearTimeout(t);
        resolve();
      };
      upWaiters.push(done);
    });

  const channelFrom = (c: OpenedChannel, name: string): ChannelState => {
    const ch: ChannelState = {
      epoch: c.epoch,
      channelId: c.channelId,
      groupChannelId: c.groupChannelId,
      prefix: c.extranoncePrefix,
      extranonceSize: c.extranonceSize,
      name,
      target: c.target,
      previousTarget: c.target,
      previousUntilMs: 0,
      sessions: new Set(),
      lastJob: null,
    };
    const uj = upstream.latestJob(c.channelId, c.groupChannelId);
    if (uj && uj.epoch === upstream.epoch) ch.lastJob = recordJob(uj);
    channels.set(ch.channelId, ch);
    return ch;
  };

  const limited = (reason: TranslatorLimitReason) => metrics.rejected.inc({ reason });

  const openChannel = async (name: string): Promise<ChannelState> => {
    if (!upstreamBudget.take(performance.now())) {
      limited('upstream_busy');
      throw new Error('translator busy: too many requests to the pool, try again later');
    }
    metrics.channelOpens.inc();
    let c: OpenedChannel;
    try {
      c = await upstream.openChannel('extended', name);
    } catch (err) {
      const refused = /^OpenMiningChannel\.Error (\S+)/.exec((err as Error).message);
      if (!refused) throw err;
      poolRefusing = refused[1] as string;
      throw new Error(`the pool is full: it refused a channel (${poolRefusing}); try again later`);
    }
    poolRefusing = null;
    return channelFrom(c, name);
  };

  const binding = (s: V1Session): Binding => {
    if (!s.binding)
      s.binding = { channel: null, localIndex: null, workerTlv: null, renamed: false } satisfies Binding;
    return s.binding as Binding;
  };

  const extranonceFor = (
    ch: ChannelState,
    b: Binding,
  ): { extranonce1: Uint8Array; extranonce2Size: number } => {
    if (b.localIndex === null) return { extranonce1: ch.prefix, extranonce2Size: ch.extranonceSize };
    const local = Uint8Array.of((b.localIndex >>> 8) & 0xff, b.localIndex & 0xff);
    return {
      extranonce1: concatBytes(ch.prefix, local),
      extranonce2Size: ch.extranonceSize - AGG_LOCAL_BYTES,
    };
  };

  const aggregated = async (): Promise<ChannelState> => {
    if (aggChannel && aggChannel.epoch === upstream.epoch) return aggChannel;
    aggOpening ??= openChannel(identity).then(
      (ch) => {
        aggChannel = ch;
        aggOpening = null;
        return ch;
      },
      (err) => {
        aggOpening = null;
        throw err;
      },
    );
    return aggOpening;
  };

  const bind = (s: V1Session, ch: ChannelState) => {
    const b = binding(s);
    if (b.channel && b.channel !== ch) b.channel.sessions.delete(s);
    b.channel = ch;
    ch.sessions.add(s);
  };

  /** Opens (or joins) the channel this session mines on, for the current pool connection. */
  const attach = async (s: V1Session, name: string): Promise<ChannelState> => {
    if (mode === 'aggregated') {
      const ch = await aggregated();
      const b = binding(s);
      if (b.localIndex === null) {
        if (aggIndexes.size >= 0x10000) throw new Error('translator is full');
        while (aggIndexes.has(aggNext)) aggNext = (aggNext + 1) & 0xffff;
        b.localIndex = aggNext;
        aggIndexes.add(aggNext);
        aggNext = (aggNext + 1) & 0xffff;
      }
      bind(s, ch);
      return ch;
    }
    const ch = await openChannel(name);
    if (s.closed) {
      closeChannel(ch);
      throw new Error('miner left');
    }
    const old = binding(s).channel;
    bind(s, ch);
    if (old && old !== ch && old.sessions.size === 0) closeChannel(old);
    return ch;
  };

  const closeChannel = (ch: ChannelState) => {
    // Channel ids restart with each pool connection: only forget this very channel.
    if (channels.get(ch.channelId) === ch) channels.delete(ch.channelId);
    upstream.closeChannel(ch.epoch, ch.channelId);
  };

  /** Sends the session its target (if changed) and the channel's newest job. */
  const sendWork = (s: V1Session, ch: ChannelState, clean: boolean) => {
    if (!s.user || s.closed) return;
    if (s.target !== ch.target) s.sendTarget(ch.target);
    const j = ch.lastJob;
    if (j && j.epoch === upstream.epoch) {
      s.sendJob({ jobId: j.v1Id, powHash: j.powHash, height: j.height, parentHash: j.parentHash, clean });
    }
  };

  /** After a (re)open: tell the miner about a new extranonce1, or drop it if it cannot take one. */
  const adopt = (s: V1Session, ch: ChannelState) => {
    const en = extranonceFor(ch, binding(s));
    if (!s.subscribed) return;
    if (bytesEqual(en.extranonce1, s.extranonce1) && en.extranonce2Size === s.extranonce2Size) {
      sendWork(s, ch, true);
      return;
    }
    if (s.extranonceSubscribed) {
      s.sendExtranonce(en.extranonce1, en.extranonce2Size);
      sendWork(s, ch, true);
      return;
    }
    s.log.info(
      'new extranonce1 and the miner did not send mining.extranonce.subscribe; closing so it resubscribes',
    );
    s.close();
  };

  const host: V1SessionHost = {
    async subscribe(s) {
      const b = binding(s);
      if (b.channel && b.channel.epoch === upstream.epoch) return extranonceFor(b.channel, b);
      await waitUp(subscribeWaitMs);
      const ch = await attach(s, (mode === 'per-worker' && s.userHint) || identity);
      // A miner that pipelined authorize behind subscribe gets its work once both are answered.
      if (s.user) {
        const user = s.user;
        setImmediate(() => host.authorized(s, user));
      }
      return extranonceFor(ch, binding(s));
    },
    authorized(s, user) {
      const b = binding(s);
      const ch = b.channel;
      if (!ch) return; // work follows when the pool is back
      if (
        mode === 'per-worker' &&
        ch.name !== user &&
        s.extranonceSubscribed &&
        upstream.connected &&
        !b.renamed
      ) {
        // A channel under the miner's own name, so the pool credits and tunes it by name. Once
        // per connection: a miner that authorizes again and again must not make the pool open
        // and close channels on the connection every miner shares (its later names go on TLVs).
        b.renamed = true;
        attach(s, user).then(
          (nch) => adopt(s, nch),
          (err: Error) => {
            s.log.warn({ err: err.message }, 'could not open a named channel; keeping the first one');
            sendWork(s, ch, true);
          },
        );
        return;
      }
      if (mode === 'per-worker' && ch.name !== user) {
        s.log.info(
          { user, channel: ch.name },
          upstream.workerHashrate
            ? 'miner cannot switch extranonce; its shares carry its name (extension 0x0002)'
            : 'miner cannot switch extranonce; its shares are credited to the translator identity',
        );
      }
      sendWork(s, ch, true);
    },
    submit(s, params) {
      return submitShare(s, params);
    },
    limited(_s, reason) {
      limited(reason);
    },
    closed(s) {
      sessions.delete(s);
      admission.leave(ipOf.get(s) ?? 'unknown');
      ipOf.delete(s);
      closedV1In += s.socket.bytesRead;
      closedV1Out += s.socket.bytesWritten;
      metrics.v1Connections.set(sessions.size);
      const b = binding(s);
      if (b.localIndex !== null) aggIndexes.delete(b.localIndex);
      const ch = b.channel;
      if (ch) {
        ch.sessions.delete(s);
        if (mode === 'per-worker' && ch.sessions.size === 0) closeChannel(ch);
      }
    },
  };

  /**
   * Extension 0x0002: the TLV tail naming the miner, for a share on a channel under another
   * name (undefined when not needed, not negotiated, or the name does not fit in 32 bytes).
   */
  const workerTlv = (s: V1Session, ch: ChannelState): Uint8Array | undefined => {
    const user = s.user;
    if (!user || ch.name === user || !upstream.workerHashrate) return undefined;
    const b = binding(s);
    let t = b.workerTlv;
    if (!t || t.channelName !== ch.name || t.user !== user) {
      const value = tlvWorkerFor(user, ch.name);
      if (!value) {
        s.log.warn(
          { user, channel: ch.name },
          'worker name does not fit a 0x0002 user_identity (32 bytes); its shares are credited to the channel',
        );
      }
      const tail = value
        ? encodeTlvs([
            { extensionType: TLV_USER_IDENTITY.extensionType, fieldType: TLV_USER_IDENTITY.fieldType, value },
          ])
        : null;
      t = { channelName: ch.name, user, tail };
      b.workerTlv = t;
    }
    return t.tail ?? undefined;
  };

  const reject = (code: number, message: string, reason: string): SubmitOutcome => {
    rejected += 1;
    metrics.shares.inc({ outcome: reason });
    return { ok: false, code, message };
  };

  const submitShare = async (s: V1Session, params: unknown[]): Promise<SubmitOutcome> => {
    const t0 = performance.now();
    if (!s.subscribed) return reject(V1Error.notSubscribed, 'Not subscribed', 'not-subscribed');
    if (!s.user) return reject(V1Error.unauthorized, 'Unauthorized worker', 'unauthorized');
    if (params.length < 3 || typeof params[1] !== 'string') {
      return reject(
        V1Error.illegalParams,
        'Illegal params: ["user.worker", "job_id", "extranonce2"]',
        'params',
      );
    }
    const en2 = hexOfLength(params[2], s.extranonce2Size);
    if (!en2) {
      return reject(
        V1Error.illegalParams,
        `Illegal params: extranonce2 must be ${s.extranonce2Size * 2} hex characters`,
        'params',
      );
    }
    const job = jobs.get(params[1]);
    if (!job) return reject(V1Error.jobNotFound, 'Job not found', 'job-not-found');
    if (jobs.isStale(job, upstream.epoch)) return reject(V1Error.jobNotFound, 'Stale share', 'stale');
    const ch = binding(s).channel;
    if (!ch || ch.epoch !== job.epoch || !upstream.connected) {
      return reject(V1Error.jobNotFound, 'Job not found (pool connection lost)', 'upstream-lost');
    }
    const checked = checkShare(o.chain, job, ch, s.extranonce1, en2, Date.now());
    if (!checked.ok) return reject(checked.code, checked.message, checked.reason);
    // Checked here so a miner replaying a share never sends the pool a duplicate.
    const seen = rememberShare(job, ch.prefix, checked.nonceSuffix);
    if (seen === 'duplicate') return reject(V1Error.duplicate, 'Duplicate share', 'duplicate');
    if (seen === 'full') return reject(V1Error.jobNotFound, 'Stale share (job full)', 'stale');
    if (!upstreamBudget.take(performance.now())) {
      limited('upstream_busy');
      return reject(V1Error.other, 'translator busy: share not forwarded, keep mining', 'upstream_busy');
    }
    const pending = upstream.submit(
      ch.epoch,
      ch.channelId,
      job.upstreamJobId,
      checked.nonceSuffix,
      workerTlv(s, ch),
    );
    metrics.localSeconds.observe((performance.now() - t0) / 1000);
    const verdict: ShareVerdict = await pending;
    if (verdict.ok) {
      accepted += 1;
      metrics.shares.inc({ outcome: 'accepted' });
      return { ok: true };
    }
    const r = verdictToV1(verdict.code);
    return reject(r.code, r.message, r.reason);
  };

  // ---- upstream events ---------------------------------------------------------------------
  // After a failover and after a failback alike, 'up' re-establishes every miner's work on the
  // new pool connection (a failback is an 'up' without a 'down': the old connection still
  // answers the shares in flight, then closes).
  upstream.on('up', (epoch) => {
    metrics.upstreamUp.set(1);
    poolRefusing = null;
    channels.clear();
    jobs.newEpoch();
    aggChannel = null;
    for (const w of upWaiters.splice(0)) w();
    // Reopen a channel for every miner that had one (its name if it authorized and switched).
    for (const s of sessions) {
      const b = binding(s);
      if (!b.channel || !s.subscribed) continue;
      // A miner that authorized and can take a new extranonce1 gets a channel under its name.
      const name =
        mode === 'aggregated' ? identity : s.user && s.extranonceSubscribed ? s.user : b.channel.name;
      b.channel = null;
      attach(s, name).then(
        (ch) => {
          if (epoch === upstream.epoch) adopt(s, ch);
        },
        (err: Error) => s.log.warn({ err: err.message }, 'could not reopen a channel for a miner'),
      );
    }
  });

  upstream.on('down', () => {
    metrics.upstreamUp.set(0);
    metrics.upstreamReconnects.inc();
    for (const s of sessions) {
      const b = binding(s);
      // Keep the name for the reopen; the channel id is gone with the connection.
      if (b.channel) b.channel.sessions.clear();
    }
  });

  upstream.on('failback', () => metrics.upstreamFailbacks.inc());
  upstream.on('probe', (_url, ok) => metrics.upstreamProbes.inc({ outcome: ok ? 'ok' : 'failed' }));

  upstream.on('job', (uj: UpstreamJob) => {
    if (uj.epoch !== upstream.epoch) return;
    const job = recordJob(uj);
    for (const ch of channels.values()) {
      if (ch.channelId !== uj.channelId && ch.groupChannelId !== uj.channelId) continue;
      ch.lastJob = job;
      for (const s of ch.sessions) sendWork(s, ch, uj.clean);
    }
  });

  function recordJob(uj: UpstreamJob): TranslatorJob {
    const { job, fresh } = jobs.record(uj);
    if (fresh) metrics.jobs.inc();
    return job;
  }

  upstream.on('target', (epoch, channelId, target) => {
    const ch = channels.get(channelId);
    if (!ch || ch.epoch !== epoch) return;
    ch.previousTarget = ch.target;
    ch.previousUntilMs = Date.now() + TARGET_GRACE_MS;
    ch.target = target;
    for (const s of ch.sessions) if (s.user && !s.closed) s.sendTarget(target);
  });

  upstream.on('prefix', (epoch, channelId, prefix) => {
    const ch = channels.get(channelId);
    if (!ch || ch.epoch !== epoch) return;
    ch.prefix = prefix;
    for (const s of [...ch.sessions]) adopt(s, ch);
  });

  upstream.on('closedChannel', (epoch, channelId) => {
    const ch = channels.get(channelId);
    if (!ch || ch.epoch !== epoch) return;
    channels.delete(channelId);
    for (const s of [...ch.sessions]) {
      binding(s).channel = null;
      s.close();
    }
  });

  // ---- V1 listener --------------------------------------------------------------------------
  const onSocket = (socket: Socket) => {
    const ip = socket.remoteAddress ?? 'unknown';
    const refused = closing ? 'shutdown' : admission.admit(ip);
    if (refused) {
      limited(refused);
      // A miner that is turned away hears why, instead of a bare disconnect.
      const why =
        refused === 'per_ip'
          ? 'translator full for your address: too many connections from it'
          : refused === 'total'
            ? 'translator full: too many connections'
            : 'translator shutting down';
      socket.on('error', () => {});
      socket.end(errorLine(null, V1Error.other, why));
      setTimeout(() => socket.destroy(), 1_000).unref();
      return;
    }
    const id = nextSessionId++;
    const s = new V1Session(id, socket, host, limits, log.child({ v1: id, remote: socket.remoteAddress }));
    ipOf.set(s, ip);
    sessions.add(s);
    metrics.v1Connections.set(sessions.size);
  };
  const server: Server = createServer({ noDelay: true }, onSocket);
  const addr = parseHostPort(o.listen, '--listen');
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(addr.port, addr.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (err) => log.error({ err: err.message }, 'V1 listener error'));
  const a = server.address() as AddressInfo;
  const hostText = a.family === 'IPv6' ? `[${a.address}]` : a.address;
  const v1Address = `${hostText}:${a.port}`;
  const urlHost = hostText === '0.0.0.0' || hostText === '[::]' ? '127.0.0.1' : hostText;

  const stats = (): TranslatorStats => {
    let v1In = closedV1In;
    let v1Out = closedV1Out;
    for (const s of sessions) {
      v1In += s.socket.bytesRead;
      v1Out += s.socket.bytesWritten;
    }
    return {
      v1Connections: sessions.size,
      accepted,
      rejected,
      upstreamConnected: upstream.connected,
      upstreamUrl: upstream.currentUrl,
      upstreamReconnects: upstream.reconnects,
      upstreamFailbacks: upstream.failbacks,
      v1BytesIn: v1In,
      v1BytesOut: v1Out,
      sv2BytesIn: upstream.bytesIn,
      sv2BytesOut: upstream.bytesOut,
    };
  };

  let http: TranslatorHttp | null = null;
  if (o.metricsListen) {
    try {
      http = await startTranslatorHttp(o.metricsListen, metrics, () => {
        const reasons: string[] = [];
        if (!upstream.connected) reasons.push('not connected to the pool');
        else if (poolRefusing) reasons.push(`the pool refuses new channels (${poolRefusing})`);
        if (admission.full) reasons.push(`full: ${maxConnections} V1 connections (v1.maxConnections)`);
        // Channels (and so jobs) open per V1 miner: with no miner yet, a live pool connection is
        // all there is to be ready for, and a fresh deploy must not look unhealthy.
        if (upstream.connected && sessions.size > 0 && !jobs.hasCurrent)
          reasons.push('miners connected but no job from the pool yet');
        return { ready: reasons.length === 0, reasons, ...stats() };
      });
    } catch (err) {
      server.close();
      throw err;
    }
  }
  upstream.start();
  log.info({ v1: v1Address, upstreams: o.upstreams, mode }, 'translator listening');

  let closePromise: Promise<void> | null = null;
  return {
    v1Address,
    v1Url: `stratum+tcp://${urlHost}:${a.port}`,
    metricsUrl: http?.url ?? null,
    upstream,
    stats,
    close() {
      closePromise ??= (async () => {
        closing = true;
        server.close();
        for (const s of [...sessions]) s.close();
        for (const s of [...sessions]) s.socket.destroy();
        await upstream.close();
        await http?.close();
        log.info('translator stopped');
      })();
      return closePromise;
    },
  };
}
