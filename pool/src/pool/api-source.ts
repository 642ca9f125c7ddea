import {
  ApiRequestError,
  type ApiSource,
  type HealthReport,
  type PageQuery,
  withoutAddresses,
} from '../api/http.js';
import type { PoolMetrics } from '../api/metrics.js';
import { monitoringRoutes, type Sv2ClientInfo } from '../api/sri-monitoring.js';
import { bytesToHex0x } from '../ckb/hex.js';
import { type BlockSummary, CursorError } from '../ledger/reader.js';
import type { Awaitable, LedgerReadSide } from '../ledger/store.js';
import { CREDITED_ONLINE_MS } from './channel.js';
import type { PoolConfig } from './config.js';
import type { HashrateTracker } from './hashrate.js';
import type { JobBook } from './jobs.js';
import {
  type AccountBook,
  hashrateSeries,
  type MinerViewParts,
  minerView,
  recentPayouts,
  SOLO_BOOK,
} from './miner-view.js';
import { buildPoolMonitoring } from './monitoring.js';
import type { Session } from './session.js';
import type { TemplateSource } from './templates.js';

/** What the HTTP API shows, read from the running pool's parts. */

/** An open channel as the API reads it (a Channel, or an instance's report of one). */
export interface ApiChannel {
  worker: string;
  difficulty: number;
  creditedWorkers?: Map<string, number> | undefined;
}

/** Open connections and their channels: this process's sessions, or all instances' reports. */
export interface ApiSessions
  extends Iterable<{ channels: { readonly size: number; values(): Iterable<ApiChannel> } }> {
  readonly size: number;
  /** Brings the view up to date first where it is a copy (a primary's of its instances). */
  refresh?(): Promise<void>;
}

/** SV2 clients other processes describe (a primary's instances), asked for when read. */
export interface RemoteClients {
  all(): Sv2ClientInfo[];
  refresh(): Promise<void>;
}

export interface ApiSourceParts {
  config: PoolConfig;
  /** The ledger's read side (its own connection): the API never queries the share writer's. */
  ledger: LedgerReadSide;
  metrics: PoolMetrics;
  hashrate: HashrateTracker;
  sessions: ApiSessions;
  /**
   * The sessions SRI's monitoring routes describe in full (vendor, targets, batches): this
   * process's own, or in a primary of several instances what they report when asked.
   */
  clients: Iterable<Pick<Session, 'id' | 'state' | 'vendor' | 'channels'>> | RemoteClients;
  jobs: JobBook;
  templates: TemplateSource;
  getNodeTip(): bigint | null;
  getSync(): { synced: boolean; error: string | null };
  authorityPubkey: string;
  /** Balances and payouts (default: solo mode, nobody is owed anything). */
  book?: AccountBook;
}

/** Hashrate windows: short (what a dashboard shows) and long (smoother). */
const WINDOWS = { '10m': 600_000, '1h': 3_600_000 } as const;

/**
 * How long one walk over the open channels serves: parallel API requests share it instead of
 * each walking every channel of the pool.
 */
const ONLINE_CACHE_MS = 1_000;

/**
 * Workers with open channels: by the names shares on a channel were credited to within
 * CREDITED_ONLINE_MS (extension 0x0002), else by the channel's own name. A translator's
 * channel whose shares all carry a miner's name is that miner, not a second worker: counting
 * the channel's name too would show every such V1 miner twice.
 */
export function onlineByWorker(
  sessions: Iterable<{ channels: { values(): Iterable<ApiChannel> } }>,
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
      let credited = 0;
      for (const [name, at] of ch.creditedWorkers ?? []) {
        if (nowMs - at > CREDITED_ONLINE_MS || name === ch.worker) continue;
        count(name, ch.difficulty);
        credited += 1;
      }
      if (credited === 0) count(ch.worker, ch.difficulty);
    }
  }
  return m;
}

async function blockView(b: BlockSummary, ledger: LedgerReadSide) {
  return { ...b, split: await ledger.blockSplit(b.id) };
}

