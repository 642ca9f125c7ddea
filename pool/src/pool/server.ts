import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:net';
import pino, { type Logger } from 'pino';
import { type ApiServer, type ApiServerLimits, type ApiSource, startApiServer } from '../api/http.js';
import type { PoolMetrics } from '../api/metrics.js';
import type { Ledger } from '../ledger/ledger.js';
import { PgLedger } from '../ledger/pg-ledger.js';
import { PgLedgerReader } from '../ledger/pg-reader.js';
import { LedgerReader } from '../ledger/reader.js';
import type { LedgerReadSide, LedgerStore } from '../ledger/store.js';
import type { PayoutSchedule } from '../payouts/schedule.js';
import { authorityPublicFromSecret, encodeAuthorityPubkey } from '../sv2/noise/keys.js';
import { startWebServer } from '../web/server.js';
import { ledgerAccountBook } from './account-book.js';
import { type ApiSessions, buildApiSource } from './api-source.js';
import { type PoolConfig, parseHostPort } from './config.js';
import { readAuthoritySecret } from './identity.js';
import type { InstanceClients } from './instances/rounds.js';
import type { JdListener } from './jd-listener.js';
import { startJds } from './jds.js';
import type { Job } from './jobs.js';
import { startPayoutSchedule } from './payouts.js';
import { assembleParts, type PoolParts } from './pool-parts.js';

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
  /** Base URL of the miners' web page; null when `web.listen` is unset. */
  webUrl: string | null;
  /** host:port the Job Declarator Server listens on; null when `jd.listen` is unset. */
  jdAddress: string | null;
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

/** How long a shutdown waits for clients to leave after Reconnect (see ledger-flushing.ts). */
export { DRAIN_GRACE_MS } from './ledger-flushing.js';

function apiLimits(api: PoolConfig['api']): ApiServerLimits {
  const { listen: _listen, ...limits } = api;
  return limits;
}

/**
 * Started in stages, each undoing what came before if it fails: key, parts, SV2 listener,
 * pruning, API, first sync check and templates.
 */
export async function startPool(config: PoolConfig, opts: StartPoolOptions = {}): Promise<RunningPool> {
  const log = opts.logger ?? pino({ level: config.log.level, base: { svc: 'ckb-pool' } });
  // The key first: a missing or bad key file must fail before anything is opened.
  const authoritySecret = opts.authoritySecret ?? readAuthoritySecret(config.sv2.authorityKeyFile);
  const authorityPubkey = encodeAuthorityPubkey(authorityPublicFromSecret(authoritySecret));
  const parts = await assembleParts(config, authoritySecret, log, opts.processMetrics ?? false);
  const sv2 = await listenSv2(config, parts, log);
  let jds: JdListener | null;
  try {
    jds = await startJds(config, parts, log);
  } catch (err) {
    sv2.server.close();
    parts.ephemeralPool.stop();
    parts.background.stop();
    void parts.flushing.closeQuietly();
    throw err;
  }
  parts.pruner.start();
  const undo = () => {
    sv2.server.close();
    void jds?.close();
  };
  const { api, reader, web } = await startApi(config, parts, undo, sv2.port, authorityPubkey, log);
  await parts.sync.check();
  await parts.templates.start();
  let payouts: PayoutSchedule | null;
  try {
    payouts = await startPayoutSchedule(config, parts.ledger, parts.metrics.registry, log);
  } catch (err) {
    // A bad wallet key or operator address: stop everything started so far, then say why.
    await jds?.close();
    await shutdown(parts, sv2.server, [api, web], reader, log);
    throw new Error(`payouts: ${(err as Error).message}`);
  }
  const poolUrl = `stratum2+tcp://${sv2.localHost}:${sv2.port}/${authorityPubkey}`;
  log.info(
    { sv2: sv2.address, api: api.url, authority: authorityPubkey, chain: config.chain },
    'pool listening',
  );
  let closing: Promise<void> | null = null;
  return {
    sv2Address: sv2.address,
    apiUrl: api.url,
    webUrl: web?.url ?? null,
    jdAddress: jds?.address ?? null,
    authorityPubkey,
    poolUrl,
    metrics: parts.metrics,
    ledger: parts.ledger,
    currentJob: () => parts.jobs.current,
    waitForJob: (timeoutMs) => parts.fanout.waitForJob(timeoutMs),
    close: () => {
      closing ??= (async () => {
        await payouts?.close();
        await jds?.close();
        await shutdown(parts, sv2.server, [api, web], reader, log);
      })();
      return closing;
    },
  };
}

interface Sv2Listener {
  server: Server;
  /** host:port as bound (IPv6 in brackets). */
  address: string;
  /** The host a local client dials (loopback for a wildcard bind). */
  localHost: string;
  port: number;
}

