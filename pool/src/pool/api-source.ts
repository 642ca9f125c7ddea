import type { ApiSource, HealthReport } from '../api/http.js';
import type { PoolMetrics } from '../api/metrics.js';
import { bytesToHex0x } from '../ckb/hex.js';
import type { BlockRow, Ledger } from '../ledger/ledger.js';
import { CREDITED_ONLINE_MS } from './channel.js';
import type { PoolConfig } from './config.js';
import type { HashrateTracker } from './hashrate.js';
import type { JobBook } from './jobs.js';
import type { Session } from './session.js';
import type { TemplateSource } from './templates.js';

/** What the HTTP API shows, read from the running pool's parts. */

export interface ApiSourceParts {
  config: PoolConfig;
  ledger: Ledger;
  metrics: PoolMetrics;
  hashrate: HashrateTracker;
  sessions: Set<Session>;
  jobs: JobBook;
  templates: TemplateSource;
  getNodeTip(): bigint | null;
  getSync(): { synced: boolean; error: string | null };
  authorityPubkey: string;
}

/** Hashrate windows: short (what a dashboard shows) and long (smoother). */
const WINDOWS = { '10m': 600_000, '1h': 3_600_000 } as const;

/**
 * Workers with open channels: by the channel's own name, and (extension 0x0002) by the names
 * shares on a channel were credited to within CREDITED_ONLINE_MS.
 */
export function onlineByWorker(
  sessions: Iterable<Pick<Session, 'channels'>>,
  nowMs = Date.now(),
): Map<string, { channels: number; difficulty: number }> {
  const m = new Map<string, { channels: number; difficulty: number }>();
  const count = (name: string, difficulty: number) => {
    const e = m.get(name) ?? { channels: 0, difficulty: 0 };
    e.channels += 1;
    e.difficulty = Math.max(e.difficulty, difficulty);
    m.set(name, e);
  };
  for (const s of sessions) {
    for (const ch of s.channels.values()) {
      count(ch.worker, ch.difficulty);
      if (!ch.creditedWorkers) continue;
      for (const [name, at] of ch.creditedWorkers) {
        if (nowMs - at <= CREDITED_ONLINE_MS && name !== ch.worker) count(name, ch.difficulty);
      }
    }
  }
  return m;
}

function blockView(b: BlockRow, ledger: Ledger) {
  const { blockJson: _omit, ...rest } = b;
  return { ...rest, split: ledger.blockSplit(b.id) };
}

export function buildApiSource(p: ApiSourceParts): ApiSource {
  /** Hashrate windows of one worker (or the pool), from the in-memory tracker. */
  const rates = (worker: string | null) => {
    const now = Date.now();
    const out: Record<string, number> = {};
    for (const [label, ms] of Object.entries(WINDOWS)) out[label] = p.hashrate.rate(worker, ms, now);
    return out;
  };

  return {
    health(): HealthReport {
      const reasons: string[] = [];
      const sync = p.getSync();
      if (!sync.synced) reasons.push(sync.error ?? 'node not synced');
      const last = p.templates.status.lastTemplateAtMs;
      const maxAge = Math.max(3 * p.config.node.pollIntervalMs, 10_000);
      if (!last) reasons.push('no template from the node yet');
      else if (Date.now() - last > maxAge)
        reasons.push(`last template is ${Math.round((Date.now() - last) / 1000)} s old`);
      if (!p.jobs.current) reasons.push('no job yet');
      return {
        ready: reasons.length === 0,
        reasons,
        nodeTip: p.getNodeTip()?.toString() ?? null,
        height: p.jobs.current?.height.toString() ?? null,
        templateAgeSeconds: last ? (Date.now() - last) / 1000 : null,
        lastTemplateError: p.templates.status.lastError,
        subscription: p.templates.status.subscription,
      };
    },
    pool() {
      const job = p.jobs.current;
      let channels = 0;
      for (const s of p.sessions) channels += s.channels.size;
      return {
        chain: p.config.chain,
        instanceId: p.config.sv2.instanceId,
        authorityPubkey: p.authorityPubkey,
        height: job ? job.height.toString() : null,
        nodeTip: p.getNodeTip()?.toString() ?? null,
        parentHash: job ? bytesToHex0x(job.parentHash) : null,
        networkDifficulty: job?.networkDifficulty ?? null,
        connections: p.sessions.size,
        channels,
        workersOnline: onlineByWorker(p.sessions).size,
        hashrate: rates(null),
        blocks: p.ledger.blockCounts(),
        lastBlock: (() => {
          const b = p.ledger.blocks(1)[0];
          return b
            ? {
                height: b.height,
                hash: b.hash,
                worker: b.worker,
                status: b.status,
                chainStatus: b.chainStatus,
                foundAtMs: b.foundAtMs,
              }
            : null;
        })(),
        pplnsWindowFactor: p.config.pplns.windowFactor,
      };
    },
    workers() {
      const online = onlineByWorker(p.sessions);
      return p.ledger.workers().map((w) => ({
        ...w,
        hashrate: rates(w.name),
        online: online.get(w.name) ?? { channels: 0, difficulty: 0 },
      }));
    },
    worker(name: string) {
      const w = p.ledger.worker(name);
      const online = onlineByWorker(p.sessions).get(name);
      if (!w && !online) return null;
      return {
        name,
        acceptedShares: w?.acceptedShares ?? 0,
        acceptedDifficulty: w?.acceptedDifficulty ?? 0,
        rejectedShares: w?.rejectedShares ?? 0,
        blocks: w?.blocks ?? 0,
        firstShareAtMs: w?.firstShareAtMs ?? null,
        lastShareAtMs: w?.lastShareAtMs ?? null,
        hashrate: rates(name),
        online: online ?? { channels: 0, difficulty: 0 },
      };
    },
    blocks(limit: number, offset: number) {
      return {
        blocks: p.ledger.blocks(limit, offset).map((b) => blockView(b, p.ledger)),
        counts: p.ledger.blockCounts(),
      };
    },
    async metrics() {
      return { contentType: p.metrics.registry.contentType, body: await p.metrics.text() };
    },
  };
}
