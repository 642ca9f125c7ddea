import { randomBytes } from 'node:crypto';
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import type { Block } from '../ckb/block.js';
import type { PayoutLock } from '../ckb/cellbase-lock.js';
import type { DeclaredJob } from '../jd/declare.js';
import type { JdNodeView } from '../jd/node-view.js';
import { waitingForParent } from '../jd/parent-wait.js';
import { JdsSession } from '../jd/session.js';
import { JOB_TOKEN_SIZE, JobTokens } from '../jd/tokens.js';
import { ByteBudget } from '../sv2/byte-budget.js';
import type { Sv2Connection } from '../sv2/connection.js';
import { MAX_FRAME_PAYLOAD } from '../sv2/frame.js';
import { acceptSv2 } from '../sv2/handshake-io.js';
import type { Sv2Message } from '../sv2/messages/index.js';
import type { EphemeralKeyPool, ServerIdentity } from '../sv2/noise/identity.js';
import { AdmissionGate } from './admission.js';
import type { PoolConfig } from './config.js';
import { parseHostPort } from './config.js';
import type { DeclaredWork } from './declared-work.js';
import { UNLIMITED_PEER } from './peer-limits.js';

/**
 * The Job Declarator Server's listener (docs/job-declaration-ckb.md §1, §3, §9): Noise NX with
 * the pool's authority key, frames up to the SV2 maximum (a ProvideMissingTransactions.Success
 * carries up to a block's transactions), one JdsSession per connection fed its messages in
 * order, missing-transaction deadlines checked each second. A malformed frame or a protocol
 * violation closes only its connection; connection counts are capped in total and per IP
 * before any handshake work, as on the mining listener.
 */

export interface JdListenerDeps {
  config: PoolConfig;
  identity: ServerIdentity;
  ephemeralPool: EphemeralKeyPool;
  /** The pool's node as the JDS judges declarations against it. */
  view: JdNodeView;
  work: DeclaredWork;
  payoutLock: PayoutLock;
  /** A PushCkbSolution completed a declared block. */
  onSolution(block: Block, job: DeclaredJob, connectionId: number): void;
  log: Logger;
}

export interface JdListener {
  /** host:port as bound. */
  address: string;
  port: number;
  /** Open JD connections. */
  readonly connections: number;
  close(): Promise<void>;
}

/** Partly received frame bytes held over all JD connections (a few large declarations at once). */
const PENDING_FRAME_BYTES = 64 * 1024 * 1024;
const EXPIRY_TICK_MS = 1_000;
/** Messages of one connection waiting behind a declaration that asks the node. */
const MAX_WAITING_MESSAGES = 64;

