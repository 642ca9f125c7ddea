import { schnorr } from '@noble/curves/secp256k1.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NOISE_HANDSHAKE } from '../../../test/vectors/noise-handshake.js';
import { bytesToHex, hexToBytes } from '../../ckb/hex.js';
import { decodeFrame, encodeFrame } from '../frame.js';
import { AEADS, type AeadName } from './aead.js';
import { certificateSignedBytes, encodeCertificate, signCertificate } from './certificate.js';
import { type EllswiftKeypair, ellswiftKeygen } from './ellswift.js';
import { Sv2ConnectionError } from './errors.js';
import { ACT1_SIZE, ACT2_SIZE, NoiseInitiator, NoiseResponder } from './handshake.js';
import { ServerIdentity } from './identity.js';
import { type BackendName, loadBackend } from './secp.js';
import { CipherState, INITIAL_CK, INITIAL_H } from './symmetric.js';
import { encryptFrame, FrameDecryptor } from './transport.js';

interface HandshakeVector {
  authority_secret_key: string;
  authority_pubkey_xonly: string;
  initiator_ephemeral_secret: string;
  initiator_ephemeral_ellswift: string;
  responder_ephemeral_secret: string;
  responder_ephemeral_ellswift: string;
  responder_static_secret: string;
  responder_static_ellswift: string;
  responder_static_xonly: string;
  cert_valid_from: number;
  cert_not_valid_after: number;
  cert_signed_bytes: string;
  schnorr_aux_rand: string;
  signature_noise_message_74: string;
  msg1_initiator_to_responder_64: string;
  msg2_responder_to_initiator_234: string;
  final_h: string;
  final_ck: string;
  transport_k1_initiator_to_responder: string;
  transport_k2_responder_to_initiator: string;
  steps: [string, string][];
  example_frame_1_plain: string;
  example_frame_1_encrypted_with_k1_nonces_0_1: string;
  example_frame_2_plain: string;
  example_frame_2_encrypted_with_k2_nonces_0_1: string;
}

const h = (s: string) => hexToBytes(s.startsWith('0x') ? s : `0x${s}`);
const hex = (b: Uint8Array) => bytesToHex(b).replace(/^0x/, '');

function keypair(secret: string, ellswift: string, xonly = ''): EllswiftKeypair {
  return { secret: h(secret), ellswift: h(ellswift), xonly: xonly ? h(xonly) : new Uint8Array(32) };
}

const backends = (['native', 'wasm', 'noble'] as BackendName[]).filter((n) => {
  if (loadBackend(n)) return true;
  process.stdout.write(`SKIP secp256k1 backend ${n}: not loadable on this machine\n`);
  return false;
});

