import { type AddressInfo, createServer, type Server } from 'node:net';
import pino from 'pino';
import { PoolMetrics } from '../../api/metrics.js';
import { parseHostPort } from '../../net/address.js';
import type { Sv2Connection } from '../../sv2/connection.js';
import { EphemeralKeyPool, ServerIdentity } from '../../sv2/noise/identity.js';
import { accountPolicy } from '../account-policy.js';
import { openInstanceRegistry } from '../account-registry.js';
import { AdmissionGate } from '../admission.js';
import { startBackground } from '../background.js';
import type { PoolConfig } from '../config.js';
import { readAuthoritySecret } from '../identity.js';
import { JobFanout } from '../job-fanout.js';
import { JobBook } from '../jobs.js';
import { DRAIN_GRACE_MS } from '../ledger-flushing.js';
import { buildPoolMonitoring } from '../monitoring.js';
import { newAdmission, newPeerLimits, warnOnTightBurst } from '../pool-parts.js';
import type { Session, SessionContext } from '../session.js';
import { SessionRegistry } from '../session-registry.js';
import { instanceAllocator } from './layout.js';
import { viewSessions } from './owner.js';
import {
  type ClientsMessage,
  decodeToInstance,
  encode,
  type FromInstance,
  type JobMessage,
} from './protocol.js';
import { RemoteShares } from './remote-shares.js';
import { instanceClientId } from './rounds.js';

/**
 * One acceptor instance (a cluster worker of `ckb-pool serve` with `instances` > 1): listens
 * on the shared SV2 port, runs the Noise handshakes and sessions of its connections and
 * validates their shares. Jobs come from the primary; shares and found blocks go to it.
 * Signals are the primary's business: an instance drains when the primary says so, and exits
 * when the primary is gone.
 */

/** Environment the primary forks an instance with. */
export const INSTANCE_ENV = { index: 'CKB_POOL_INSTANCE_INDEX', count: 'CKB_POOL_INSTANCES' } as const;

const DRAIN_TICK_MS = 20;

/** This process's place among the instances, when it is one. */
export function instanceRole(env = process.env): { index: number; count: number } | null {
  const index = env[INSTANCE_ENV.index];
  const count = env[INSTANCE_ENV.count];
  if (index === undefined || count === undefined || !process.send) return null;
  return { index: Number(index), count: Number(count) };
}

function send(m: FromInstance): void {
  process.send?.(encode(m));
}