export async function startJdListener(d: JdListenerDeps): Promise<JdListener> {
  const { config, log } = d;
  const jd = config.jd;
  if (!jd.listen) throw new Error('jd.listen is not set');
  const at = parseHostPort(jd.listen, 'jd.listen');
  const tokens = new JobTokens({ ttlMs: jd.tokenTtlSec * 1000, maxPerConnection: jd.maxTokensPerConnection });
  const view = waitingForParent(d.view, { waitMs: jd.parentWaitMs });
  const gate = new AdmissionGate(
    { maxConnections: jd.maxConnections, maxConnectionsPerIp: jd.maxConnectionsPerIp },
    { join: () => UNLIMITED_PEER },
    {
      connections: { inc() {}, dec() {} },
      connectionsRejected: { inc: ({ reason }) => log.warn({ reason }, 'JD connection refused') },
    },
  );
  const pendingFrameBytes = new ByteBudget(PENDING_FRAME_BYTES);
  const open = new Map<Sv2Connection, JdsSession>();

  const serve = (conn: Sv2Connection, connId: number, clog: Logger) => {
    const session = new JdsSession(connId, {
      view,
      payoutLock: d.payoutLock,
      tokens,
      jobs: d.work.declared,
      newToken: () => new Uint8Array(randomBytes(JOB_TOKEN_SIZE)),
      missingTxTimeoutMs: jd.missingTxTimeoutMs,
      submitBlock: (block, job) => d.onSolution(block, job, connId),
    });
    open.set(conn, session);
    let setUp = false;
    const setupTimer = setTimeout(() => {
      if (!setUp) conn.close('local-close', 'setup timeout');
    }, config.limits.handshakeTimeoutMs);
    setupTimer.unref();
    // Declarations await the node: keep each connection's answers in its messages' order.
    let queue: Promise<void> = Promise.resolve();
    let waiting = 0;
    conn.on('message', (msg) => {
      // A client that sends faster than its node-bound declarations are judged only fills memory.
      if (++waiting > MAX_WAITING_MESSAGES) {
        conn.close('local-close', `more than ${MAX_WAITING_MESSAGES} messages waiting`);
        return;
      }
      queue = queue.then(async () => {
        if (conn.closeInfo) return;
        try {
          const r = await session.handle(msg);
          for (const reply of r.replies) {
            if (reply.type === 'SetupConnectionSuccess') setUp = true;
            conn.send(reply);
          }
          logDeclaration(clog, r.replies);
          if (r.close) {
            clog.info({ reason: r.close }, 'closing JD connection');
            conn.close('local-close', r.close);
          }
        } catch (err) {
          clog.error({ err: (err as Error).message, msg: msg.type }, 'error handling JD message; closing');
          conn.close('local-close', 'internal error');
        } finally {
          waiting -= 1;
        }
      });
    });
    conn.on('close', (info) => {
      clearTimeout(setupTimer);
      session.close();
      open.delete(conn);
      clog.info({ reason: info.reason, message: info.message }, 'JD connection closed');
    });
  };

  const onSocket = (socket: Socket) => {
    const ip = socket.remoteAddress ?? 'unknown';
    const admitted = gate.admit(ip);
    if (!admitted) {
      socket.destroy();
      return;
    }
    const clog = log.child({ jdConn: admitted.connId, remote: `${ip}:${socket.remotePort}` });
    socket.once('close', admitted.release);
    socket.on('error', () => {});
    acceptSv2(socket, {
      identity: d.identity,
      ephemeralPool: d.ephemeralPool,
      handshakeTimeoutMs: config.limits.handshakeTimeoutMs,
      maxPayload: MAX_FRAME_PAYLOAD,
      idleTimeoutMs: config.limits.idleTimeoutMs,
      messageRate: { perSecond: config.limits.maxMessagesPerSecond, burst: config.limits.maxMessageBurst },
      frameTimeoutMs: config.limits.frameTimeoutMs,
      pendingFrameBytes,
    }).then(
      (conn) => {
        if (gate.closing) conn.close('local-close', 'shutting down');
        else serve(conn, admitted.connId, clog);
      },
      (err: Error & { reason?: string }) =>
        clog.info({ reason: err.reason, err: err.message }, 'JD handshake failed'),
    );
  };

  const server: Server = createServer({ noDelay: true }, onSocket);
  server.on('error', (err) => log.error({ err: err.message }, 'JD listener error'));
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(new Error(`jd.listen ${jd.listen}: ${err.message}`)));
    server.listen(at.port, at.host, () => resolve());
  });
  const expiry = setInterval(() => {
    const now = view.nowMs();
    for (const [conn, session] of open) for (const m of session.expire(now)) conn.send(m);
  }, EXPIRY_TICK_MS);
  expiry.unref();
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  log.info({ jd: `${host}:${addr.port}` }, 'JD listening');
  return {
    address: `${host}:${addr.port}`,
    port: addr.port,
    get connections() {
      return open.size;
    },
    close: async () => {
      gate.shutDown();
      clearInterval(expiry);
      const closing = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const conn of [...open.keys()]) conn.close('local-close', 'pool shutting down');
      await closing;
    },
  };
}

/** One line per declaration verdict, so an operator sees why a miner's blocks are refused. */
function logDeclaration(log: Logger, replies: readonly Sv2Message[]): void {
  for (const r of replies) {
    if (r.type === 'DeclareMiningJobSuccess') log.info({ request: r.requestId }, 'declaration accepted');
    if (r.type === 'DeclareMiningJobError')
      log.info(
        { request: r.requestId, code: r.errorCode, details: new TextDecoder().decode(r.errorDetails) },
        'declaration refused',
      );
  }
}
