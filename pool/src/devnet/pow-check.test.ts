import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeWithShared, readSharedJson } from '../../test/shared.js';
import { headerFromJson } from '../ckb/header.js';
import { verifyPow as poolVerifyPow } from '../ckb/pow.js';
import { decodeCompact } from '../ckb/target.js';
import { compactToDifficulty, compactToTarget, grindNonce, powValue, verifyPow } from './pow-check.js';

const REAL = 'reference/ckb/real-headers.json';

interface RealHeaders {
  headers: Array<{
    chain: string;
    pow_func: string;
    header: unknown;
    computed: { pow_value: string; target: string };
  }>;
}

describeWithShared(REAL, 'dev chain PoW judgement on real chain headers', () => {
  const { headers } = readSharedJson<RealHeaders>(REAL);
  const mined = headers
    .map((h) => ({ ...h, parsed: headerFromJson(h.header) }))
    .filter(
      (h) => h.parsed.number !== 0n && (h.pow_func === 'Eaglesong' || h.pow_func === 'EaglesongBlake2b'),
    );

  it('accepts every real non-genesis header under its chain PoW function, with the recorded PoW value', () => {
    expect(mined.length).toBeGreaterThan(100);
    for (const h of mined) {
      const func = h.pow_func === 'Eaglesong' ? 'eaglesong' : 'eaglesong-blake2b';
      expect(powValue(h.parsed, func)).toBe(BigInt(h.computed.pow_value));
      expect(verifyPow(h.parsed, func)).toBe(true);
    }
  });

  it('rejects the same headers with the nonce changed or under the other chain function', () => {
    for (const h of mined) {
      const func = h.pow_func === 'Eaglesong' ? 'eaglesong' : 'eaglesong-blake2b';
      const other = func === 'eaglesong' ? 'eaglesong-blake2b' : 'eaglesong';
      expect(verifyPow({ ...h.parsed, nonce: h.parsed.nonce ^ 1n }, func)).toBe(false);
      expect(verifyPow(h.parsed, other)).toBe(false);
    }
  });
});

describe('dev chain PoW against the pool PoW code', () => {
  it('decodes compact targets like ckb/target.ts (validity and value)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (compact) => {
        const [target, overflow] = compactToTarget(compact);
        const pool = decodeCompact(compact);
        expect(overflow).toBe(pool.overflow);
        if (!overflow) expect(target).toBe(pool.target);
      }),
    );
  });

  it('knows the documented difficulties: 0x20010000 is 256, 0x1a08a97e is mainnet genesis', () => {
    expect(compactToDifficulty(0x20010000)).toBe(256n);
    expect(compactToDifficulty(0x1a08a97e)).toBe(8318741404228533n);
    expect(compactToTarget(0x2100ffff)[1]).toBe(true);
  });

  it('grinds (midstate path) nonces that both its own sponge check and ckb/pow.ts accept', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }),
        (parent, start) => {
          const raw = {
            version: 0,
            compactTarget: 0x20010000,
            timestamp: 1_700_000_000_000n,
            number: 1n,
            epoch: 0x0a0000010000000n,
            parentHash: parent,
            transactionsRoot: new Uint8Array(32),
            proposalsHash: new Uint8Array(32),
            extraHash: new Uint8Array(32),
            dao: new Uint8Array(32),
          };
          const nonce = grindNonce(raw, 'eaglesong', start, 1 << 16);
          expect(nonce).not.toBeNull();
          const header = { ...raw, nonce: nonce! };
          expect(verifyPow(header, 'eaglesong')).toBe(true);
          expect(poolVerifyPow('mainnet', header)).toBe(true);
        },
      ),
      { numRuns: 20 },
    );
  });
});
