import { describe, expect, it } from 'vitest';
import { encodeFullAddress } from './address.js';
import { hexToBytes } from './hex.js';

describe('encodeFullAddress', () => {
  it('encodes the RFC 0021 full-format example for secp256k1-blake160 on mainnet', () => {
    // RFC 0021 "Full address with hash_type = type": the default lock of args b39bbc0b…4362.
    const lock = {
      codeHash: hexToBytes('9bd7e06f3ecf4be0f2fcd2188b23f1b9fcc88e5d4b65a8637b17723bbda3cce8'),
      hashType: 1,
      args: hexToBytes('b39bbc0b3673c7d36450bc14cfcdad2d559c6c64'),
    };
    expect(encodeFullAddress(lock, 'mainnet')).toBe(
      'ckb1qzda0cr08m85hc8jlnfp3zer7xulejywt49kt2rr0vthywaa50xwsqdnnw7qkdnnclfkg59uzn8umtfd2kwxceqxwquc4',
    );
  });

  it('refuses a hash type the node does not know', () => {
    expect(() =>
      encodeFullAddress({ codeHash: new Uint8Array(32), hashType: 3, args: new Uint8Array(20) }, 'dev'),
    ).toThrow(/hash type/);
  });
});
