import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeWithShared, readSharedJson } from '../../test/shared.js';
import { eaglesong, powMidstate } from './eaglesong.js';
import { ckbhash } from './hash.js';
import { headerFromJson, nonceFromBytes } from './header.js';
import { bytesToHex, hexToBytes } from './hex.js';
import {
  type Chain,
  isChain,
  powEngine,
  powOutput,
  powOutputFromMidstate,
  scanNonces,
  verifyPow,
  verifyPowHash,
} from './pow.js';
import { compactToTarget, meetsTarget } from './target.js';

// docs/protocol.md §7 worked example: mainnet block 16,406,793.
const EXAMPLE_POW_HASH = hexToBytes('eb0f4436dc49e3d695074675b7cad1b26303560fde34edecac16309970b5737f');
const EXAMPLE_NONCE = hexToBytes('207bb9ef080000007dc3929f157e882b');
const EXAMPLE_OUTPUT = '00000000000000040dfbcc91208a14eb207c06f118554ccb2db4ae11f2a5ee80';

const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });

describe('PoW per chain', () => {
  it('names the node’s engine for each chain', () => {
    expect(powEngine('mainnet')).toBe('Eaglesong');
    expect(powEngine('testnet')).toBe('EaglesongBlake2b');
    expect(powEngine('dev')).toBe('Eaglesong');
    expect(powEngine('dev', { devPow: 'dummy' })).toBe('Dummy');
    expect(() => powEngine('mainnet', { devPow: 'dummy' })).toThrow(/dev chain only/);
    expect(() => powEngine('regtest' as Chain)).toThrow(/unknown chain/);
    expect(isChain('testnet')).toBe(true);
    expect(isChain('preview')).toBe(false);
  });

  it('verifies the mainnet worked example of the design and rejects it under a harder target', () => {
    expect(bytesToHex(powOutput('mainnet', EXAMPLE_POW_HASH, EXAMPLE_NONCE))).toBe(EXAMPLE_OUTPUT);
    expect(verifyPowHash('mainnet', EXAMPLE_POW_HASH, EXAMPLE_NONCE, 0x1908f459)).toBe(true);
    expect(verifyPowHash('mainnet', EXAMPLE_POW_HASH, EXAMPLE_NONCE, 0x18040000)).toBe(false);
    // Testnet hashes the same Eaglesong output once more, so the same nonce is no solution there.
    expect(verifyPowHash('testnet', EXAMPLE_POW_HASH, EXAMPLE_NONCE, 0x1908f459)).toBe(false);
    expect(nonceFromBytes(EXAMPLE_NONCE)).toBe(0x2b887e159f92c37d00000008efb97b20n);
  });

  it('treats overflowing and zero compact targets as invalid, like the node', () => {
    expect(verifyPowHash('mainnet', EXAMPLE_POW_HASH, EXAMPLE_NONCE, 0x21000001)).toBe(false);
    expect(verifyPowHash('mainnet', EXAMPLE_POW_HASH, EXAMPLE_NONCE, 0)).toBe(false);
  });

  it('accepts anything on a dev chain in dummy mode, and checks Eaglesong otherwise', () => {
    const junk = new Uint8Array(16).fill(0xff);
    expect(verifyPowHash('dev', EXAMPLE_POW_HASH, junk, 0x03000001, { devPow: 'dummy' })).toBe(true);
    expect(verifyPowHash('dev', EXAMPLE_POW_HASH, junk, 0x03000001)).toBe(false);
    expect(verifyPowHash('dev', EXAMPLE_POW_HASH, EXAMPLE_NONCE, 0x1908f459)).toBe(true);
  });

  it('gives the same output from the midstate as from the whole message, on every chain', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<Chain>('mainnet', 'testnet', 'dev'),
        bytes(32),
        bytes(16),
        (chain, ph, nonce) => {
          const message = new Uint8Array([...ph, ...nonce]);
          const e = eaglesong(message);
          const expected = chain === 'testnet' ? ckbhash(e) : e;
          expect(powOutput(chain, ph, nonce)).toEqual(expected);
          const out = new Uint8Array(32);
          expect(powOutputFromMidstate(chain, powMidstate(ph), nonce, out)).toBe(out);
          expect(out).toEqual(expected);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('finds the first solving nonce by scanning, rolling only the last four bytes, with and without SIMD', () => {
    const target = 1n << 250n; // difficulty 64
    for (const chain of ['mainnet', 'testnet', 'dev'] as const) {
      const start = new Uint8Array(16).fill(0x11);
      start.set([0xff, 0xff, 0xff, 0xf0], 12); // wraps within the last 4 bytes
      const found = scanNonces(chain, EXAMPLE_POW_HASH, start, 5000, target);
      expect(found).not.toBeNull();
      const nonce = found!;
      expect(scanNonces(chain, EXAMPLE_POW_HASH, start, 5000, target, { simd: false })).toEqual(nonce);
      expect(nonce.subarray(0, 12)).toEqual(start.subarray(0, 12));
      expect(meetsTarget(powOutput(chain, EXAMPLE_POW_HASH, nonce), target)).toBe(true);
      // It is the first one: every nonce scanned before it misses the target.
      const counter = new DataView(nonce.buffer).getUint32(12);
      const skipped = (counter - 0xfffffff0) >>> 0;
      for (let i = 0; i < skipped; i++) {
        const n = start.slice();
        new DataView(n.buffer).setUint32(12, (0xfffffff0 + i) >>> 0);
        expect(meetsTarget(powOutput(chain, EXAMPLE_POW_HASH, n), target)).toBe(false);
      }
      // A count that stops just before it finds nothing, though SIMD hashes 4 nonces per step.
      for (const simd of [true, false]) {
        expect(scanNonces(chain, EXAMPLE_POW_HASH, start, skipped, target, { simd })).toBeNull();
        expect(scanNonces(chain, EXAMPLE_POW_HASH, start, skipped + 1, target, { simd })).toEqual(nonce);
      }
    }
    expect(scanNonces('mainnet', EXAMPLE_POW_HASH, new Uint8Array(16), 100, 0n)).toBeNull();
    expect(scanNonces('mainnet', EXAMPLE_POW_HASH, new Uint8Array(16), 0, 1n << 255n)).toBeNull();
    expect(() => scanNonces('mainnet', EXAMPLE_POW_HASH, new Uint8Array(16), -1, 1n)).toThrow(RangeError);
  });

  it('finds the solving nonce of a real block when the scan passes over it', () => {
    // Mainnet block 16,406,793: start 6 nonces before the real one (counter bytes 12..15).
    const start = EXAMPLE_NONCE.slice();
    const view = new DataView(start.buffer);
    view.setUint32(12, view.getUint32(12) - 6);
    const target = compactToTarget(0x1908f459);
    for (const simd of [true, false]) {
      expect(scanNonces('mainnet', EXAMPLE_POW_HASH, start, 16, target, { simd })).toEqual(EXAMPLE_NONCE);
    }
  });

  it('refuses a pow_hash or nonce of the wrong size', () => {
    expect(() => powOutput('mainnet', new Uint8Array(31), EXAMPLE_NONCE)).toThrow(/32 bytes/);
    expect(() => powOutput('mainnet', EXAMPLE_POW_HASH, new Uint8Array(12))).toThrow(/16 bytes/);
  });
});

interface RealHeader {
  chain: string;
  pow_func: 'Eaglesong' | 'EaglesongBlake2b';
  header: Record<string, string>;
  computed: { pow_hash: string; nonce_le_hex: string; pow_value: string; target: string };
  checks: { pow_ok: boolean | null };
}

describeWithShared('reference/ckb/real-headers.json', 'PoW of real CKB headers', () => {
  const { headers } = readSharedJson<{ headers: RealHeader[] }>('reference/ckb/real-headers.json');
  const chainOf = (h: RealHeader): Chain => (h.pow_func === 'EaglesongBlake2b' ? 'testnet' : 'mainnet');

  it('covers both mainnet and testnet headers', () => {
    expect(headers.filter((h) => h.chain.startsWith('testnet')).every((h) => chainOf(h) === 'testnet')).toBe(
      true,
    );
    expect(headers.filter((h) => chainOf(h) === 'testnet').length).toBeGreaterThanOrEqual(17);
    expect(headers.filter((h) => h.chain === 'mainnet').length).toBeGreaterThanOrEqual(100);
  });

  it('computes every recorded PoW value on both paths and accepts every mined header', () => {
    let verified = 0;
    for (const h of headers) {
      const chain = chainOf(h);
      const header = headerFromJson(
        Object.fromEntries(Object.entries(h.header).filter(([k]) => k !== 'hash')),
      );
      const ph = hexToBytes(h.computed.pow_hash);
      const nonce = hexToBytes(h.computed.nonce_le_hex);
      expect(powOutput(chain, ph, nonce)).toEqual(hexToBytes(h.computed.pow_value));
      expect(powOutputFromMidstate(chain, powMidstate(ph), nonce)).toEqual(hexToBytes(h.computed.pow_value));
      if (header.number === 0n) continue; // genesis blocks carry no proof of work
      expect(h.checks.pow_ok).toBe(true);
      expect(verifyPow(chain, header)).toBe(true);
      expect(verifyPowHash(chain, ph, nonce, header.compactTarget)).toBe(true);
      // The other chain's engine rejects it: the engines are not interchangeable.
      expect(verifyPow(chain === 'testnet' ? 'mainnet' : 'testnet', header)).toBe(false);
      verified++;
    }
    expect(verified).toBe(125);
  });

  it('rejects a mined header once its compact exponent is lowered by 3 (a 2^24 times harder target)', () => {
    let checked = 0;
    for (const h of headers.filter((x) => x.checks.pow_ok)) {
      const header = headerFromJson(
        Object.fromEntries(Object.entries(h.header).filter(([k]) => k !== 'hash')),
      );
      const harder = { ...header, compactTarget: header.compactTarget - 0x03000000 };
      expect(compactToTarget(harder.compactTarget)).toBe(compactToTarget(header.compactTarget) >> 24n);
      // Skip the rare header whose real output is lucky enough to meet even that target.
      if (BigInt(h.computed.pow_value) <= compactToTarget(harder.compactTarget)) continue;
      expect(verifyPow(chainOf(h), harder)).toBe(false);
      checked++;
    }
    expect(checked).toBeGreaterThan(100);
  });
});
