import pino, { type Logger } from 'pino';
import { Counter, Gauge } from 'prom-client';
import type { ApiServer } from '../../api/http.js';
import type { LedgerReadSide } from '../../ledger/store.js';
import type { PayoutSchedule } from '../../payouts/schedule.js';
import { authorityPublicFromSecret, encodeAuthorityPubkey } from '../../sv2/noise/keys.js';
import type { PoolConfig } from '../config.js';
import { readAuthoritySecret } from '../identity.js';
import type { Job } from '../jobs.js';
import { startPayoutSchedule } from '../payouts.js';
import { assembleParts, type PoolParts } from '../pool-parts.js';
import { type RunningPool, type StartPoolOptions, startApi } from '../server.js';
import { aggregatePoolMetrics } from './aggregate-metrics.js';
import { instanceCount } from './layout.js';
import { InstanceOwner, InstanceSessions, RecentJobs } from './owner.js';
import type { FromInstance, JobMessage, MetricsReply } from './protocol.js';
import { InstanceClients, InstanceRounds } from './rounds.js';
import { InstanceSupervisor } from './supervisor.js';

/**
 * `ckb-pool serve` with `instances` > 1: this process is the primary. It owns the node
 * subscription (one TemplateSource, every job sent to every instance), the ledger and block
 * submission (shares and found blocks arrive over IPC: recorded once, submitted once), the API
 * and the one /metrics; the instances (supervisor.ts) own the miners' connections.
 */

/** How long /metrics waits for an instance's numbers before answering without them. */
const METRICS_WAIT_MS = 1_000;

function jobMessage(job: Job, clean = job.clean): JobMessage {
  return { kind: 'job', id: job.id, clean, receivedAtMs: job.receivedAtMs, block: job.block };
}

