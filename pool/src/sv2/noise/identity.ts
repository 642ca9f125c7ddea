/**
 * What a responder reuses across connections, so that a handshake costs only the two ECDH
 * multiplications and one ElligatorSwift decode:
 * - `ServerIdentity`: the static key and its certificate, signed once per validity period and
 *   re-signed (same static key) shortly before it expires;
 * - `EphemeralKeyPool`: ephemeral keypairs generated ahead of time, refilled with setImmediate
 *   between I/O callbacks so that keygen (ElligatorSwift encoding is the slow part) stays
 *   off the path of a handshake in progress.
 */
import { type Certificate, encodeCertificate, issueCertificate } from './certificate.js';
import { type EllswiftKeypair, ellswiftKeygen } from './ellswift.js';
import { defaultBackend, type Secp256k1Backend } from './secp.js';

/** A static key and the encoded certificate that goes with it. */
export interface ResponderIdentity {
  staticKey: EllswiftKeypair;
  certificate: Uint8Array;
}

export interface ServerIdentityOptions {
  authoritySecret: Uint8Array;
  /** Certificate lifetime; default 1 hour (as SRI's pool). */
  validitySeconds?: number;
  /** Re-sign when less than this is left; default a tenth of the validity. */
  renewBeforeSeconds?: number;
  /** Static key to use; generated when omitted. */
  staticKey?: EllswiftKeypair;
  backend?: Secp256k1Backend;
  /** Unix seconds. */
  now?: () => number;
}

export class ServerIdentity {
  readonly staticKey: EllswiftKeypair;
  private cert!: Certificate;
  private encoded!: Uint8Array;
  private readonly validity: number;
  private readonly renewBefore: number;
  private readonly now: () => number;
  /** How many certificates were signed (tests and metrics). */
  signatures = 0;

  constructor(private readonly o: ServerIdentityOptions) {
    this.validity = o.validitySeconds ?? 3600;
    this.renewBefore = o.renewBeforeSeconds ?? Math.ceil(this.validity / 10);
    if (this.renewBefore >= this.validity)
      throw new RangeError('renewBeforeSeconds must be below validitySeconds');
    this.now = o.now ?? (() => Date.now() / 1000);
    this.staticKey = o.staticKey ?? ellswiftKeygen(o.backend ?? defaultBackend());
    this.sign();
  }

  private sign(): void {
    this.cert = issueCertificate({
      authoritySecret: this.o.authoritySecret,
      staticXonly: this.staticKey.xonly,
      nowSeconds: this.now(),
      validitySeconds: this.validity,
    });
    this.encoded = encodeCertificate(this.cert);
    this.signatures++;
  }

  get certificateInfo(): Certificate {
    return this.cert;
  }

  /** The identity to present now; re-signs first when the certificate is close to expiry. */
  current(): ResponderIdentity {
    if (this.now() > this.cert.notValidAfter - this.renewBefore) this.sign();
    return { staticKey: this.staticKey, certificate: this.encoded };
  }
}

export interface EphemeralKeyPoolOptions {
  backend?: Secp256k1Backend;
  /** Keys kept ready; default 128. */
  size?: number;
}

export class EphemeralKeyPool {
  readonly size: number;
  private readonly backend: Secp256k1Backend;
  private readonly keys: EllswiftKeypair[] = [];
  private scheduled: NodeJS.Immediate | null = null;
  private stopped = false;
  /** Keys handed out from the pool vs. generated on demand because it was empty. */
  hits = 0;
  misses = 0;

  constructor(o: EphemeralKeyPoolOptions = {}) {
    this.backend = o.backend ?? defaultBackend();
    this.size = o.size ?? 128;
  }

  get available(): number {
    return this.keys.length;
  }

  /** A fresh keypair, never handed out twice. */
  take(): EllswiftKeypair {
    const k = this.keys.pop();
    if (k) this.hits++;
    else this.misses++;
    this.scheduleRefill();
    return k ?? ellswiftKeygen(this.backend);
  }

  /** Fills synchronously (at startup, or in a benchmark before the timed part). */
  fill(count = this.size): void {
    while (this.keys.length < Math.min(count, this.size)) this.keys.push(ellswiftKeygen(this.backend));
  }

  /** Starts background refilling (idempotent). */
  start(): void {
    this.stopped = false;
    this.scheduleRefill();
  }

  stop(): void {
    this.stopped = true;
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = null;
  }

  private scheduleRefill(): void {
    if (this.scheduled || this.stopped || this.keys.length >= this.size) return;
    // One key per turn of the event loop: pending socket reads and handshakes run in between.
    this.scheduled = setImmediate(() => {
      this.scheduled = null;
      if (this.stopped) return;
      this.keys.push(ellswiftKeygen(this.backend));
      this.scheduleRefill();
    });
  }
}
