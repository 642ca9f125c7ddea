/**
 * Socket ↔ Noise ↔ frames: the one place where SV2 bytes meet TCP once the handshake is done
 * (handshake-io.ts gets a socket that far). A connection ends with a named `Sv2CloseReason`,
 * and closing one affects nothing else.
 */
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import type { ByteBudget } from './byte-budget.js';
import { DEFAULT_MAX_PAYLOAD, type Frame } from './frame.js';
import { decodeMessage, encodeMessage, type Sv2Message } from './messages/index.js';
import type { Aead } from './noise/aead.js';
import type { Sv2CloseReason as NoiseCloseReason, Sv2ConnectionError } from './noise/errors.js';
import type { InitiatorResult, TransportKeys } from './noise/handshake.js';
import type { Secp256k1Backend } from './noise/secp.js';
import { encryptedFrameLength, encryptFrameInto, FrameDecryptor } from './noise/transport.js';
import { outboundBatch } from './outbound-batch.js';
import { TokenBucket } from './rate-limit.js';

export { Sv2ConnectionError } from './noise/errors.js';

/**
 * Why an SV2 connection ended: the handshake and transport reasons of `noise/errors.ts`, plus
 * the limits this adapter enforces on an established connection.
 */
export type Sv2CloseReason =
  | NoiseCloseReason
  /** The peer sent more messages than `messageRate` allows (a flood). */
  | 'rate-limit'
  /** The peer's IP, over all its connections, sent more messages than `ipMessageRate` allows. */
  | 'ip-rate-limit'
  /** A frame was started but not completed within `frameTimeoutMs` (a slowloris). */
  | 'frame-timeout'
  /** Partly received frames of all connections exceed `pendingFrameBytes`; this one grew. */
  | 'frame-memory';

/** Messages of one connection handled before others get their turn. */
const FRAMES_PER_TURN = 64;
/** A connection with more messages than this waiting is not read from until it catches up. */
const MAX_BACKLOG_FRAMES = 1_024;

export interface Sv2ConnectionOptions {
  /** Largest plaintext payload accepted from the peer (checked before buffering); default 65,535. */
  maxPayload?: number;
  /** Close with 'idle-timeout' when nothing arrives for this long; 0/undefined = never. */
  idleTimeoutMs?: number;
  /**
   * Token bucket on received messages (after the handshake): `burst` at once, `perSecond`
   * sustained; one more closes the connection with 'rate-limit'. perSecond 0/undefined = unlimited.
   */
  messageRate?: { perSecond: number; burst: number };
  /**
   * A bucket shared by every connection from the same IP (the pool's per-IP message limit);
   * running it dry closes the connection that did with 'ip-rate-limit'.
   */
  ipMessageRate?: TokenBucket | null;
  /** A started frame must be complete within this many ms, else 'frame-timeout'; 0/undefined = no limit. */
  frameTimeoutMs?: number;
  /**
   * Budget of partly received frame bytes shared by all connections: a connection whose
   * partial frame grows while the budget is exceeded is closed with 'frame-memory'.
   */
  pendingFrameBytes?: ByteBudget;
  aead?: Aead;
  backend?: Secp256k1Backend;
}

export interface Sv2CloseInfo {
  reason: Sv2CloseReason;
  message: string;
}

export interface Sv2ConnectionEvents {
  message: [msg: Sv2Message, frame: Frame];
  close: [info: Sv2CloseInfo];
}

/**
 * An established, encrypted SV2 connection. Listen with `on('message')` or `for await` —
 * attach right after the promise resolves (frames are never delivered before the next I/O turn).
 */
