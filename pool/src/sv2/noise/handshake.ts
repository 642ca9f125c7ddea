/**
 * The SV2 Noise NX handshake as two byte-level state machines (no sockets):
 *
 *   initiator → responder  act 1 (64 B):  e                         MixHash(E_i); MixHash("")
 *   responder → initiator  act 2 (234 B): e, ee, s, es, {cert}      64 + 80 + 90
 *   both: (k1, k2) = HKDF(ck, "")         k1: initiator → responder, k2: responder → initiator
 *
 * Keys and randomness are injectable so the deterministic transcript vector reproduces exactly.
 */
import { type Aead, defaultAead, TAG_SIZE } from './aead.js';
import { CERTIFICATE_SIZE, type Certificate, verifyCertificate } from './certificate.js';
import { ELLSWIFT_SIZE, type EllswiftKeypair, ellswiftDecode, ellswiftKeygen, v2Ecdh } from './ellswift.js';
import { Sv2ConnectionError } from './errors.js';
import { defaultBackend, type Secp256k1Backend } from './secp.js';
import { CipherState, type HandshakeTrace, SymmetricState } from './symmetric.js';

export const ACT1_SIZE = ELLSWIFT_SIZE;
export const ACT2_SIZE = ELLSWIFT_SIZE + (ELLSWIFT_SIZE + TAG_SIZE) + (CERTIFICATE_SIZE + TAG_SIZE);
const EMPTY = new Uint8Array(0);

/** Both transport directions after a completed handshake. */
export interface TransportKeys {
  /** Encrypts what we send. */
  send: CipherState;
  /** Decrypts what we receive. */
  recv: CipherState;
  /** Final handshake hash h (channel binding; logged in tests). */
  handshakeHash: Uint8Array;
}

export interface HandshakeCommon {
  backend?: Secp256k1Backend | undefined;
  aead?: Aead | undefined;
  trace?: HandshakeTrace;
}

export interface ResponderOptions extends HandshakeCommon {
  /** The pool's static key (kept for the life of its certificate). */
  staticKey: EllswiftKeypair;
  /** The encoded 74-byte SIGNATURE_NOISE_MESSAGE for `staticKey`. */
  certificate: Uint8Array;
  /** This connection's ephemeral key; generated when omitted (see EphemeralKeyPool). */
  ephemeral?: EllswiftKeypair | undefined;
}

/** 64 printable ASCII bytes cannot be an ElligatorSwift key in practice ((95/256)^64 ≈ 2^-92). */
export function looksLikeText(b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i++) {
    const c = b[i];
    if (!((c >= 0x20 && c < 0x7f) || c === 0x0a || c === 0x0d || c === 0x09)) return false;
  }
  return true;
}

export class NoiseResponder {
  private readonly backend: Secp256k1Backend;
  private readonly aead: Aead;
  private done = false;

  constructor(private readonly o: ResponderOptions) {
    this.backend = o.backend ?? defaultBackend();
    this.aead = o.aead ?? defaultAead();
    if (o.certificate.length !== CERTIFICATE_SIZE) throw new RangeError('certificate must be 74 bytes');
  }

  /**
   * Consumes act 1 and returns act 2 plus the transport keys. Any input that is not exactly
   * 64 bytes, or that is plainly text (a Stratum V1 miner or an HTTP client on the SV2 port),
   * throws Sv2ConnectionError('bad-act1'). Every other 64-byte string is a valid key encoding.
   */
  readAct1(act1: Uint8Array): { act2: Uint8Array; transport: TransportKeys } {
    if (this.done) throw new Error('NoiseResponder: act 1 already processed');
    this.done = true;
    if (act1.length !== ACT1_SIZE) {
      throw new Sv2ConnectionError('bad-act1', `act 1 must be ${ACT1_SIZE} bytes, got ${act1.length}`);
    }
    if (looksLikeText(act1)) {
      throw new Sv2ConnectionError('bad-act1', 'the peer sent text (a Stratum V1 miner or HTTP client?)');
    }
    const { backend, aead } = this;
    const tr = this.o.trace;
    const ss = new SymmetricState(aead, tr);
    const ei = act1;
    ss.mixHash(ei, 'i: MixHash(e_i ellswift)');
    ss.decryptAndHash(EMPTY, 'i: EncryptAndHash(empty) -> MixHash(empty)');

    const e = this.o.ephemeral ?? ellswiftKeygen(backend);
    const s = this.o.staticKey;
    ss.mixHash(e.ellswift, 'r: MixHash(e_r ellswift)');
    // Both DH computations multiply the initiator's ephemeral point: decode it once.
    const eiX = ellswiftDecode(backend, ei);
    const ee = v2Ecdh(backend, e.secret, ei, e.ellswift, false, eiX);
    tr?.("ECDH ee = TaggedHash('bip324_ellswift_xonly_ecdh', Ei||Er||x)", ee);
    ss.mixKey(ee, 'r: MixKey(ee)');
    const cs = ss.encryptAndHash(s.ellswift, 'r: EncryptAndHash(s_r ellswift) -> h');
    const es = v2Ecdh(backend, s.secret, ei, s.ellswift, false, eiX);
    tr?.("ECDH es = TaggedHash('bip324_ellswift_xonly_ecdh', Ei||Sr||x)", es);
    ss.mixKey(es, 'r: MixKey(es)');
    const cc = ss.encryptAndHash(this.o.certificate, 'r: EncryptAndHash(cert) -> h (final handshake hash)');

    const act2 = new Uint8Array(ACT2_SIZE);
    act2.set(e.ellswift, 0);
    act2.set(cs, ELLSWIFT_SIZE);
    act2.set(cc, ELLSWIFT_SIZE + cs.length);
    const [k1, k2] = ss.split();
    return {
      act2,
      transport: { send: new CipherState(k2, aead), recv: new CipherState(k1, aead), handshakeHash: ss.h },
    };
  }
}