async function listenSv2(config: PoolConfig, parts: PoolParts, log: Logger): Promise<Sv2Listener> {
  const server: Server = createServer({ noDelay: true }, parts.admission.onSocket);
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
    parts.ephemeralPool.stop();
    parts.background.stop();
    parts.accounts?.close();
    void parts.flushing.closeQuietly();
    throw new Error(`sv2.listen ${config.sv2.listen}: ${(err as Error).message}`);
  }
  const addr = server.address() as AddressInfo;
  const hostText = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const localHost = hostText === '0.0.0.0' || hostText === '[::]' ? '127.0.0.1' : hostText;
  return { server, address: `${hostText}:${addr.port}`, localHost, port: addr.port };
}

/** What the primary of several instances shows instead of its own (empty) sessions. */
export interface ApiView {
  sessions: ApiSessions;
  /** The instances' SV2 clients for SRI's monitoring routes (this process has none). */
  clients: InstanceClients;
  metrics: ApiSource['metrics'];
}

/**
 * The HTTP API on its own read connection, and the miners' web page (whose connect box names
 * `sv2Port`); on failure closes what came before (`undo`).
 */
export async function startApi(
  config: PoolConfig,
  parts: PoolParts,
  undo: () => void,
  sv2Port: number,
  authorityPubkey: string,
  log: Logger,
  view?: ApiView,
): Promise<{ api: ApiServer; reader: LedgerReadSide; web: ApiServer | null }> {
  const { ledger, ephemeralPool, background } = parts;
  let reader: LedgerReadSide;
  try {
    reader =
      ledger instanceof PgLedger
        ? new PgLedgerReader(ledger.pool)
        : new LedgerReader(config.ledger.path, (ledger as Ledger).db);
  } catch (err) {
    undo();
    ephemeralPool.stop();
    void parts.flushing.closeQuietly();
    throw new Error(`ledger.path ${config.ledger.path}: read-only connection: ${(err as Error).message}`);
  }
  const source = buildApiSource({
    config,
    ledger: reader,
    metrics: parts.metrics,
    hashrate: parts.hashrate,
    sessions: view?.sessions ?? parts.registry.sessions,
    clients: view?.clients ?? parts.registry.sessions,
    jobs: parts.jobs,
    templates: parts.templates,
    getNodeTip: () => parts.sync.tip,
    getSync: () => parts.sync.sync(),
    authorityPubkey,
    book: ledgerAccountBook(parts.ledger, config.chain, config.payouts.enabled),
  });
  const served = view ? { ...source, metrics: view.metrics } : source;
  const at = parseHostPort(config.api.listen, 'api.listen');
  try {
    const onError = (err: unknown) => log.error({ err: (err as Error).message }, 'API error');
    const api = await startApiServer(at.host, at.port, served, onError, apiLimits(config.api));
    const web = await startWeb(config, served, sv2Port, authorityPubkey, log).catch(async (err) => {
      await api.close();
      throw err;
    });
    return { api, reader, web };
  } catch (err) {
    undo();
    ephemeralPool.stop();
    reader.close();
    background.stop();
    void parts.flushing.closeQuietly();
    const field = (err as Error).message.startsWith('web.listen') ? '' : `api.listen ${config.api.listen}: `;
    throw new Error(`${field}${(err as Error).message}`);
  }
}

/** The miners' page on its own listener, from the same answers as the API. */
async function startWeb(
  config: PoolConfig,
  source: ApiSource,
  sv2Port: number,
  authorityPubkey: string,
  log: Logger,
): Promise<ApiServer | null> {
  const { web } = config;
  if (web.listen === null) return null;
  const at = parseHostPort(web.listen, 'web.listen');
  try {
    return await startWebServer(at.host, at.port, source, {
      connect: { sv2Url: web.sv2Url, sv2Port, authorityPubkey, v1Url: web.v1Url, v1Port: web.v1Port },
      limits: apiLimits(config.api),
      rate: { perSecond: web.requestsPerSecond, burst: web.requestBurst },
      onError: (err) => log.error({ err: (err as Error).message }, 'web page error'),
    });
  } catch (err) {
    throw new Error(`web.listen ${web.listen}: ${(err as Error).message}`);
  }
}

/** Reconnect for everyone, drain, then close in the reverse order of starting. */
async function shutdown(
  parts: PoolParts,
  sv2: Server,
  http: [ApiServer, ApiServer | null],
  reader: LedgerReadSide,
  log: Logger,
) {
  const [api, web] = http;
  const { registry } = parts;
  parts.gate.shutDown();
  log.info({ connections: registry.size }, 'shutting down: asking clients to reconnect');
  parts.background.stop();
  parts.accounts?.close();
  parts.pruner.stop();
  parts.sync.stop();
  sv2.close();
  await parts.templates.close();
  for (const s of registry.sessions) s.sendReconnect();
  // Drain: clients that got Reconnect leave on their own; until they do (or the grace ends)
  // their shares still in flight are validated and recorded, and acknowledged at once
  // instead of batched, since a client may leave at any moment.
  await parts.flushing.drain(registry);
  registry.closeAll('pool shutting down');
  await parts.submitter.close();
  parts.ephemeralPool.stop();
  await api.close();
  await web?.close();
  registry.destroyAll();
  reader.close();
  await parts.flushing.close();
  log.info('pool stopped');
}