/** Runs the instance until it has drained; resolves to the exit code. */
export async function runInstance(
  config: PoolConfig,
  role: { index: number; count: number },
): Promise<number> {
  const log = pino({
    level: config.log.level,
    base: { svc: 'ckb-pool', instance: role.index, pid: process.pid },
  });
  const authoritySecret = readAuthoritySecret(config.sv2.authorityKeyFile);
  const metrics = new PoolMetrics({ defaultMetrics: true });
  warnOnTightBurst(config, log);
  const jobs = new JobBook(config.jobs.maxPastJobs);
  const registry = new SessionRegistry<Session, Sv2Connection>(metrics.connectionsRejected);
  const peerLimits = newPeerLimits(config.limits);
  const background = startBackground(log, () => peerLimits.channels);
  const ephemeralPool = new EphemeralKeyPool({ size: 64 });
  ephemeralPool.start();
  const shares = new RemoteShares(send);
  const accounts = await openInstanceRegistry(config, log);
  const ctx: SessionContext = {
    vardiffWheel: background.vardiffWheel,
    channelActivity: background.channelActivity,
    chain: config.chain,
    config,
    accounts: accountPolicy(config.accounts.mode, config.chain, accounts?.registry),
    jobs,
    allocator: instanceAllocator(config.sv2.instanceId, role.index, role.count),
    metrics,
    ledger: shares,
    now: Date.now,
    onBlockFound: (f) => {
      shares.flush(); // the block's own share reaches the owner first
      const { job, nonce16, worker, shareDifficulty, connectionId, channelId } = f;
      send({ kind: 'block', jobId: job.id, nonce16, worker, shareDifficulty, connectionId, channelId });
    },
  };
  const fanout = new JobFanout({
    jobs,
    registry,
    // Confirmations and resubmission are the primary's (it owns the ledger and the node).
    submitter: { checkConfirmations: async () => {}, resubmitUnresolved: async () => 0 },
    metrics,
    log,
    maxDuplicateEntriesPerJob: config.shares.maxDuplicateEntriesPerJob,
  });
  const identity = new ServerIdentity({
    authoritySecret,
    validitySeconds: config.sv2.certificateValiditySeconds,
  });
  const gate = new AdmissionGate(config.limits, peerLimits, metrics);
  const admission = newAdmission(config, { gate, identity, ephemeralPool, registry, ctx, metrics, log });
  const server = await listen(config, admission.onSocket);

  const monitoring = buildPoolMonitoring(registry.sessions, config.vardiff);
  const clientsView = (request: number): ClientsMessage => ({
    kind: 'clients',
    request,
    clients: (monitoring.sv2Clients() ?? []).map((c) => ({
      ...c,
      client_id: instanceClientId(c.client_id, role.index, role.count),
    })),
  });

  const onJob = (m: JobMessage) =>
    fanout.onTemplate({
      block: m.block,
      clean: m.clean,
      receivedAtMs: m.receivedAtMs,
      source: 'poll',
      jobId: m.id,
    });
  return await new Promise<number>((resolve) => {
    let draining = false;
    let leaving = false;
    const drain = async () => {
      if (draining) return;
      draining = true;
      gate.shutDown();
      background.stop();
      server.close();
      for (const s of registry.sessions) s.sendReconnect();
      const end = Date.now() + DRAIN_GRACE_MS;
      while (registry.size > 0 && Date.now() < end) {
        await new Promise((r) => setTimeout(r, DRAIN_TICK_MS));
        for (const s of registry.sessions) s.flushAcks();
      }
      const leftOver = registry.size;
      registry.closeAll('pool shutting down');
      await shares.settled(2_000);
      registry.destroyAll();
      ephemeralPool.stop();
      await accounts?.close();
      leaving = true;
      // Exit only once the report is on its way (process.exit would cut the pipe).
      process.send?.(encode({ kind: 'drained', leftOver }), () => {
        process.disconnect();
        resolve(0);
      });
    };
    process.on('message', (raw) => {
      const m = decodeToInstance(raw);
      if (!m) return;
      if (m.kind === 'job') onJob(m);
      else if (m.kind === 'queued') shares.confirm(m.upTo);
      else if (m.kind === 'drain') void drain();
      else if (m.kind === 'sessions-request') send(viewSessions(registry.sessions, m.request));
      else if (m.kind === 'clients-request') send(clientsView(m.request));
      else if (m.kind === 'metrics-request')
        void metrics.registry
          .getMetricsAsJSON()
          .then((metricsJson) => send({ kind: 'metrics', request: m.request, metrics: metricsJson }));
    });
    // The primary coordinates shutdown; a terminal's Ctrl-C reaches the whole group.
    process.on('SIGINT', () => {});
    process.on('SIGTERM', () => {});
    // The primary gone (killed): nobody records shares any more, stop at once.
    process.on('disconnect', () => {
      if (leaving) return;
      log.error('primary gone; instance exiting');
      process.exit(1);
    });
    send({ kind: 'ready', address: server.address() ? addressText(server) : '' });
    log.info({ instance: role.index, of: role.count }, 'instance listening');
  });
}

function addressText(server: Server): string {
  const a = server.address() as AddressInfo;
  return a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
}

/** The shared SV2 listener: cluster hands this worker its share of the primary's port. */
async function listen(config: PoolConfig, onSocket: Parameters<typeof createServer>[1]): Promise<Server> {
  const at = parseHostPort(config.sv2.listen, 'sv2.listen');
  const server = createServer({ noDelay: true }, onSocket);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(at.port, at.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}