export class Sv2Connection extends EventEmitter<Sv2ConnectionEvents> {
  closeInfo: Sv2CloseInfo | null = null;
  readonly closed: Promise<Sv2CloseInfo>;
  private resolveClosed!: (info: Sv2CloseInfo) => void;
  private readonly decryptor: FrameDecryptor;
  private readonly idleTimeoutMs: number;
  private idleTimer: NodeJS.Timeout | null = null;
  /** Time of the last complete frame (a stray byte does not keep a connection alive). */
  private lastRx = Date.now();
  /** null = no message rate limit. */
  private readonly rate: TokenBucket | null;
  private readonly ipRate: TokenBucket | null;
  private readonly frameTimeoutMs: number;
  private frameTimer: NodeJS.Timeout | null = null;
  /** When the frame in progress started arriving (0 = none in progress). */
  private partialSinceMs = 0;
  private readonly pendingBudget: ByteBudget | null;
  /** Partial-frame bytes this connection has reported to `pendingBudget`. */
  private pendingHeld = 0;
  /** Received frames not yet decoded and delivered (drain), from `inboxHead` on. */
  private readonly inbox: Frame[] = [];
  private inboxHead = 0;
  private drainScheduled = false;
  /** Frames received / sent (for metrics). */
  framesIn = 0;
  framesOut = 0;
  /** Sealed frames waiting for the open outbound batch to end (in send order). */
  private held: Buffer | null = null;
  private readonly heldMore: Buffer[] = [];

  constructor(
    readonly socket: Socket,
    readonly role: 'responder' | 'initiator',
    private readonly transport: TransportKeys,
    options: Sv2ConnectionOptions,
    /** Initiator only: what the server proved in the handshake. */
    readonly server: Omit<InitiatorResult, 'transport'> | null = null,
  ) {
    super();
    this.closed = new Promise((r) => {
      this.resolveClosed = r;
    });
    this.decryptor = new FrameDecryptor(transport.recv, {
      maxPayload: options.maxPayload ?? DEFAULT_MAX_PAYLOAD,
    });
    this.idleTimeoutMs = options.idleTimeoutMs ?? 0;
    const mr = options.messageRate;
    this.rate = mr && mr.perSecond > 0 ? new TokenBucket(mr.perSecond, mr.burst, performance.now()) : null;
    this.ipRate = options.ipMessageRate ?? null;
    this.frameTimeoutMs = options.frameTimeoutMs ?? 0;
    this.pendingBudget = options.pendingFrameBytes ?? null;
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('end', () => this.close('peer-closed', 'the peer closed the connection'));
    socket.on('close', () => this.close('peer-closed', 'the connection closed'));
    socket.on('error', (e) => this.close('socket-error', e.message));
    this.armIdleTimer();
  }

  get remoteAddress(): string {
    return `${this.socket.remoteAddress}:${this.socket.remotePort}`;
  }

  /** Final handshake hash (identifies the session in logs). */
  get handshakeHash(): Uint8Array {
    return this.transport.handshakeHash;
  }

  /** Encrypts and writes one message; false when closed or the socket buffer is full. */
  send(msg: Sv2Message): boolean {
    return this.sendFrame(encodeMessage(msg));
  }

  /** Encrypts and writes one plaintext frame (6-byte header ‖ payload). */
  sendFrame(frame: Uint8Array): boolean {
    if (this.closeInfo) return false;
    this.framesOut++;
    // Buffer.allocUnsafe carves small buffers out of Node's shared pool: no backing store per
    // message (a fresh Uint8Array of > 64 bytes is one off-heap allocation each), no zero fill
    // (every byte is sealed over), and socket.write takes a Buffer without wrapping it again.
    // A buffer of its own per write, never a reused one: a write the kernel does not take at
    // once stays queued and must not change under it.
    const wire = Buffer.allocUnsafe(encryptedFrameLength(frame.length));
    encryptFrameInto(this.transport.send, frame, wire, 0);
    if (outboundBatch.open) {
      this.hold(wire);
      return true;
    }
    return this.socket.write(wire);
  }

  /** Keeps a sealed frame for the end of the open batch (outbound-batch.ts). */
  private hold(wire: Buffer): void {
    if (this.held === null) {
      this.held = wire;
      outboundBatch.enlist(this);
    } else {
      this.heldMore.push(wire);
    }
  }

