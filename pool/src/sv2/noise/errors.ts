/**
 * Why an SV2 connection ended. Each failure mode has its own name so logs, metrics and tests
 * can tell a miner with a wrong pool key from a port scanner or a stalled peer.
 */
export type Sv2CloseReason =
  /** The Noise handshake did not finish within the handshake timeout. */
  | 'handshake-timeout'
  /** The responder got bytes that cannot be a Noise act 1 (e.g. Stratum V1 JSON, HTTP). */
  | 'bad-act1'
  /** The initiator got an act 2 that does not decrypt (tampered, truncated or from a non-SV2 server). */
  | 'bad-act2'
  /** The certificate in act 2 is malformed (version, field order). */
  | 'bad-certificate'
  /** The certificate's validity period ended (beyond the allowed clock skew). */
  | 'certificate-expired'
  /** The certificate's validity period has not started yet (beyond the allowed clock skew). */
  | 'certificate-not-yet-valid'
  /** The certificate is not signed by the authority key the client was configured with. */
  | 'wrong-authority'
  /** A transport message failed ChaCha20-Poly1305 authentication. */
  | 'aead-failure'
  /** A frame announced a payload above the connection's limit. */
  | 'frame-too-large'
  /** A frame decrypted but its message could not be decoded. */
  | 'decode-error'
  /** Nothing was received within the idle timeout. */
  | 'idle-timeout'
  /** TCP connect did not complete (refused, unreachable, timed out). */
  | 'connect-failed'
  /** The peer closed the TCP connection. */
  | 'peer-closed'
  /** The socket reported an error (reset, ...). */
  | 'socket-error'
  /** Closed by our own code through `close()`. */
  | 'local-close';

/** A protocol failure that ends the connection, carrying its named reason. */
export class Sv2ConnectionError extends Error {
  constructor(
    readonly reason: Sv2CloseReason,
    message?: string,
  ) {
    super(message ? `${reason}: ${message}` : reason);
    this.name = 'Sv2ConnectionError';
  }
}
