import { readFileSync } from 'node:fs';
import { schnorr, secp256k1 } from '@noble/curves/secp256k1.js';
import { elligatorSwift } from '@scure/btc-signer/p2p.js';
import { expect, it } from 'vitest';
import { describeWithShared, sharedPath } from '../../../test/shared.js';
import { bytesToHex, hexToBytes } from '../../ckb/hex.js';
import { ellswiftDecode, ellswiftEncode, ellswiftKeygen, swiftInv, v2Ecdh } from './ellswift.js';
import { type BackendName, loadBackend } from './secp.js';

const h = (s: string) => hexToBytes(`0x${s.toLowerCase()}`);
const hex = (b: Uint8Array) => bytesToHex(b).replace(/^0x/, '');
const Fp = secp256k1.Point.Fp;

/** Rows of a bitcoin/bips vector CSV (no quoting in these files; the last column may hold commas). */
function csv(rel: string): Record<string, string>[] {
  const [head, ...lines] = readFileSync(sharedPath(rel)!, 'utf8').trim().split(/\r?\n/);
  const cols = head.split(',');
  return lines.map((line) => {
    const parts = line.split(',');
    const row: Record<string, string> = {};
    cols.forEach((c, i) => {
      row[c] = i === cols.length - 1 ? parts.slice(i).join(',') : (parts[i] ?? '');
    });
    return row;
  });
}

const backends = (['native', 'wasm', 'noble'] as BackendName[]).filter((n) => {
  if (loadBackend(n)) return true;
  process.stdout.write(`SKIP secp256k1 backend ${n}: not loadable on this machine\n`);
  return false;
});

const DECODE = 'reference/vectors/bip-0324/ellswift_decode_test_vectors.csv';
describeWithShared(DECODE, 'ElligatorSwift decoding matches BIP324', () => {
  const rows = csv(DECODE);
  it('has the 76 official rows', () => {
    expect(rows.length).toBe(76);
  });
  for (const name of backends) {
    it(`decodes every row to its x (our XSwiftEC on the ${name} backend)`, () => {
      const backend = loadBackend(name)!;
      for (const r of rows) expect(hex(ellswiftDecode(backend, h(r.ellswift))), r.comment).toBe(r.x);
    });
  }
  it('decodes every row to its x (@scure/btc-signer, the reference port)', () => {
    for (const r of rows) expect(hex(elligatorSwift.decode(h(r.ellswift))), r.comment).toBe(r.x);
  });
});

const INV = 'reference/vectors/bip-0324/xswiftec_inv_test_vectors.csv';
describeWithShared(INV, 'ElligatorSwift inverse (the encoder) matches BIP324', () => {
  for (const name of backends) {
    it(`returns each case's t or None for every row (${name} backend)`, () => {
      const backend = loadBackend(name)!;
      for (const r of csv(INV)) {
        const u = Fp.fromBytes(h(r.u));
        const x = Fp.fromBytes(h(r.x));
        for (let c = 0; c < 8; c++) {
          const t = swiftInv(backend, x, u, c);
          expect(t === undefined ? '' : hex(Fp.toBytes(t)), `${r.comment} case ${c}`).toBe(r[`case${c}_t`]);
        }
      }
    });
  }
});

const PACKETS = 'reference/vectors/bip-0324/packet_encoding_test_vectors.csv';
describeWithShared(PACKETS, 'v2_ecdh matches the BIP324 mid_* values', () => {
  const rows = csv(PACKETS);
  for (const name of backends) {
    it(`computes x_ours, x_theirs, x_shared and shared_secret for all ${rows.length} rows (${name})`, () => {
      const backend = loadBackend(name)!;
      for (const r of rows) {
        const initiating = r.in_initiating === '1';
        const ours = h(r.in_ellswift_ours);
        const theirs = h(r.in_ellswift_theirs);
        expect(hex(backend.publicX(h(r.in_priv_ours)))).toBe(r.mid_x_ours);
        expect(hex(ellswiftDecode(backend, ours))).toBe(r.mid_x_ours);
        expect(hex(ellswiftDecode(backend, theirs))).toBe(r.mid_x_theirs);
        expect(hex(backend.ecdhX(h(r.mid_x_theirs), h(r.in_priv_ours)))).toBe(r.mid_x_shared);
        const [ei, er] = initiating ? [ours, theirs] : [theirs, ours];
        expect(hex(v2Ecdh(backend, h(r.in_priv_ours), ei, er, initiating))).toBe(r.mid_shared_secret);
      }
    });
  }
  it('@scure/btc-signer getSharedSecretBip324 agrees on every row', () => {
    for (const r of rows) {
      const s = elligatorSwift.getSharedSecretBip324(
        h(r.in_priv_ours),
        h(r.in_ellswift_theirs),
        h(r.in_ellswift_ours),
        r.in_initiating === '1',
      );
      expect(hex(s)).toBe(r.mid_shared_secret);
    }
  });
});

const BIP340 = 'reference/vectors/bip-0340/test-vectors.csv';
describeWithShared(BIP340, 'BIP340 Schnorr (certificate signatures) matches the official vectors', () => {
  const rows = csv(BIP340);
  it('signs every row that has a secret key to the listed signature', () => {
    const signing = rows.filter((r) => r['secret key']);
    expect(signing.length).toBeGreaterThan(3);
    for (const r of signing) {
      expect(hex(schnorr.getPublicKey(h(r['secret key'])))).toBe(r['public key'].toLowerCase());
      const sig = schnorr.sign(h(r.message), h(r['secret key']), h(r.aux_rand));
      expect(hex(sig), `row ${r.index}`).toBe(r.signature.toLowerCase());
    }
  });
  it('verifies every row to its listed result', () => {
    for (const r of rows) {
      let ok: boolean;
      try {
        ok = schnorr.verify(h(r.signature), h(r.message), h(r['public key']));
      } catch {
        ok = false;
      }
      expect(ok, `row ${r.index} ${r.comment}`).toBe(r['verification result'] === 'TRUE');
    }
  });
});

it('an encoding made by our encoder decodes back to the same x, on every backend', () => {
  for (const name of backends) {
    const backend = loadBackend(name)!;
    for (let i = 0; i < 5; i++) {
      const kp = ellswiftKeygen(backend);
      expect(hex(ellswiftDecode(backend, kp.ellswift))).toBe(hex(kp.xonly));
      expect(hex(elligatorSwift.decode(kp.ellswift))).toBe(hex(kp.xonly));
      expect(hex(ellswiftDecode(backend, ellswiftEncode(backend, kp.xonly)))).toBe(hex(kp.xonly));
    }
  }
});