export async function startPrimary(config: PoolConfig, opts: StartPoolOptions = {}): Promise<RunningPool> {
  const log = opts.logger ?? pino({ level: config.log.level, base: { svc: 'ckb-pool' } });
  const count = instanceCount(config.instances);
  const authoritySecret = opts.authoritySecret ?? readAuthoritySecret(config.sv2.authorityKeyFile);
  const authorityPubkey = encodeAuthorityPubkey(authorityPublicFromSecret(authoritySecret));
  const recent = new RecentJobs();
  let supervisor: InstanceSupervisor | null = null;
  const parts = await assembleParts(config, authoritySecret, log, opts.processMetrics ?? false, {
    onJob: (job) => {
      recent.remember(job);
      supervisor?.broadcast(jobMessage(job));
    },
  });
  const { registry: metricsRegistry } = parts.metrics;
  const restarts = new Counter({
    name: 'ckb_pool_instance_restarts_total',
    help: 'Instances (acceptor processes) that exited while the pool ran and were restarted.',
    registers: [metricsRegistry],
  });
  const listening = new Gauge({
    name: 'ckb_pool_instances',
    help: 'Instances (acceptor processes) listening on the SV2 port.',
    registers: [metricsRegistry],
  });
  // The API's questions to the instances, asked when it is read (rounds.ts).
  const sessions = new InstanceSessions(
    new InstanceRounds({
      indexes: () => sup.readyIndexes,
      send: (index, request) => sup.send(index, { kind: 'sessions-request', request }),
    }),
  );
  const clients = new InstanceClients(
    new InstanceRounds({
      indexes: () => sup.readyIndexes,
      send: (index, request) => sup.send(index, { kind: 'clients-request', request }),
    }),
  );
  const owner = new InstanceOwner({
    ledger: parts.ledger,
    hashrate: parts.hashrate,
    jobs: recent,
    found: (f) =>
      parts.submitter.found(f).catch((err: unknown) => {
        log.fatal({ err: (err as Error).message, job: f.job.id }, 'could not assemble a found block');
        parts.metrics.blocks.inc({ outcome: 'assemble_error' });
      }),
    log,
    onUnknownJob: () => parts.metrics.blocks.inc({ outcome: 'unknown_job' }),
  });
  const metricsReplies = new Map<number, (m: MetricsReply) => void>();
  const sup = new InstanceSupervisor(
    count,
    {
      onMessage: (index, m) => route(index, m),
      onReady: (index) => {
        listening.set(sup.readyIndexes.length);
        // A restarted instance starts from the current job (clean: it has no earlier one).
        const job = parts.jobs.current;
        if (job) sup.send(index, jobMessage(job, true));
      },
      onCrash: (index, code, signal) => {
        restarts.inc();
        listening.set(sup.readyIndexes.length);
        sessions.forget(index);
        clients.forget(index);
        log.error({ instance: index, code, signal }, 'instance exited; restarting it (its miners reconnect)');
      },
    },
    log,
  );
  supervisor = sup;
  function route(index: number, m: FromInstance): void {
    if (m.kind === 'shares') sup.send(index, owner.onShares(m, index));
    else if (m.kind === 'block') owner.onBlock(m, index);
    else if (m.kind === 'sessions') sessions.update(index, m);
    else if (m.kind === 'clients') clients.update(index, m.clients, m.request);
    else if (m.kind === 'metrics') metricsReplies.get(m.request)?.(m);
  }

  let nextRequest = 0;
  const instanceMetrics = () =>
    Promise.all(
      sup.readyIndexes.map(
        (index) =>
          new Promise<MetricsReply['metrics']>((resolve) => {
            const request = ++nextRequest;
            const t = setTimeout(() => done([]), METRICS_WAIT_MS);
            const done = (list: MetricsReply['metrics']) => {
              clearTimeout(t);
              metricsReplies.delete(request);
              resolve(list);
            };
            metricsReplies.set(request, (m) => done(m.metrics));
            sup.send(index, { kind: 'metrics-request', request });
          }),
      ),
    );
  const metricsView = async () => {
    const [own, theirs] = await Promise.all([metricsRegistry.getMetricsAsJSON(), instanceMetrics()]);
    const merged = aggregatePoolMetrics(own, theirs);
    return { contentType: merged.contentType, body: await merged.metrics() };
  };

  let sv2Address: string;
  try {
    sv2Address = await sup.start();
  } catch (err) {
    parts.ephemeralPool.stop();
    parts.background.stop();
    parts.accounts?.close();
    await parts.templates.close();
    parts.sync.stop();
    await parts.flushing.closeQuietly();
    throw new Error(`instances: ${(err as Error).message}`);
  }
  parts.pruner.start();
  const [host, port] = splitAddress(sv2Address);
  const undo = () => void sup.stop();
  const { api, reader, web } = await startApi(config, parts, undo, Number(port), authorityPubkey, log, {
    sessions,
    clients,
    metrics: metricsView,
  });
  await parts.sync.check();
  await parts.templates.start();
  // Payouts belong to the ledger's owner: the primary.
  let payouts: PayoutSchedule | null;
  try {
    payouts = await startPayoutSchedule(config, parts.ledger, parts.metrics.registry, log);
  } catch (err) {
    await shutdown(parts, sup, [api, web], reader, log);
    throw new Error(`payouts: ${(err as Error).message}`);
  }
  const localHost = host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host;
  log.info(
    { sv2: sv2Address, api: api.url, web: web?.url, instances: count, chain: config.chain },
    'pool listening',
  );
  let closing: Promise<void> | null = null;
  return {
    sv2Address,
    apiUrl: api.url,
    webUrl: web?.url ?? null,
    // jd.listen needs instances: 1 (config.ts): declared jobs live in one process.
    jdAddress: null,
    authorityPubkey,
    poolUrl: `stratum2+tcp://${localHost}:${port}/${authorityPubkey}`,
    metrics: parts.metrics,
    ledger: parts.ledger,
    currentJob: () => parts.jobs.current,
    waitForJob: (timeoutMs) => parts.fanout.waitForJob(timeoutMs),
    close: () => {
      closing ??= (async () => {
        await payouts?.close();
        await shutdown(parts, sup, [api, web], reader, log);
      })();
      return closing;
    },
  };
}

function splitAddress(address: string): [string, string] {
  const i = address.lastIndexOf(':');
  return [address.slice(0, i), address.slice(i + 1)];
}

/** Instances drain first (their last shares reach the ledger), then the primary's parts close. */
async function shutdown(
  parts: PoolParts,
  sup: InstanceSupervisor,
  http: [ApiServer, ApiServer | null],
  reader: LedgerReadSide,
  log: Logger,
): Promise<void> {
  const [api, web] = http;
  parts.gate.shutDown();
  log.info({ instances: sup.readyIndexes.length }, 'shutting down: draining instances');
  parts.background.stop();
  parts.accounts?.close();
  parts.pruner.stop();
  parts.sync.stop();
  await parts.templates.close();
  await sup.stop();
  await parts.submitter.close();
  parts.ephemeralPool.stop();
  await Promise.all([api.close(), web?.close()]);
  reader.close();
  await parts.flushing.close();
  log.info('pool stopped');
}
