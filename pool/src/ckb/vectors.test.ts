import { describe, expect, it } from 'vitest';
import { EAGLESONG_VECTORS, REAL_HEADERS } from '../../test/vectors/ckb.js';
import { eaglesong } from './eaglesong.js';
import { blockHash, headerViewFromJson, nonceToBytes, powHash } from './header.js';
import { bytesToHex, bytesToHex0x, hexToBytes } from './hex.js';
import { powOutput, verifyPow } from './pow.js';

// These run everywhere, ../shared or not: the in-repo facts of pool/test/vectors.
describe('Eaglesong on the published test vectors', () => {
  it.each(EAGLESONG_VECTORS.map((v) => [v.inputHex || '(empty)', v] as const))(
    'hashes %s to the published digest',
    (_name, v) => {
      expect(bytesToHex(eaglesong(hexToBytes(v.inputHex)))).toBe(v.eaglesong);
    },
  );
});

describe('real CKB headers', () => {
  it.each(REAL_HEADERS.map((h) => [h.chain, h.header.number, h] as const))(
    '%s header %s hashes to its block hash and carries valid proof of work',
    (_chain, _number, h) => {
      const { header } = headerViewFromJson(h.header);
      expect(bytesToHex0x(blockHash(header))).toBe(h.header.hash);
      expect(bytesToHex0x(powHash(header))).toBe(h.powHash);
      expect(bytesToHex(nonceToBytes(header.nonce))).toBe(h.nonceLe);
      const chain = h.powFunc === 'EaglesongBlake2b' ? 'testnet' : 'mainnet';
      expect(bytesToHex0x(powOutput(chain, powHash(header), nonceToBytes(header.nonce)))).toBe(h.powValue);
      expect(verifyPow(chain, header)).toBe(true);
    },
  );
});
