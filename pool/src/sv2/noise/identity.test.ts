import { schnorr } from '@noble/curves/secp256k1.js';
import { describe, expect, it } from 'vitest';
import { certificateHash, decodeCertificate } from './certificate.js';
import { ellswiftDecode } from './ellswift.js';
import { EphemeralKeyPool, ServerIdentity } from './identity.js';
import { generateAuthorityKeypair } from './keys.js';
import { defaultBackend } from './secp.js';

const backend = defaultBackend();

describe('ServerIdentity', () => {
  it('signs once per validity period, back-dated 60 s, and re-signs near expiry with the same static key', () => {
    const auth = generateAuthorityKeypair();
    let now = 1_800_000_000;
    const id = new ServerIdentity({
      authoritySecret: auth.secret,
      validitySeconds: 3600,
      now: () => now,
      backend,
    });
    const first = id.current();
    const cert = decodeCertificate(first.certificate);
    expect(cert.validFrom).toBe(now - 60);
    expect(cert.notValidAfter).toBe(now + 3600);
    // The signature covers the x-only key decoded from the ElligatorSwift static key.
    const x = ellswiftDecode(backend, first.staticKey.ellswift);
    expect(
      schnorr.verify(
        cert.signature,
        certificateHash(cert.validFrom, cert.notValidAfter, x),
        auth.publicXonly,
      ),
    ).toBe(true);
    for (let i = 0; i < 100; i++) id.current();
    now += 3000;
    id.current();
    expect(id.signatures).toBe(1);
    now += 300; // inside the last tenth of the validity
    const renewed = id.current();
    expect(id.signatures).toBe(2);
    expect(renewed.staticKey).toBe(first.staticKey);
    expect(decodeCertificate(renewed.certificate).notValidAfter).toBe(now + 3600);
  });
});

describe('EphemeralKeyPool', () => {
  it('hands out each key once and refills itself between I/O turns', async () => {
    const pool = new EphemeralKeyPool({ backend, size: 4 });
    pool.fill();
    expect(pool.available).toBe(4);
    const seen = new Set<string>();
    for (let i = 0; i < 6; i++) seen.add(Buffer.from(pool.take().secret).toString('hex'));
    expect(seen.size).toBe(6);
    expect(pool.hits).toBe(4);
    expect(pool.misses).toBe(2);
    for (let i = 0; i < 200 && pool.available < 4; i++) await new Promise((r) => setImmediate(r));
    expect(pool.available).toBe(4);
    pool.stop();
  });
});
