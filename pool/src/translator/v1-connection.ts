import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { errorLine, LineSplitter, LineTooLongError, V1Error } from '../stratum-v1/wire.js';
import type { TranslatorLimitReason } from './limits.js';

/**
 * A V1 miner's socket as whole lines, with the limits that are about bytes and time rather than
 * requests: a line too long, no line for too long, a miner that does not read what it is sent.
 * What the lines mean is V1Session's business; this is what it shares with any line protocol.
 */

export interface V1ConnectionLimits {
  maxLineBytes: number;
  /** Unread bytes queued for a miner before it is dropped as a stalled reader. */
  maxPendingWriteBytes: number;
  /** A connection that sends no complete line for this long is closed (0 = never). */
  idleTimeoutMs?: number;
}

export interface V1ConnectionEvents {
  /** The complete lines of one read, in order. */
  lines(lines: string[]): void;
  /** A limit is closing the connection (`closed` follows). */
  limited(reason: TranslatorLimitReason): void;
  /** Closed, by either side; called once. */
  closed(): void;
}

export class V1Connection {
  private readonly splitter: LineSplitter;
  private closedFlag = false;
  private stopped = false;
  private lastLineMs = Date.now();
  private idleTimer: NodeJS.Timeout | null = null;

  constructor(
    readonly socket: Socket,
    private readonly limits: V1ConnectionLimits,
    private readonly log: Logger,
    private readonly events: V1ConnectionEvents,
  ) {
    this.splitter = new LineSplitter(limits.maxLineBytes);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => {});
    socket.on('close', () => this.onClose());
    this.armIdleTimer();
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  /** False once closed or told to stop reading: lines still in hand are dropped too. */
  get reading(): boolean {
    return !this.closedFlag && !this.stopped;
  }

  /** Reads nothing more; what is owed can still be written. */
  stopReading(): void {
    this.stopped = true;
  }

  /** Closes the connection because a limit was reached: logged, and reported as `limited`. */
  closeFor(reason: TranslatorLimitReason, message: string): void {
    if (this.closedFlag) return;
    this.log.info({ reason }, `${message}; closing`);
    this.events.limited(reason);
    this.close();
  }

  /** Flushes what is written and closes. */
  close(): void {
    if (this.closedFlag) return;
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 1_000).unref();
    this.onClose();
  }

  write(line: string): void {
    if (this.closedFlag) return;
    this.socket.write(line);
    if (this.socket.writableLength > this.limits.maxPendingWriteBytes) {
      this.log.warn({ pending: this.socket.writableLength }, 'V1 miner does not read; closing');
      this.events.limited('slow_reader');
      this.socket.destroy();
      this.onClose();
    }
  }

  /** One lazy timer: it checks the time of the last complete line when it fires. */
  private armIdleTimer(): void {
    this.idleTimer = null;
    const idle = this.limits.idleTimeoutMs ?? 0;
    if (idle <= 0 || this.closedFlag) return;
    const left = this.lastLineMs + idle - Date.now();
    if (left <= 0) {
      this.closeFor('idle', `no request for ${idle} ms`);
      return;
    }
    this.idleTimer = setTimeout(() => this.armIdleTimer(), left);
    this.idleTimer.unref();
  }

  private onData(chunk: Buffer): void {
    if (!this.reading) return;
    let lines: string[];
    try {
      lines = this.splitter.push(chunk);
    } catch (err) {
      if (err instanceof LineTooLongError) {
        this.write(
          errorLine(null, V1Error.illegalParams, `line longer than ${this.limits.maxLineBytes} bytes`),
        );
        this.closeFor('line_too_long', `V1 line too long (${err.message})`);
        return;
      }
      throw err;
    }
    if (lines.length > 0) this.lastLineMs = Date.now();
    this.events.lines(lines);
  }

  private onClose(): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.events.closed();
  }
}
