import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeWithShared, readSharedJson } from '../../../test/shared.js';
import { bytesToHex, hexToBytes } from '../../ckb/hex.js';
import {
  AuthorityKeyError,
  authorityPublicFromSecret,
  decodeAuthorityPubkey,
  decodeAuthoritySecret,
  encodeAuthorityPubkey,
  encodeAuthoritySecret,
  formatPoolUrl,
  generateAuthorityKeypair,
  parsePoolUrl,
} from './keys.js';

const hex = (b: Uint8Array) => bytesToHex(b).replace(/^0x/, '');

// SV2 spec §4.7.1 (stratum-mining/sv2-spec 04-Protocol-Security.md): raw key → base58check.
const SPEC_RAW = '76637000979c1c11af0c300bcd8c7fe48610fce9b9c11e3daee35ae0b08a7455';
const SPEC_B58 = '9bXiEd8boQVhq7WddEcERUL5tyyJVFYdU8th3HfbNXK3Yw6GRXh';

function errorOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(AuthorityKeyError);
    return (e as Error).message;
  }
  throw new Error('expected an AuthorityKeyError');
}

describe('authority public key text', () => {
  it('encodes the spec vector raw key to its base58check string and back', () => {
    expect(encodeAuthorityPubkey(hexToBytes(`0x${SPEC_RAW}`))).toBe(SPEC_B58);
    expect(hex(decodeAuthorityPubkey(SPEC_B58))).toBe(SPEC_RAW);
  });

  it('round-trips generated keys', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1000 }), () => {
        const kp = generateAuthorityKeypair();
        expect(hex(decodeAuthorityPubkey(encodeAuthorityPubkey(kp.publicXonly)))).toBe(hex(kp.publicXonly));
        expect(hex(decodeAuthoritySecret(encodeAuthoritySecret(kp.secret)))).toBe(hex(kp.secret));
        expect(hex(authorityPublicFromSecret(kp.secret))).toBe(hex(kp.publicXonly));
      }),
      { numRuns: 20 },
    );
  });

  it('says what is wrong with a bad key', () => {
    expect(errorOf(() => decodeAuthorityPubkey(''))).toMatch(/empty/);
    expect(errorOf(() => decodeAuthorityPubkey(`${SPEC_B58.slice(0, -1)}0`))).toMatch(/'0'.*not a base58/);
    const typo = SPEC_B58.slice(0, 10) + (SPEC_B58[10] === 'a' ? 'b' : 'a') + SPEC_B58.slice(11);
    expect(errorOf(() => decodeAuthorityPubkey(typo))).toMatch(/checksum/);
    const secretText = encodeAuthoritySecret(generateAuthorityKeypair().secret);
    expect(errorOf(() => decodeAuthorityPubkey(secretText))).toMatch(/32 bytes.*secret key/);
  });
});

describeWithShared(
  'reference/vectors/generated/sv2-noise-handshake-vector.json',
  'authority keys of the handshake vector',
  () => {
    const v = readSharedJson<Record<string, string>>(
      'reference/vectors/generated/sv2-noise-handshake-vector.json',
    );
    it('encodes the vector authority public and secret keys as listed', () => {
      expect(encodeAuthorityPubkey(hexToBytes(`0x${v.authority_pubkey_xonly}`))).toBe(
        v.authority_pubkey_b58check_v1,
      );
      expect(encodeAuthoritySecret(hexToBytes(`0x${v.authority_secret_key}`))).toBe(
        v.authority_secret_key_b58check,
      );
      expect(hex(decodeAuthoritySecret(v.authority_secret_key_b58check))).toBe(v.authority_secret_key);
    });
  },
);

describe('stratum2+tcp pool URLs', () => {
  const key = hexToBytes(`0x${SPEC_RAW}`);
  it('formats and parses HOST:PORT/AUTHORITY_PUBKEY', () => {
    const url = formatPoolUrl({ host: 'pool.example.org', port: 3336, authorityPubkey: key });
    expect(url).toBe(`stratum2+tcp://pool.example.org:3336/${SPEC_B58}`);
    const p = parsePoolUrl(url);
    expect(p.host).toBe('pool.example.org');
    expect(p.port).toBe(3336);
    expect(hex(p.authorityPubkey)).toBe(SPEC_RAW);
  });
  it('brackets IPv6 hosts', () => {
    const url = formatPoolUrl({ host: '::1', port: 34254, authorityPubkey: key });
    expect(url).toBe(`stratum2+tcp://[::1]:34254/${SPEC_B58}`);
    expect(parsePoolUrl(url).host).toBe('::1');
  });
  it('names the missing part of a bad URL', () => {
    expect(errorOf(() => parsePoolUrl(`stratum+tcp://h:1/${SPEC_B58}`))).toMatch(/scheme/);
    expect(errorOf(() => parsePoolUrl(`stratum2+tcp://h/${SPEC_B58}`))).toMatch(/no port/);
    expect(errorOf(() => parsePoolUrl('stratum2+tcp://h:1/'))).toMatch(/no authority/);
    expect(errorOf(() => parsePoolUrl('h:1'))).toMatch(/scheme|URL/);
  });
});