describe('the SV2 Noise handshake reproduces the deterministic transcript', () => {
  const v: HandshakeVector = NOISE_HANDSHAKE as unknown as HandshakeVector;

  it('starts from ck0 = SHA256(name) and h0 = SHA256(ck0)', () => {
    expect(hex(INITIAL_CK)).toBe(v.steps[0][1]);
    expect(hex(INITIAL_H)).toBe(v.steps[1][1]);
  });

  it('signs the certificate over version, validity and the x-only static key', () => {
    expect(
      hex(certificateSignedBytes(v.cert_valid_from, v.cert_not_valid_after, h(v.responder_static_xonly))),
    ).toBe(v.cert_signed_bytes);
    const cert = signCertificate({
      authoritySecret: h(v.authority_secret_key),
      staticXonly: h(v.responder_static_xonly),
      validFrom: v.cert_valid_from,
      notValidAfter: v.cert_not_valid_after,
      auxRand: h(v.schnorr_aux_rand),
    });
    expect(hex(encodeCertificate(cert))).toBe(v.signature_noise_message_74);
  });

  for (const name of backends) {
    for (const aeadName of Object.keys(AEADS) as AeadName[]) {
      it(`matches every step, both acts and k1/k2 (secp256k1 ${name}, AEAD ${aeadName})`, () => {
        const backend = loadBackend(name)!;
        const aead = AEADS[aeadName];
        const rSteps: [string, string][] = [];
        const iSteps: [string, string][] = [];
        const initiator = new NoiseInitiator({
          authorityPubkey: h(v.authority_pubkey_xonly),
          ephemeral: keypair(v.initiator_ephemeral_secret, v.initiator_ephemeral_ellswift),
          now: () => v.cert_valid_from + 100,
          backend,
          aead,
          trace: (s, x) => iSteps.push([s, hex(x)]),
        });
        const responder = new NoiseResponder({
          staticKey: keypair(
            v.responder_static_secret,
            v.responder_static_ellswift,
            v.responder_static_xonly,
          ),
          certificate: h(v.signature_noise_message_74),
          ephemeral: keypair(v.responder_ephemeral_secret, v.responder_ephemeral_ellswift),
          backend,
          aead,
          trace: (s, x) => rSteps.push([s, hex(x)]),
        });
        const act1 = initiator.writeAct1();
        expect(act1.length).toBe(ACT1_SIZE);
        expect(hex(act1)).toBe(v.msg1_initiator_to_responder_64);
        const { act2, transport: rt } = responder.readAct1(act1);
        expect(act2.length).toBe(ACT2_SIZE);
        expect(hex(act2)).toBe(v.msg2_responder_to_initiator_234);
        const { transport: it2, serverStaticXonly } = initiator.readAct2(act2);
        expect(hex(serverStaticXonly)).toBe(v.responder_static_xonly);

        // The responder traces the two act-1 hashes too, so both sides log the whole transcript.
        expect(rSteps).toEqual(v.steps.slice(2));
        expect(iSteps).toEqual(v.steps.slice(2));
        expect(hex(rt.handshakeHash)).toBe(v.final_h);
        expect(hex(it2.handshakeHash)).toBe(v.final_h);
        expect(hex(it2.send.key)).toBe(v.transport_k1_initiator_to_responder);
        expect(hex(rt.recv.key)).toBe(v.transport_k1_initiator_to_responder);
        expect(hex(rt.send.key)).toBe(v.transport_k2_responder_to_initiator);
        expect(hex(it2.recv.key)).toBe(v.transport_k2_responder_to_initiator);

        // First frame each way: SetupConnection (initiator, k1) and its Success (responder, k2).
        const f1 = encryptFrame(it2.send, h(v.example_frame_1_plain));
        expect(hex(f1)).toBe(v.example_frame_1_encrypted_with_k1_nonces_0_1);
        const f2 = encryptFrame(rt.send, h(v.example_frame_2_plain));
        expect(hex(f2)).toBe(v.example_frame_2_encrypted_with_k2_nonces_0_1);
        const got1 = new FrameDecryptor(rt.recv, { maxPayload: 0xffff }).push(f1);
        expect(got1.map((f) => hex(encodeFrame(f)))).toEqual([v.example_frame_1_plain]);
        const got2 = new FrameDecryptor(it2.recv, { maxPayload: 0xffff }).push(f2);
        expect(got2.map((f) => hex(encodeFrame(f)))).toEqual([v.example_frame_2_plain]);
      });
    }
  }

  it('names a tampered act 2 bad-act2, wherever the flipped bit is', () => {
    const backend = loadBackend('noble')!;
    for (const pos of [70, 150, 200, 233]) {
      const responder = new NoiseResponder({
        staticKey: keypair(v.responder_static_secret, v.responder_static_ellswift, v.responder_static_xonly),
        certificate: h(v.signature_noise_message_74),
        backend,
      });
      const initiator = new NoiseInitiator({
        authorityPubkey: h(v.authority_pubkey_xonly),
        now: () => v.cert_valid_from + 100,
        backend,
      });
      const { act2 } = responder.readAct1(initiator.writeAct1());
      act2[pos] ^= 1;
      let err: unknown;
      try {
        initiator.readAct2(act2);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(Sv2ConnectionError);
      expect((err as Sv2ConnectionError).reason).toBe('bad-act2');
    }
  });

  it('names an expired certificate, one not yet valid and a wrong authority', () => {
    const backend = loadBackend('noble')!;
    const attempt = (now: number, authority: string): string => {
      const responder = new NoiseResponder({
        staticKey: keypair(v.responder_static_secret, v.responder_static_ellswift, v.responder_static_xonly),
        certificate: h(v.signature_noise_message_74),
        backend,
      });
      const initiator = new NoiseInitiator({ authorityPubkey: h(authority), now: () => now, backend });
      try {
        initiator.readAct2(responder.readAct1(initiator.writeAct1()).act2);
        return 'ok';
      } catch (e) {
        return (e as Sv2ConnectionError).reason;
      }
    };
    const auth = v.authority_pubkey_xonly;
    expect(attempt(v.cert_not_valid_after + 10, auth)).toBe('ok');
    expect(attempt(v.cert_not_valid_after + 11, auth)).toBe('certificate-expired');
    expect(attempt(v.cert_valid_from - 10, auth)).toBe('ok');
    expect(attempt(v.cert_valid_from - 11, auth)).toBe('certificate-not-yet-valid');
    // Another valid x-only key: the responder's static key itself.
    expect(attempt(v.cert_valid_from + 5, v.responder_static_xonly)).toBe('wrong-authority');
  });
});

it('a frame with an empty payload is one 22-byte header ciphertext and decrypts back', () => {
  const key = new Uint8Array(32).fill(3);
  const plain = encodeFrame({
    extensionType: 0,
    channelMsg: false,
    msgType: 0x01,
    payload: new Uint8Array(0),
  });
  const ct = encryptFrame(new CipherState(key, AEADS.node), plain);
  expect(ct.length).toBe(22);
  const frames = new FrameDecryptor(new CipherState(key, AEADS.noble), { maxPayload: 10 }).push(ct);
  expect(frames.length).toBe(1);
  expect(decodeFrame(encodeFrame(frames[0])).msgType).toBe(1);
});

describe('malformed certificates', () => {
  const backend = loadBackend('native') ?? loadBackend('noble')!;
  const auth = schnorr.utils.randomSecretKey();
  const staticKey = ellswiftKeygen(backend);
  const outcome = (cert: Uint8Array): string => {
    const r = new NoiseResponder({ staticKey, certificate: cert, backend });
    const i = new NoiseInitiator({
      authorityPubkey: schnorr.getPublicKey(auth),
      now: () => 1_700_000_100,
      backend,
    });
    try {
      i.readAct2(r.readAct1(i.writeAct1()).act2);
      return 'ok';
    } catch (e) {
      return (e as Sv2ConnectionError).reason;
    }
  };
  const sign = (validFrom: number, notValidAfter: number) =>
    encodeCertificate(
      signCertificate({ authoritySecret: auth, staticXonly: staticKey.xonly, validFrom, notValidAfter }),
    );

  it('accepts a well-formed one and names the others bad-certificate', () => {
    expect(outcome(sign(1_700_000_000, 1_700_003_600))).toBe('ok');
    const v1 = sign(1_700_000_000, 1_700_003_600);
    v1[0] = 1; // version 1 does not exist
    expect(outcome(v1)).toBe('bad-certificate');
    expect(outcome(sign(1_700_003_600, 1_700_000_000))).toBe('bad-certificate');
  });

  it('names a certificate over another static key wrong-authority (the signature does not verify)', () => {
    const other = ellswiftKeygen(backend);
    const cert = encodeCertificate(
      signCertificate({
        authoritySecret: auth,
        staticXonly: other.xonly,
        validFrom: 1_700_000_000,
        notValidAfter: 1_700_003_600,
      }),
    );
    expect(outcome(cert)).toBe('wrong-authority');
  });
});

describe('handshake robustness on arbitrary bytes', () => {
  const backend = loadBackend('native') ?? loadBackend('noble')!;
  const auth = schnorr.utils.randomSecretKey();
  const identity = new ServerIdentity({ authoritySecret: auth, backend });

  it('any 64 non-text bytes are a valid act 1 (every ElligatorSwift string decodes to a point)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 64, maxLength: 64 }), (act1) => {
        const id = identity.current();
        const r = new NoiseResponder({ staticKey: id.staticKey, certificate: id.certificate, backend });
        let out: string;
        try {
          out = String(r.readAct1(act1).act2.length);
        } catch (e) {
          out = (e as Sv2ConnectionError).reason;
        }
        expect(['234', 'bad-act1']).toContain(out);
      }),
      { numRuns: 30 },
    );
  });

  it('arbitrary act 2 bytes always end in bad-act2, never another error', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 234, maxLength: 234 }), (act2) => {
        const i = new NoiseInitiator({ authorityPubkey: schnorr.getPublicKey(auth), backend });
        i.writeAct1();
        let reason = 'accepted';
        try {
          i.readAct2(act2);
        } catch (e) {
          expect(e).toBeInstanceOf(Sv2ConnectionError);
          reason = (e as Sv2ConnectionError).reason;
        }
        expect(reason).toBe('bad-act2');
      }),
      { numRuns: 30 },
    );
  });
});
