import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AddressError,
  decodeAddress,
  encodeFullAddress,
  payoutLock,
  SECP256K1_BLAKE160_CODE_HASH,
} from './address.js';

// Vectors from RFC 0021 (nervosnetwork/rfcs, rfcs/0021-ckb-address-format), "Examples".
const RFC_ARGS = '0xb39bbc0b3673c7d36450bc14cfcdad2d559c6c64';
const RFC_FULL =
  'ckb1qzda0cr08m85hc8jlnfp3zer7xulejywt49kt2rr0vthywaa50xwsqdnnw7qkdnnclfkg59uzn8umtfd2kwxceqxwquc4';
const RFC_SHORT = 'ckb1qyqt8xaupvm8837nv3gtc9x0ekkj64vud3jqfwyw5v';
const RFC_MULTISIG_SHORT = 'ckb1qyq5lv479ewscx3ms620sv34pgeuz6zagaaqklhtgg';
const RFC_DEPRECATED_FULL =
  'ckb1qjda0cr08m85hc8jlnfp3zer7xulejywt49kt2rr0vthywaa50xw3vumhs9nvu786dj9p0q5elx66t24n3kxgj53qks';
// A testnet pair (short ↔ full of the same key) from the ckb-sdk-go address tests.
const TESTNET_SHORT = 'ckt1qyqxgp7za7dajm5wzjkye52asc8fxvvqy9eqlhp82g';
const TESTNET_FULL =
  'ckt1qzda0cr08m85hc8jlnfp3zer7xulejywt49kt2rr0vthywaa50xwsqtyqlpwlx7ed68pftzv69wcvr5nxxqzzus2zxwa6';

const DEFAULT_LOCK = { codeHash: SECP256K1_BLAKE160_CODE_HASH, hashType: 'type', args: RFC_ARGS };

describe('decodeAddress', () => {
  it('decodes the RFC 0021 full-format (bech32m) example into the default lock', () => {
    expect(decodeAddress(RFC_FULL)).toEqual({ chain: 'mainnet', format: 'full', lock: DEFAULT_LOCK });
  });

  it('decodes the RFC 0021 deprecated short-format example into the same lock', () => {
    expect(decodeAddress(RFC_SHORT)).toEqual({ chain: 'mainnet', format: 'short', lock: DEFAULT_LOCK });
  });

  it('decodes the RFC 0021 deprecated full-format example into the same lock', () => {
    expect(decodeAddress(RFC_DEPRECATED_FULL)).toEqual({
      chain: 'mainnet',
      format: 'full-deprecated',
      lock: DEFAULT_LOCK,
    });
  });

  it('decodes the RFC 0021 multisig short example with its args', () => {
    const d = decodeAddress(RFC_MULTISIG_SHORT);
    expect(d.lock.args).toBe('0x4fb2be2e5d0c1a3b8694f832350a33c1685d477a');
    expect(d.lock.codeHash).not.toBe(SECP256K1_BLAKE160_CODE_HASH);
  });

  it('decodes a testnet short address and its full form to the same lock', () => {
    const short = decodeAddress(TESTNET_SHORT);
    const full = decodeAddress(TESTNET_FULL);
    expect(short.chain).toBe('testnet');
    expect(full.chain).toBe('testnet');
    expect(full.lock).toEqual(short.lock);
    expect(full.lock.codeHash).toBe(SECP256K1_BLAKE160_CODE_HASH);
  });

  it('re-encodes the RFC full example byte for byte', () => {
    expect(encodeFullAddress(DEFAULT_LOCK as never, 'mainnet')).toBe(RFC_FULL);
  });

  it('accepts an all-uppercase address', () => {
    expect(decodeAddress(RFC_FULL.toUpperCase()).lock).toEqual(DEFAULT_LOCK);
  });

  it('rejects a single changed character (checksum)', () => {
    const broken = `${RFC_FULL.slice(0, 20)}${RFC_FULL[20] === 'q' ? 'p' : 'q'}${RFC_FULL.slice(21)}`;
    expect(() => decodeAddress(broken)).toThrow(AddressError);
  });

  it('rejects other prefixes and mixed case', () => {
    expect(() => decodeAddress('bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4')).toThrow(/ckb1.*ckt1/);
    expect(() => decodeAddress(`Ckb1${RFC_FULL.slice(4)}`)).toThrow(/case/);
  });

  it('round-trips any 20-byte args through the full format on both chains', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 20, maxLength: 20 }),
        fc.constantFrom('mainnet', 'testnet'),
        (args, chain) => {
          const lock = {
            codeHash: SECP256K1_BLAKE160_CODE_HASH,
            hashType: 'type' as const,
            args: `0x${Buffer.from(args).toString('hex')}`,
          };
          const address = encodeFullAddress(lock, chain as 'mainnet' | 'testnet');
          expect(decodeAddress(address)).toEqual({ chain, format: 'full', lock });
        },
      ),
    );
  });
});

describe('payoutLock', () => {
  it('returns the default lock for every format of the RFC example', () => {
    for (const a of [RFC_FULL, RFC_SHORT, RFC_DEPRECATED_FULL])
      expect(payoutLock(a, 'mainnet')).toEqual(DEFAULT_LOCK);
  });

  it('rejects an address of the other chain and says which prefix to use', () => {
    expect(() => payoutLock(TESTNET_FULL, 'mainnet')).toThrow(/testnet address but chain is mainnet.*ckb1/);
    expect(() => payoutLock(RFC_FULL, 'testnet')).toThrow(/mainnet address but chain is testnet.*ckt1/);
  });

  it('rejects a multisig lock with a clear reason', () => {
    expect(() => payoutLock(RFC_MULTISIG_SHORT, 'mainnet')).toThrow(/multisig.*secp256k1-blake160/);
  });

  it('rejects a default-lock address whose args are not 20 bytes', () => {
    const lock = { codeHash: SECP256K1_BLAKE160_CODE_HASH, hashType: 'type' as const, args: `${RFC_ARGS}00` };
    expect(() => payoutLock(encodeFullAddress(lock, 'mainnet'), 'mainnet')).toThrow(/21-byte args/);
  });

  it('rejects a data hash_type lock', () => {
    const lock = { codeHash: SECP256K1_BLAKE160_CODE_HASH, hashType: 'data1' as const, args: RFC_ARGS };
    expect(() => payoutLock(encodeFullAddress(lock, 'mainnet'), 'mainnet')).toThrow(/hash_type data1/);
  });
});
