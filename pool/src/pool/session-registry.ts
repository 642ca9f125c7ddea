import type { Logger } from 'pino';

/**
 * The sessions the pool serves and the encrypted connection under each: what job fan-out
 * writes to, what the API counts, what the shutdown drain waits on. It also enforces the one
 * rule that needs both halves: a client that does not read is dropped before its queue eats
 * the pool's memory.
 */

/** The part of an SV2 connection the registry needs (Sv2Connection in production). */
export interface RegisteredConnection {
  readonly socket: { readonly writableLength: number; destroy(): void };
  close(reason: 'local-close', message: string): void;
}

export interface RegisteredSession {
  readonly log: Pick<Logger, 'warn'>;
}

export interface SlowReaderCounter {
  inc(labels: { reason: 'slow_reader' }): void;
}

/** Bytes queued for a client that does not read before we drop it (a stalled reader). */
export const MAX_PENDING_WRITE_BYTES = 4 * 1024 * 1024;

export class SessionRegistry<
  S extends RegisteredSession,
  C extends RegisteredConnection = RegisteredConnection,
> {
  /** Live sessions, in the order they connected (the API reads this set). */
  readonly sessions = new Set<S>();
  private readonly links = new Map<S, C>();

  constructor(
    private readonly rejected: SlowReaderCounter,
    private readonly maxPendingWriteBytes = MAX_PENDING_WRITE_BYTES,
  ) {}

  get size(): number {
    return this.links.size;
  }

  add(session: S, connection: C): void {
    this.sessions.add(session);
    this.links.set(session, connection);
  }

  remove(session: S): void {
    this.sessions.delete(session);
    this.links.delete(session);
  }

  /** Closes one session's connection (no-op for a session already gone). */
  close(session: S, message: string): void {
    this.links.get(session)?.close('local-close', message);
  }

  /** Drops the session's connection if the client has stopped reading what we write. */
  checkBackpressure(session: S): void {
    const c = this.links.get(session);
    if (c && c.socket.writableLength > this.maxPendingWriteBytes) {
      session.log.warn({ pending: c.socket.writableLength }, 'client does not read; closing');
      this.rejected.inc({ reason: 'slow_reader' });
      c.close('local-close', 'client does not read');
      c.socket.destroy();
    }
  }

  closeAll(message: string): void {
    for (const c of this.links.values()) c.close('local-close', message);
  }

  destroyAll(): void {
    for (const c of this.links.values()) c.socket.destroy();
  }
}
