import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeWithShared, readSharedJson } from '../../test/shared.js';
import { headerArb } from '../../test/support/transaction.arbitraries.js';
import {
  blockHash,
  deserializeHeader,
  deserializeRawHeader,
  epochParts,
  headerFromJson,
  headerToJson,
  headerViewFromJson,
  headerViewToJson,
  nonceFromBytes,
  nonceToBytes,
  packEpoch,
  powHash,
  serializeHeader,
  serializeRawHeader,
} from './header.js';
import { bytesToHex0x, hexToBytes } from './hex.js';

interface RealHeader {
  chain: string;
  provenance: { path: string; item?: string };
  header: Record<string, string>;
  computed: {
    raw_header_hex: string;
    header_hex: string;
    pow_hash: string;
    header_hash: string;
    nonce_le_hex: string;
  };
}

const REAL = 'reference/ckb/real-headers.json';

describeWithShared(REAL, 'real headers from mainnet and testnet', () => {
  const { headers } = readSharedJson<{ headers: RealHeader[] }>(REAL);

  it('has the 127 headers the fact sheet describes', () => {
    expect(headers).toHaveLength(127);
  });

  it.each(headers.map((h, i) => [i, h.chain, h.header.number, h] as const))(
    'header %i (%s, number %s) serializes, hashes and round-trips exactly',
    (_i, _chain, _number, h) => {
      const { header, hash } = headerViewFromJson(h.header);
      expect(bytesToHex0x(serializeRawHeader(header))).toBe(h.computed.raw_header_hex);
      expect(bytesToHex0x(serializeHeader(header))).toBe(h.computed.header_hex);
      expect(bytesToHex0x(powHash(header))).toBe(h.computed.pow_hash);
      expect(bytesToHex0x(blockHash(header))).toBe(h.computed.header_hash);
      if (hash) expect(bytesToHex0x(blockHash(header))).toBe(bytesToHex0x(hash));
      expect(bytesToHex0x(nonceToBytes(header.nonce))).toBe(`0x${h.computed.nonce_le_hex}`);
      const { hash: _omit, ...withoutHash } = h.header;
      expect(headerToJson(header)).toEqual(withoutHash);
      expect(headerViewToJson(header)).toEqual({ ...withoutHash, hash: h.computed.header_hash });
      expect(deserializeHeader(hexToBytes(h.computed.header_hex))).toEqual(header);
    },
  );

  it('every header except one carries a hash that matches', () => {
    const withHash = headers.filter((h) => h.header.hash);
    expect(withHash.length).toBe(126);
    for (const h of withHash) expect(bytesToHex0x(blockHash(headerFromJson(h.header)))).toBe(h.header.hash);
  });
});

describe('header encoding', () => {
  it('round-trips any header through Molecule bytes and through JSON', () => {
    fc.assert(
      fc.property(headerArb, (h) => {
        const bytes = serializeHeader(h);
        expect(bytes.length).toBe(208);
        expect(deserializeHeader(bytes)).toEqual(h);
        expect(headerFromJson(JSON.parse(JSON.stringify(headerToJson(h))))).toEqual(h);
        const { nonce: _n, ...raw } = h;
        expect(deserializeRawHeader(serializeRawHeader(raw))).toEqual(raw);
      }),
    );
  });

  it('the header bytes are the raw header followed by the nonce as 16 little-endian bytes', () => {
    fc.assert(
      fc.property(headerArb, (h) => {
        const bytes = serializeHeader(h);
        expect(bytes.subarray(0, 192)).toEqual(serializeRawHeader(h));
        expect(bytes.subarray(192)).toEqual(nonceToBytes(h.nonce));
        expect(nonceFromBytes(bytes.subarray(192))).toBe(h.nonce);
      }),
    );
  });

  it('reads the nonce of mainnet block 16,406,793 from its stratum bytes', () => {
    // docs/protocol.md §7 worked example: extranonce1 207bb9ef ‖ extranonce2 080000007dc3929f157e882b.
    const n = nonceFromBytes(hexToBytes('207bb9ef080000007dc3929f157e882b'));
    expect(`0x${n.toString(16)}`).toBe('0x2b887e159f92c37d00000008efb97b20');
  });

  it('unpacks and repacks the epoch field', () => {
    // The node's RPC README template: epoch 1, block 25 of 1800.
    const parts = epochParts(0x7080019000001n);
    expect(parts).toEqual({ number: 1n, index: 25, length: 1800 });
    expect(packEpoch(parts)).toBe(0x7080019000001n);
  });
});

describe('header JSON errors name the field', () => {
  const good = {
    version: '0x0',
    compact_target: '0x1a08a97e',
    timestamp: '0x16e70e6985c',
    number: '0x0',
    epoch: '0x0',
    parent_hash: `0x${'00'.repeat(32)}`,
    transactions_root: `0x${'11'.repeat(32)}`,
    proposals_hash: `0x${'00'.repeat(32)}`,
    extra_hash: `0x${'00'.repeat(32)}`,
    dao: `0x${'22'.repeat(32)}`,
    nonce: '0x0',
  };

  it.each([
    [{ ...good, compact_target: '0x01' }, /header\.compact_target: .*leading zeros/],
    [{ ...good, timestamp: 5 }, /header\.timestamp: .*hex string/],
    [{ ...good, number: undefined }, /header\.number: missing/],
    [{ ...good, parent_hash: '0x1234' }, /header\.parent_hash: expected 32 bytes/],
    [{ ...good, dao: 'ab'.repeat(32) }, /header\.dao: missing 0x prefix/],
    [{ ...good, nonce: `0x1${'0'.repeat(32)}` }, /header\.nonce: .*128 bits/],
    [{ ...good, version: '0x100000000' }, /header\.version: .*32 bits/],
    [{ ...good, uncles_hash: good.extra_hash }, /header\.uncles_hash: unknown field/],
    [{ ...good, hash: 'zz' }, /header\.hash: /],
    [[], /header: expected an object, got an array/],
  ])('rejects %j', (json, message) => {
    expect(() => headerFromJson(json)).toThrow(message);
  });
});