  /** Writes what the batch held, as one buffer. */
  flushBatched(): void {
    const first = this.held;
    if (first === null) return;
    this.held = null;
    let wire = first;
    if (this.heldMore.length > 0) {
      wire = Buffer.concat([first, ...this.heldMore]);
      this.heldMore.length = 0;
    }
    if (!this.closeInfo) this.socket.write(wire);
  }

  /** Ends the connection with a named reason (first reason wins). Pending writes are flushed for 'local-close'; held batch writes for every reason but a gone socket. */
  close(reason: Sv2CloseReason = 'local-close', message = ''): void {
    if (this.closeInfo) return;
    // What a batch held was sent before the close: it goes out first, like any earlier write
    // (an error answer before a protocol close too), unless the socket itself is gone.
    if (reason !== 'socket-error' && reason !== 'peer-closed') this.flushBatched();
    else {
      this.held = null;
      this.heldMore.length = 0;
    }
    const info = { reason, message: message || reason };
    this.closeInfo = info;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    if (this.frameTimer) clearTimeout(this.frameTimer);
    this.pendingBudget?.adjust(-this.pendingHeld);
    this.pendingHeld = 0;
    if (reason === 'local-close') {
      this.socket.end();
      setTimeout(() => this.socket.destroy(), 2000).unref();
    } else {
      this.socket.destroy();
    }
    this.resolveClosed(info);
    this.emit('close', info);
  }

  /** Feeds received ciphertext (also used for bytes that followed the handshake in one read). */
  onData(chunk: Uint8Array): void {
    if (this.closeInfo) return;
    let frames: Frame[];
    try {
      frames = this.decryptor.push(chunk);
    } catch (e) {
      const err = e as Sv2ConnectionError;
      this.close(err.reason ?? 'aead-failure', err.message);
      return;
    }
    if (frames.length > 0) this.lastRx = Date.now();
    if (!this.trackPartialFrame(frames.length > 0)) return;
    // One clock read per chunk: frames that arrived together are counted at the same instant.
    const rate = this.rate;
    const ipRate = this.ipRate;
    const nowMs = rate === null && ipRate === null ? 0 : performance.now();
    for (const frame of frames) {
      // Checked on arrival, before decoding: a flood costs no more than the decryption done.
      if (rate !== null && !rate.take(nowMs)) {
        this.close(
          'rate-limit',
          `more than ${rate.perSecond} messages/s sustained (burst ${rate.burst}) after ${this.framesIn} messages`,
        );
        return;
      }
      if (ipRate !== null && !ipRate.take(nowMs)) {
        this.close(
          'ip-rate-limit',
          `this IP sent more than ${ipRate.perSecond} messages/s sustained (burst ${ipRate.burst}) over all its connections`,
        );
        return;
      }
      this.framesIn++;
      this.inbox.push(frame);
    }
    if (!this.drainScheduled) this.drain();
  }

  /**
   * Decodes and delivers queued frames, at most FRAMES_PER_TURN at a time: a peer that sends
   * thousands of messages in one burst is served in slices, with every other connection's
   * messages handled in between, and its socket is paused while the backlog is long (TCP
   * then slows it down instead of our memory filling up).
   */
  private drain(): void {
    const inbox = this.inbox;
    // Several messages from one read: their answers are sealed in order and go out as one
    // write at the end (outbound-batch.ts) instead of a syscall each.
    const open = inbox.length - this.inboxHead > 1 && !outboundBatch.open;
    if (!(open ? outboundBatch.run(() => this.deliverSlice()) : this.deliverSlice())) return;
    const backlog = inbox.length - this.inboxHead;
    if (backlog === 0) {
      inbox.length = 0;
      this.inboxHead = 0;
      if (this.socket.isPaused()) this.socket.resume();
      return;
    }
    if (backlog > MAX_BACKLOG_FRAMES && !this.socket.isPaused()) this.socket.pause();
    this.drainScheduled = true;
    setImmediate(() => {
      this.drainScheduled = false;
      if (!this.closeInfo) this.drain();
    });
  }

