import { performance } from 'node:perf_hooks';
import pino from 'pino';
import { monitoringRoutes } from '../api/sri-monitoring.js';
import { dialectByName } from '../stratum-v1/dialects/index.js';
import { FAILBACK_DEFAULTS } from '../sv2/client/failback.js';
import { UpstreamClient, type UpstreamJob } from '../sv2/client/upstream.js';
import { TokenBucket } from '../sv2/rate-limit.js';
import { ChannelAssigner } from './channel-assigner.js';
import { ChannelHashrates } from './channel-hashrate.js';
import { ChannelRegistry, MinerIndexes } from './channel-registry.js';
import { TRANSLATOR_LIMIT_DEFAULTS } from './config.js';
import { startTranslatorHttp, type TranslatorHttp } from './http.js';
import { type TranslatorJob, TranslatorJobBook } from './jobs.js';
import { type TranslatorLimitReason, V1Admission } from './limits.js';
import { TranslatorMetrics } from './metrics.js';
import { MinerTargets } from './miner-targets.js';
import { MINER_VARDIFF_DEFAULTS } from './miner-vardiff.js';
import { buildTranslatorMonitoring, ShareTally } from './monitoring.js';
import { ShareRelay } from './share-relay.js';
import type { RunningTranslator, TranslatorOptions, TranslatorStats } from './types.js';
import { UpstreamEvents } from './upstream-events.js';
import { V1Host } from './v1-host.js';
import { V1Listener, type V1ListenerOptions } from './v1-listener.js';
import { V1Resumes } from './v1-resumes.js';
import type { V1Session, V1SessionLimits } from './v1-session.js';
import { WorkerIds } from './worker-ids.js';
import { WorkerNames } from './worker-names.js';

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
 *
 * startTranslator only wires the parts: V1Listener (miners in), V1Host (their requests),
 * ChannelAssigner + ChannelRegistry (which pool channel each mines on), ShareRelay (a share to
 * the pool's verdict), WorkerIds (0x4CCB long names) and WorkerNames (0x0002 TLVs), UpstreamEvents (what the pool's events do).
 */

export type { RunningTranslator, TranslatorMode, TranslatorOptions, TranslatorStats } from './types.js';

