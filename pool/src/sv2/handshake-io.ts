/**
 * Accepting and dialing SV2: drives the pure Noise state machine (noise/handshake.ts) over a
 * socket until an `Sv2Connection` can take it over. Apart from connection.ts because each ends
 * where the other begins: here a deadline and exact reads of the acts on a plaintext socket,
 * there framing, limits and backpressure once it is encrypted. `acceptSv2` (the pool, Noise
 * responder) and `connectSv2` (translator and miner, Noise initiator) resolve to a connection
 * or reject with an `Sv2ConnectionError` whose `reason` names what went wrong; a failed
 * handshake's socket is destroyed and nothing else is affected.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { Sv2Connection, type Sv2ConnectionOptions } from './connection.js';
import { Sv2ConnectionError } from './noise/errors.js';
import { ACT1_SIZE, ACT2_SIZE, looksLikeText, NoiseInitiator, NoiseResponder } from './noise/handshake.js';
import type { EphemeralKeyPool, ResponderIdentity, ServerIdentity } from './noise/identity.js';
import { decodeAuthorityPubkey, parsePoolUrl } from './noise/keys.js';

export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;

/** The handshake's single timer and its failure path (each read step wraps `fail` to detach). */
interface HandshakeDeadline {
  timer: NodeJS.Timeout | null;
  fail: (e: Sv2ConnectionError) => void;
}

/** Starts the deadline: `fail` (also what the timer calls) stops it, destroys the socket, rejects. */
function startDeadline(
  socket: Socket,
  reject: (e: Sv2ConnectionError) => void,
  timeoutMs: number,
  timeoutError: () => Sv2ConnectionError,
): HandshakeDeadline {
  const deadline: HandshakeDeadline = {
    timer: null,
    fail: (e) => {
      if (deadline.timer) clearTimeout(deadline.timer);
      socket.destroy();
      reject(e);
    },
  };
  deadline.timer = setTimeout(() => deadline.fail(timeoutError()), timeoutMs);
  deadline.timer.unref();
  return deadline;
}

/**
 * Reads exactly `size` handshake bytes from the socket (until the deadline), then hands them to
 * `onMessage` together with any bytes that arrived beyond `size`.
 */
function handshakeRead(
  socket: Socket,
  size: number,
  deadline: HandshakeDeadline,
  onMessage: (msg: Uint8Array, extra: Uint8Array) => void,
  /** Inspects a partial message; may throw to fail early. */
  earlyCheck?: (partial: Uint8Array) => void,
): void {
  const parts: Buffer[] = [];
  let have = 0;
  const onData = (chunk: Buffer) => {
    parts.push(chunk);
    have += chunk.length;
    if (have < size) {
      if (earlyCheck) {
        try {
          earlyCheck(Buffer.concat(parts, have));
        } catch (e) {
          deadline.fail(e as Sv2ConnectionError);
        }
      }
      return;
    }
    detach();
    const all = Buffer.concat(parts, have);
    try {
      onMessage(
        new Uint8Array(all.buffer, all.byteOffset, size),
        new Uint8Array(all.buffer, all.byteOffset + size, have - size),
      );
    } catch (e) {
      deadline.fail(
        e instanceof Sv2ConnectionError ? e : new Sv2ConnectionError('socket-error', (e as Error).message),
      );
    }
  };
  const onEnd = () =>
    deadline.fail(
      new Sv2ConnectionError('peer-closed', `the peer closed during the handshake after ${have} bytes`),
    );
  const onError = (e: Error) => deadline.fail(new Sv2ConnectionError('socket-error', e.message));
  const detach = () => {
    socket.off('data', onData);
    socket.off('end', onEnd);
    socket.off('close', onEnd);
    socket.off('error', onError);
  };
  socket.on('data', onData);
  socket.on('end', onEnd);
  socket.on('close', onEnd);
  socket.on('error', onError);
  const prevFail = deadline.fail;
  deadline.fail = (e) => {
    detach();
    prevFail(e);
  };
}

/**
 * A short newline-terminated text line (a Stratum V1 request, an HTTP request) is refused
 * at once instead of waiting for the handshake timeout. 16 random key bytes are all printable
 * with probability (97/256)^16 ≈ 2·10⁻⁷, so a split act 1 is practically never mistaken.
 */
function rejectTextLine(partial: Uint8Array): void {
  if (partial.length >= 16 && partial[partial.length - 1] === 0x0a && looksLikeText(partial)) {
    throw new Sv2ConnectionError(
      'bad-act1',
      'the peer sent a text line (a Stratum V1 miner or HTTP client?)',
    );
  }
}