  /** Delivers up to FRAMES_PER_TURN queued frames; false once the connection closed. */
  private deliverSlice(): boolean {
    const inbox = this.inbox;
    let n = 0;
    while (this.inboxHead < inbox.length && n < FRAMES_PER_TURN) {
      if (this.closeInfo) return false;
      const frame = inbox[this.inboxHead++];
      n++;
      let msg: Sv2Message;
      try {
        msg = decodeMessage(frame);
      } catch (e) {
        this.close('decode-error', (e as Error).message);
        return false;
      }
      this.emit('message', msg, frame);
    }
    return true;
  }

  /**
   * Accounts the partly received frame after a read: reports it to the shared budget (closing
   * this connection when it grew past an exhausted budget) and keeps the time the frame in
   * progress started, for its deadline. False when the connection was closed.
   */
  private trackPartialFrame(completedFrames: boolean): boolean {
    const held = this.decryptor.bufferedBytes;
    if (this.pendingBudget && held !== this.pendingHeld) {
      const grew = held > this.pendingHeld;
      const within = this.pendingBudget.adjust(held - this.pendingHeld);
      this.pendingHeld = held;
      if (!within && grew) {
        this.close(
          'frame-memory',
          `partly received frames of all connections exceed ${this.pendingBudget.max} bytes`,
        );
        return false;
      }
    }
    if (held === 0) this.partialSinceMs = 0;
    else if (completedFrames || this.partialSinceMs === 0) this.partialSinceMs = Date.now();
    if (this.partialSinceMs !== 0 && this.frameTimeoutMs > 0 && !this.frameTimer) this.armFrameTimer();
    return true;
  }

  /** One lazy timer per connection: it checks the frame in progress when it fires, then re-arms. */
  private armFrameTimer(): void {
    this.frameTimer = null;
    if (this.partialSinceMs === 0 || this.closeInfo) return;
    const left = this.partialSinceMs + this.frameTimeoutMs - Date.now();
    if (left <= 0) {
      this.close('frame-timeout', `a frame was not completed within ${this.frameTimeoutMs} ms`);
      return;
    }
    this.frameTimer = setTimeout(() => this.armFrameTimer(), left);
    this.frameTimer.unref();
  }

  private armIdleTimer(): void {
    if (!this.idleTimeoutMs || this.closeInfo) return;
    const left = this.lastRx + this.idleTimeoutMs - Date.now();
    if (left <= 0) {
      this.close('idle-timeout', `nothing received for ${this.idleTimeoutMs} ms`);
      return;
    }
    // One timer per connection, re-armed lazily instead of on every packet.
    this.idleTimer = setTimeout(() => this.armIdleTimer(), left);
    this.idleTimer.unref();
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<Sv2Message> {
    const queue: Sv2Message[] = [];
    let wake: (() => void) | null = null;
    const onMessage = (m: Sv2Message) => {
      queue.push(m);
      wake?.();
    };
    const onClose = () => wake?.();
    this.on('message', onMessage);
    this.on('close', onClose);
    const cleanup = () => {
      this.off('message', onMessage);
      this.off('close', onClose);
    };
    const it: AsyncIterableIterator<Sv2Message> = {
      next: async () => {
        for (;;) {
          const m = queue.shift();
          if (m) return { value: m, done: false };
          if (this.closeInfo) {
            cleanup();
            return { value: undefined, done: true };
          }
          await new Promise<void>((r) => {
            wake = r;
          });
          wake = null;
        }
      },
      return: async () => {
        cleanup();
        return { value: undefined, done: true };
      },
      [Symbol.asyncIterator]: () => it,
    };
    return it;
  }
}