export async function startTranslator(o: TranslatorOptions): Promise<RunningTranslator> {
  const log = o.log ?? pino({ level: 'info', base: { svc: 'ckb-pool-translate' } });
  const mode = o.mode ?? 'per-worker';
  const identity = o.userIdentity ?? 'translator';
  const lim = { ...TRANSLATOR_LIMIT_DEFAULTS, ...o.limits };
  const maxConnections = o.maxConnections ?? 10_000;
  const admission = new V1Admission(maxConnections, lim.maxConnectionsPerIp);
  // Everything the miners together make us send up the one pool connection they share.
  const upstreamBudget = new TokenBucket(
    lim.upstreamMessagesPerSecond,
    lim.upstreamMessageBurst,
    performance.now(),
  );
  const metrics = new TranslatorMetrics({ defaultMetrics: o.processMetrics ?? false });
  const limited = (reason: TranslatorLimitReason) => metrics.rejected.inc({ reason });
  const upstream = new UpstreamClient({
    urls: o.upstreams,
    vendor: 'ckb-pool-translate',
    workerHashrate: true,
    log: log.child({ part: 'upstream' }),
    ...(o.backoffMinMs !== undefined && { backoffMinMs: o.backoffMinMs }),
    ...(o.backoffMaxMs !== undefined && { backoffMaxMs: o.backoffMaxMs }),
    failback: o.failback === false ? false : { ...FAILBACK_DEFAULTS, ...o.failback },
  });

  const jobs = new TranslatorJobBook();
  const recordJob = (uj: UpstreamJob): TranslatorJob => {
    const { job, fresh } = jobs.record(uj);
    if (fresh) metrics.jobs.inc();
    return job;
  };
  const registry = new ChannelRegistry();
  const vardiff = { ...MINER_VARDIFF_DEFAULTS, ...o.vardiff };
  const targets = new MinerTargets(vardiff);
  // One UpdateChannel per channel per vardiff period at most: miners' rates move no faster.
  const hashrates = new ChannelHashrates({
    upstream,
    upstreamBudget,
    minIntervalMs: vardiff.retargetPeriodSeconds * 1000,
    onUpdate: () => metrics.channelUpdates.inc(),
  });
  const assigner = new ChannelAssigner({
    mode,
    identity,
    upstream,
    registry,
    indexes: new MinerIndexes(),
    upstreamBudget,
    metrics,
    limited,
    recordJob,
    targets,
    hashrates,
  });
  const tally = new ShareTally();
  const workerIds = new WorkerIds(upstream);
  const relay = new ShareRelay({
    chain: o.chain,
    jobs,
    upstream,
    metrics,
    upstreamBudget,
    workerNames: new WorkerNames(() => upstream.workerHashrate),
    workerIds,
    limited,
    tally,
    targets,
  });
  const host = new V1Host({
    mode,
    identity,
    upstream,
    assigner,
    relay,
    workerIds,
    limited,
    waitUp: (ms): Promise<void> => events.waitUp(ms),
    subscribeWaitMs: o.subscribeWaitMs,
  });
  // One admission, one set of sessions and one session-id space for every V1 port.
  const v1Common: Omit<V1ListenerOptions, 'listen'> = {
    admission,
    host,
    limits: v1SessionLimits(o, lim),
    log,
    limited,
    onCount: (n) => metrics.v1Connections.set(n),
    resumes: new V1Resumes(),
    sessions: new Set<V1Session>(),
    ids: { next: 1 },
  };
  const listener = new V1Listener({ ...v1Common, listen: o.listen });
  const dialectListeners = (o.dialectPorts ?? []).map((p) => {
    const dialect = dialectByName(p.dialect);
    if (!dialect) throw new Error(`dialectPorts: unknown dialect '${p.dialect}'`);
    return { dialect, listener: new V1Listener({ ...v1Common, listen: p.listen, dialect }) };
  });
  const events = new UpstreamEvents({
    mode,
    identity,
    upstream,
    sessions: listener.sessions,
    registry,
    assigner,
    jobs,
    metrics,
    recordJob,
    hashrates,
  });

  const { address: v1Address, url: v1Url } = await listener.start();
  const dialectPorts: RunningTranslator['dialectPorts'] = [];
  try {
    for (const d of dialectListeners)
      dialectPorts.push({ dialect: d.dialect.name, ...(await d.listener.start()) });
  } catch (err) {
    listener.abort();
    for (const d of dialectListeners) d.listener.abort();
    throw err;
  }
  const allListeners = [listener, ...dialectListeners.map((d) => d.listener)];
  const stats = (): TranslatorStats => {
    const v1 = { in: 0, out: 0 };
    for (const l of allListeners) {
      const b = l.bytes();
      v1.in += b.in;
      v1.out += b.out;
    }
    return {
      v1Connections: listener.sessions.size,
      accepted: relay.accepted,
      acceptedLocally: relay.acceptedLocally,
      rejected: relay.rejected,
      upstreamConnected: upstream.connected,
      upstreamUrl: upstream.currentUrl,
      upstreamReconnects: upstream.reconnects,
      upstreamFailbacks: upstream.failbacks,
      v1BytesIn: v1.in,
      v1BytesOut: v1.out,
      sv2BytesIn: upstream.bytesIn,
      sv2BytesOut: upstream.bytesOut,
    };
  };

  let http: TranslatorHttp | null = null;
  if (o.metricsListen) {
    const sri = monitoringRoutes(
      buildTranslatorMonitoring({ channels: () => registry.all(), sessions: listener.sessions, tally }),
    );
    try {
      http = await startTranslatorHttp(o.metricsListen, metrics, sri, () => {
        const reasons: string[] = [];
        if (!upstream.connected) reasons.push('not connected to the pool');
        else if (assigner.poolRefusing)
          reasons.push(`the pool refuses new channels (${assigner.poolRefusing})`);
        if (admission.full) reasons.push(`full: ${maxConnections} V1 connections (v1.maxConnections)`);
        // Channels (and so jobs) open per V1 miner: with no miner yet, a live pool connection is
        // all there is to be ready for, and a fresh deploy must not look unhealthy.
        if (upstream.connected && listener.sessions.size > 0 && !jobs.hasCurrent)
          reasons.push('miners connected but no job from the pool yet');
        return { ready: reasons.length === 0, reasons, ...stats() };
      });
    } catch (err) {
      for (const l of allListeners) l.abort();
      throw err;
    }
  }
  upstream.start();
  log.info({ v1: v1Address, dialectPorts, upstreams: o.upstreams, mode }, 'translator listening');

  let closePromise: Promise<void> | null = null;
  return {
    v1Address,
    v1Url,
    dialectPorts,
    metricsUrl: http?.url ?? null,
    upstream,
    stats,
    close() {
      closePromise ??= (async () => {
        for (const l of allListeners) l.close();
        await upstream.close();
        await http?.close();
        log.info('translator stopped');
      })();
      return closePromise;
    },
  };
}

function v1SessionLimits(o: TranslatorOptions, lim: typeof TRANSLATOR_LIMIT_DEFAULTS): V1SessionLimits {
  return {
    maxLineBytes: o.maxLineBytes ?? 16_384,
    // Answers waiting on the pool's verdict count too (batched acknowledgements, vardiff bursts).
    maxPendingRequests: 4_096,
    subscribeTimeoutMs: o.subscribeTimeoutMs ?? 60_000,
    maxPendingWriteBytes: 1 << 20,
    idleTimeoutMs: lim.idleTimeoutMs,
    maxAuthorizes: lim.maxAuthorizes,
    messageRate: { perSecond: lim.maxMessagesPerSecond, burst: lim.maxMessageBurst },
  };
}