export interface AcceptOptions extends Sv2ConnectionOptions {
  /** The static key and certificate: a renewing ServerIdentity or a fixed pair. */
  identity: ServerIdentity | ResponderIdentity;
  /** Precomputed ephemeral keys (recommended for a pool). */
  ephemeralPool?: EphemeralKeyPool;
  handshakeTimeoutMs?: number;
}

/** Runs the responder handshake on an accepted socket. */
export function acceptSv2(socket: Socket, o: AcceptOptions): Promise<Sv2Connection> {
  return new Promise((resolve, reject) => {
    if (socket.destroyed) {
      reject(new Sv2ConnectionError('peer-closed', 'the socket closed before the handshake started'));
      return;
    }
    socket.setNoDelay(true);
    const timeoutMs = o.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
    const deadline = startDeadline(
      socket,
      reject,
      timeoutMs,
      () => new Sv2ConnectionError('handshake-timeout', `no complete act 1 within ${timeoutMs} ms`),
    );
    handshakeRead(
      socket,
      ACT1_SIZE,
      deadline,
      (act1, extra) => {
        // A Noise initiator cannot send anything after act 1 before it has read act 2.
        if (extra.length) {
          throw new Sv2ConnectionError(
            'bad-act1',
            `${ACT1_SIZE + extra.length} bytes arrived where act 1 is 64`,
          );
        }
        const id = 'current' in o.identity ? o.identity.current() : o.identity;
        const responder = new NoiseResponder({
          staticKey: id.staticKey,
          certificate: id.certificate,
          ephemeral: o.ephemeralPool?.take(),
          backend: o.backend,
          aead: o.aead,
        });
        const { act2, transport } = responder.readAct1(act1);
        if (deadline.timer) clearTimeout(deadline.timer);
        socket.write(act2);
        resolve(new Sv2Connection(socket, 'responder', transport, o));
      },
      rejectTextLine,
    );
  });
}

export interface ConnectOptions extends Sv2ConnectionOptions {
  host: string;
  port: number;
  /** Local address to connect from (e.g. one of several loopback addresses); default: any. */
  localAddress?: string;
  /** x-only key or its base58check text; null skips certificate signature checks (insecure, tests only). */
  authorityPubkey: Uint8Array | string | null;
  /** TCP connect + handshake deadline; default 10 s. */
  timeoutMs?: number;
  /** Unix seconds, for certificate validity. */
  now?: () => number;
}

/** Dials a pool and runs the initiator handshake. */
export function connectSv2(o: ConnectOptions): Promise<Sv2Connection> {
  const authority =
    typeof o.authorityPubkey === 'string' ? decodeAuthorityPubkey(o.authorityPubkey) : o.authorityPubkey;
  return new Promise((resolve, reject) => {
    const timeoutMs = o.timeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
    const socket = netConnect({
      host: o.host,
      port: o.port,
      ...(o.localAddress ? { localAddress: o.localAddress } : {}),
    });
    socket.setNoDelay(true);
    let connected = false;
    const deadline = startDeadline(socket, reject, timeoutMs, () =>
      connected
        ? new Sv2ConnectionError('handshake-timeout', `no complete act 2 within ${timeoutMs} ms`)
        : new Sv2ConnectionError('connect-failed', `TCP connect to ${o.host}:${o.port} timed out`),
    );
    const onConnectError = (e: Error) =>
      deadline.fail(new Sv2ConnectionError('connect-failed', `${o.host}:${o.port}: ${e.message}`));
    socket.once('error', onConnectError);
    socket.once('connect', () => {
      connected = true;
      socket.off('error', onConnectError);
      const initiator = new NoiseInitiator({
        authorityPubkey: authority,
        now: o.now,
        backend: o.backend,
        aead: o.aead,
      });
      handshakeRead(socket, ACT2_SIZE, deadline, (act2, extra) => {
        const result = initiator.readAct2(act2);
        if (deadline.timer) clearTimeout(deadline.timer);
        const { transport, ...server } = result;
        const conn = new Sv2Connection(socket, 'initiator', transport, o, server);
        // Anything the server sent right after act 2 is delivered on the next I/O turn.
        if (extra.length) setImmediate(() => conn.onData(extra.slice()));
        resolve(conn);
      });
      socket.write(initiator.writeAct1());
    });
  });
}

/** Dials a `stratum2+tcp://HOST:PORT/AUTHORITY_PUBKEY` URL (the form pools publish). */
export function connectSv2Url(
  url: string,
  o: Omit<ConnectOptions, 'host' | 'port' | 'authorityPubkey'> = {},
): Promise<Sv2Connection> {
  const { host, port, authorityPubkey } = parsePoolUrl(url);
  return connectSv2({ ...o, host, port, authorityPubkey });
}
