import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import type { PoolMetrics } from '../api/metrics.js';
import type { Sv2Connection } from '../sv2/connection.js';
import { type AcceptOptions, acceptSv2 } from '../sv2/handshake-io.js';
import { closeReasonLabel } from './background.js';
import type { PeerAccount } from './peer-limits.js';
import type { Session } from './session.js';
import type { SessionRegistry } from './session-registry.js';

/**
 * Who gets in: connection counts (total and per IP) checked before any handshake work, then the
 * Noise handshake, then a Session that must send SetupConnection within the same time budget.
 * Per-peer channel, worker-name and message limits are handed to the session as its PeerAccount.
 */

export type AdmissionRefusal = 'shutdown' | 'total' | 'per_ip';

export interface Admitted {
  readonly connId: number;
  readonly peer: PeerAccount;
  /** Gives the slot back. Idempotent (socket 'close' may fire after an explicit release). */
  release(): void;
}

export interface GateMetrics {
  connections: { inc(): void; dec(): void };
  connectionsRejected: { inc(labels: { reason: AdmissionRefusal }): void };
}

/** Connection counting, without sockets: what `admit` refuses never costs a handshake. */
export class AdmissionGate {
  private open = 0;
  private readonly perIp = new Map<string, number>();
  private nextConnId = 1;
  private shuttingDown = false;

  constructor(
    private readonly limits: { maxConnections: number; maxConnectionsPerIp: number },
    private readonly peers: { join(ip: string): PeerAccount },
    private readonly metrics: GateMetrics,
  ) {}

  get closing(): boolean {
    return this.shuttingDown;
  }

  get openConnections(): number {
    return this.open;
  }

  /** From now on every new connection is refused. */
  shutDown(): void {
    this.shuttingDown = true;
  }

  /** A slot for a connection from `ip`, or null (refusal counted in the metrics). */
  admit(ip: string): Admitted | null {
    const refusal = this.refusal(ip);
    if (refusal) {
      this.metrics.connectionsRejected.inc({ reason: refusal });
      return null;
    }
    this.open += 1;
    this.perIp.set(ip, (this.perIp.get(ip) ?? 0) + 1);
    this.metrics.connections.inc();
    const peer = this.peers.join(ip);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      peer.leave();
      this.open -= 1;
      const n = (this.perIp.get(ip) ?? 1) - 1;
      if (n <= 0) this.perIp.delete(ip);
      else this.perIp.set(ip, n);
      this.metrics.connections.dec();
    };
    return { connId: this.nextConnId++, peer, release };
  }

  private refusal(ip: string): AdmissionRefusal | null {
    if (this.shuttingDown) return 'shutdown';
    if (this.open >= this.limits.maxConnections) return 'total';
    if ((this.perIp.get(ip) ?? 0) >= this.limits.maxConnectionsPerIp) return 'per_ip';
    return null;
  }
}

export interface AdmissionDeps {
  gate: AdmissionGate;
  /** Handshake and transport options shared by every connection (the IP bucket is per peer). */
  accept: Omit<AcceptOptions, 'ipMessageRate'>;
  /** Handshake plus SetupConnection must both happen within this. */
  handshakeTimeoutMs: number;
  registry: SessionRegistry<Session, Sv2Connection>;
  newSession(conn: Sv2Connection, admitted: Admitted, log: Logger): Session;
  metrics: Pick<PoolMetrics, 'handshakes' | 'connectionsRejected'>;
  log: Logger;
}

/** The SV2 listener's connection handler: socket → handshake → registered Session. */
export class Admission {
  constructor(private readonly d: AdmissionDeps) {}

  readonly onSocket = (socket: Socket): void => {
    const ip = socket.remoteAddress ?? 'unknown';
    const admitted = this.d.gate.admit(ip);
    if (!admitted) {
      socket.destroy();
      return;
    }
    const clog = this.d.log.child({ conn: admitted.connId, remote: `${ip}:${socket.remotePort}` });
    socket.once('close', admitted.release);
    socket.on('error', () => {});
    const handshakeStart = Date.now();
    acceptSv2(socket, { ...this.d.accept, ipMessageRate: admitted.peer.messageBucket }).then(
      (conn) => this.serve(conn, admitted, clog, handshakeStart),
      (err: Error & { reason?: string }) => {
        const outcome = err.reason === 'handshake-timeout' ? 'timeout' : 'failed';
        this.d.metrics.handshakes.inc({ outcome });
        clog.info({ reason: err.reason, err: err.message }, 'handshake failed');
      },
    );
  };

  private serve(conn: Sv2Connection, admitted: Admitted, clog: Logger, handshakeStart: number): void {
    const { registry, metrics } = this.d;
    if (this.d.gate.closing) {
      conn.close('local-close', 'shutting down');
      return;
    }
    const session = this.d.newSession(conn, admitted, clog);
    registry.add(session, conn);
    // SetupConnection must follow the handshake within the same budget.
    const left = Math.max(this.d.handshakeTimeoutMs - (Date.now() - handshakeStart), 1);
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
      registry.checkBackpressure(session);
    });
    conn.on('close', (info) => {
      clearTimeout(setupTimer);
      session.closed();
      registry.remove(session);
      const label = closeReasonLabel(info.reason);
      if (label) metrics.connectionsRejected.inc({ reason: label });
      if (info.reason === 'rate-limit' || info.reason === 'ip-rate-limit') {
        clog.warn({ reason: info.reason, message: info.message }, 'message flood; connection closed');
      } else {
        clog.info({ reason: info.reason, message: info.message }, 'connection closed');
      }
    });
  }
}
