import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import { parseHostPort } from '../net/address.js';
import type { V1Dialect } from '../stratum-v1/dialects/index.js';
import { errorLine, V1Error } from '../stratum-v1/wire.js';
import type { TranslatorLimitReason, V1Admission } from './limits.js';
import type { V1Resumes } from './v1-resumes.js';
import { V1Session, type V1SessionHost, type V1SessionLimits } from './v1-session.js';

export interface V1ListenerOptions {
  /** `host:port` to listen on. */
  listen: string;
  admission: V1Admission;
  host: V1SessionHost;
  limits: V1SessionLimits;
  log: Logger;
  limited: (reason: TranslatorLimitReason) => void;
  /** The number of open V1 sessions changed. */
  onCount: (sessions: number) => void;
  /** Every miner on this port speaks this dialect (docs/miners.md); else chosen per miner. */
  dialect?: V1Dialect;
  resumes?: V1Resumes;
  /** The open sessions of every listener of the translator (one set, shared). */
  sessions?: Set<V1Session>;
  /** Session ids, unique across the translator's listeners. */
  ids?: { next: number };
}

/** What a refused miner reads before the socket closes, instead of a bare disconnect. */
export function refusalText(refused: TranslatorLimitReason | 'shutdown'): string {
  if (refused === 'per_ip') return 'translator full for your address: too many connections from it';
  if (refused === 'total') return 'translator full: too many connections';
  return 'translator shutting down';
}

/**
 * The V1 side's TCP listener: admits miners (per address and in total), makes a V1Session for
 * each, keeps the set of open sessions and the wire bytes of those already closed.
 */
export class V1Listener {
  /** Open sessions of all the translator's listeners (shared when several listen). */
  readonly sessions: Set<V1Session>;
  /** This listener's own open sessions. */
  private readonly own = new Set<V1Session>();
  /** The address each session was admitted under (the socket forgets it once destroyed). */
  private readonly ipOf = new Map<V1Session, string>();
  private readonly server: Server;
  private readonly ids: { next: number };
  private closing = false;
  private closedBytesIn = 0;
  private closedBytesOut = 0;

  /** The owner's host, with this listener's bookkeeping first when a session closes. */
  private readonly sessionHost: V1SessionHost;

  constructor(private readonly o: V1ListenerOptions) {
    this.sessions = o.sessions ?? new Set();
    this.ids = o.ids ?? { next: 1 };
    this.server = createServer({ noDelay: true }, (socket) => this.onSocket(socket));
    const host = o.host;
    this.sessionHost = {
      subscribe: (s) => host.subscribe(s),
      checkName: (s, user) => host.checkName?.(s, user) ?? null,
      authorized: (s, user) => host.authorized(s, user),
      submit: (s, params) => host.submit(s, params),
      limited: (s, reason) => host.limited?.(s, reason),
      closed: (s) => {
        this.forget(s);
        host.closed(s);
      },
    };
  }

  /** Listens; resolves with the bound `host:port` and the stratum+tcp URL miners can use. */
  async start(): Promise<{ address: string; url: string }> {
    const { server, o } = this;
    const addr = parseHostPort(o.listen, '--listen');
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(addr.port, addr.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => o.log.error({ err: err.message }, 'V1 listener error'));
    const a = server.address() as AddressInfo;
    const hostText = a.family === 'IPv6' ? `[${a.address}]` : a.address;
    const urlHost = hostText === '0.0.0.0' || hostText === '[::]' ? '127.0.0.1' : hostText;
    return { address: `${hostText}:${a.port}`, url: `stratum+tcp://${urlHost}:${a.port}` };
  }

  private onSocket(socket: Socket): void {
    const ip = socket.remoteAddress ?? 'unknown';
    const refused = this.closing ? 'shutdown' : this.o.admission.admit(ip);
    if (refused) {
      this.o.limited(refused);
      socket.on('error', () => {});
      socket.end(errorLine(null, V1Error.other, refusalText(refused)));
      setTimeout(() => socket.destroy(), 1_000).unref();
      return;
    }
    const id = this.ids.next++;
    const log = this.o.log.child({ v1: id, remote: socket.remoteAddress });
    const s = new V1Session(id, socket, this.sessionHost, this.o.limits, log, {
      dialect: this.o.dialect,
      resumes: this.o.resumes,
    });
    this.ipOf.set(s, ip);
    this.sessions.add(s);
    this.own.add(s);
    this.o.onCount(this.sessions.size);
  }

  /** A session ended: its admission slot and byte counts are released. */
  private forget(s: V1Session): void {
    this.sessions.delete(s);
    this.own.delete(s);
    this.o.admission.leave(this.ipOf.get(s) ?? 'unknown');
    this.ipOf.delete(s);
    this.closedBytesIn += s.socket.bytesRead;
    this.closedBytesOut += s.socket.bytesWritten;
    this.o.onCount(this.sessions.size);
  }

  /** V1 wire bytes read and written, closed sessions included. */
  bytes(): { in: number; out: number } {
    let bytesIn = this.closedBytesIn;
    let bytesOut = this.closedBytesOut;
    for (const s of this.own) {
      bytesIn += s.socket.bytesRead;
      bytesOut += s.socket.bytesWritten;
    }
    return { in: bytesIn, out: bytesOut };
  }

  /** Stops accepting (late arrivals hear 'shutting down'), closes every session. */
  close(): void {
    this.closing = true;
    this.server.close();
    for (const s of [...this.own]) s.close();
    for (const s of [...this.own]) s.socket.destroy();
  }

  /** Closes the listener alone (startup failed after it was bound). */
  abort(): void {
    this.server.close();
  }
}