export interface InitiatorOptions extends HandshakeCommon {
  /** The pool's authority x-only key; null skips the certificate signature check (insecure). */
  authorityPubkey: Uint8Array | null;
  ephemeral?: EllswiftKeypair;
  /** Unix seconds; defaults to the system clock. */
  now?: (() => number) | undefined;
  skewSeconds?: number | undefined;
}

export interface InitiatorResult {
  transport: TransportKeys;
  /** The server's static key, x-only. */
  serverStaticXonly: Uint8Array;
  certificate: Certificate;
}

export class NoiseInitiator {
  private readonly backend: Secp256k1Backend;
  private readonly aead: Aead;
  private ss: SymmetricState | null = null;
  private e: EllswiftKeypair | null = null;
  private finished = false;

  constructor(private readonly o: InitiatorOptions) {
    this.backend = o.backend ?? defaultBackend();
    this.aead = o.aead ?? defaultAead();
  }

  writeAct1(): Uint8Array {
    if (this.ss) throw new Error('NoiseInitiator: act 1 already written');
    const ss = new SymmetricState(this.aead, this.o.trace);
    this.ss = ss;
    const e = this.o.ephemeral ?? ellswiftKeygen(this.backend);
    this.e = e;
    ss.mixHash(e.ellswift, 'i: MixHash(e_i ellswift)');
    ss.encryptAndHash(EMPTY, 'i: EncryptAndHash(empty) -> MixHash(empty)');
    return e.ellswift;
  }

  /**
   * Consumes the 234-byte act 2. Throws Sv2ConnectionError: 'bad-act2' (wrong size or an AEAD
   * failure), 'bad-certificate', 'wrong-authority', 'certificate-expired', 'certificate-not-yet-valid'.
   */
  readAct2(act2: Uint8Array): InitiatorResult {
    const { ss, e, backend } = this;
    if (!ss || !e) throw new Error('NoiseInitiator: write act 1 first');
    if (this.finished) throw new Error('NoiseInitiator: act 2 already processed');
    this.finished = true;
    if (act2.length !== ACT2_SIZE) {
      throw new Sv2ConnectionError('bad-act2', `act 2 must be ${ACT2_SIZE} bytes, got ${act2.length}`);
    }
    const tr = this.o.trace;
    const er = act2.subarray(0, ELLSWIFT_SIZE);
    ss.mixHash(er, 'r: MixHash(e_r ellswift)');
    const ee = v2Ecdh(backend, e.secret, e.ellswift, er, true);
    tr?.("ECDH ee = TaggedHash('bip324_ellswift_xonly_ecdh', Ei||Er||x)", ee);
    ss.mixKey(ee, 'r: MixKey(ee)');
    const sEnd = ELLSWIFT_SIZE + ELLSWIFT_SIZE + TAG_SIZE;
    const sr = ss.decryptAndHash(act2.subarray(ELLSWIFT_SIZE, sEnd), 'r: EncryptAndHash(s_r ellswift) -> h');
    if (!sr) throw new Sv2ConnectionError('bad-act2', 'the static key does not decrypt (tampered act 2?)');
    const srX = ellswiftDecode(backend, sr);
    const es = v2Ecdh(backend, e.secret, e.ellswift, sr, true, srX);
    tr?.("ECDH es = TaggedHash('bip324_ellswift_xonly_ecdh', Ei||Sr||x)", es);
    ss.mixKey(es, 'r: MixKey(es)');
    const cert = ss.decryptAndHash(
      act2.subarray(sEnd),
      'r: EncryptAndHash(cert) -> h (final handshake hash)',
    );
    if (!cert) throw new Sv2ConnectionError('bad-act2', 'the certificate does not decrypt (tampered act 2?)');
    const certificate = verifyCertificate(cert, {
      authorityXonly: this.o.authorityPubkey,
      staticXonly: srX,
      nowSeconds: this.o.now ? this.o.now() : Date.now() / 1000,
      skewSeconds: this.o.skewSeconds,
    });
    const [k1, k2] = ss.split();
    return {
      transport: {
        send: new CipherState(k1, this.aead),
        recv: new CipherState(k2, this.aead),
        handshakeHash: ss.h,
      },
      serverStaticXonly: srX,
      certificate,
    };
  }
}