/** A foreign or garbled cursor is the client's error (400), never a 500. */
async function paged<T>(read: () => Awaitable<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (err instanceof CursorError) throw new ApiRequestError(err.message);
    throw err;
  }
}

export function buildApiSource(p: ApiSourceParts): ApiSource {
  /** Hashrate windows of one worker (or the pool), from the in-memory tracker. */
  const rates = (worker: string | null) => {
    const now = Date.now();
    const out: Record<string, number> = {};
    for (const [label, ms] of Object.entries(WINDOWS)) out[label] = p.hashrate.rate(worker, ms, now);
    return out;
  };
  let online: { atMs: number; byWorker: ReturnType<typeof onlineByWorker> } | null = null;
  const onlineNow = async () => {
    if (!online || Date.now() - online.atMs > ONLINE_CACHE_MS) {
      await p.sessions.refresh?.();
      const now = Date.now();
      online = { atMs: now, byWorker: onlineByWorker(p.sessions, now) };
    }
    return online.byWorker;
  };
  const book = p.book ?? SOLO_BOOK;
  const accounts: MinerViewParts = {
    chain: p.config.chain,
    ledger: p.ledger,
    book,
    rates,
    // Read after `miner` below has brought the view up to date.
    online: (name) => online?.byWorker.get(name),
  };
  const sri = sriRoutes(p.clients, p.config.vardiff);

  return {
    sri,
    health(): HealthReport {
      const reasons: string[] = [];
      const sync = p.getSync();
      if (!sync.synced) reasons.push(withoutAddresses(sync.error ?? 'node not synced'));
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
        lastTemplateError: p.templates.status.lastError && withoutAddresses(p.templates.status.lastError),
        subscription: p.templates.status.subscription,
      };
    },
    async pool() {
      const workersOnline = (await onlineNow()).size;
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
        workersOnline,
        hashrate: rates(null),
        blocks: await p.ledger.blockCounts(),
        lastBlock: await (async () => {
          const b = (await p.ledger.blocks(1, null)).items[0];
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
    async workers({ limit, cursor }: PageQuery) {
      const page = await paged(() => p.ledger.workers(limit, cursor));
      const online = await onlineNow();
      return {
        workers: page.items.map((w) => ({
          ...w,
          hashrate: rates(w.name),
          online: online.get(w.name) ?? { channels: 0, difficulty: 0 },
        })),
        next: page.next,
      };
    },
    async worker(name: string) {
      const w = await p.ledger.worker(name);
      const online = (await onlineNow()).get(name);
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
    async blocks({ limit, cursor }: PageQuery) {
      const page = await paged(() => p.ledger.blocks(limit, cursor));
      return {
        blocks: await Promise.all(page.items.map((b) => blockView(b, p.ledger))),
        counts: await p.ledger.blockCounts(),
        next: page.next,
      };
    },
    miner: async (address: string) => {
      await onlineNow();
      return minerView(accounts, address);
    },
    hashrate: (window: string, address: string | null) => hashrateSeries(accounts, window, address),
    async payouts() {
      return { enabled: book.enabled, payouts: await recentPayouts(book) };
    },
    async metrics() {
      return { contentType: p.metrics.registry.contentType, body: await p.metrics.text() };
    },
  };
}

/** SRI's monitoring routes over local sessions, or over remote clients refreshed when read. */
function sriRoutes(
  clients: ApiSourceParts['clients'],
  vardiff: PoolConfig['vardiff'],
): NonNullable<ApiSource['sri']> {
  if (!('all' in clients)) return monitoringRoutes(buildPoolMonitoring(clients, vardiff));
  const routes = monitoringRoutes({
    server: () => null,
    sv1Clients: () => null,
    sv2Clients: () => clients.all(),
  });
  return async (path, url) => {
    if (path === '/api/v1/global' || path.startsWith('/api/v1/clients')) await clients.refresh();
    return routes(path, url);
  };
}
