import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeWithShared, readSharedJson } from '../../test/shared.js';
import { referenceEaglesong } from '../../test/support/eaglesong-reference.js';
import { eaglesongPowInto, nonceToWords, powMidstate } from './eaglesong.js';
import { buildEaglesongX4Module, type EaglesongX4, eaglesongX4 } from './eaglesong-wasm.js';
import { bytesToHex, hexToBytes } from './hex.js';

function hasher(): EaglesongX4 {
  const x4 = eaglesongX4();
  if (!x4) throw new Error('this Node has no WebAssembly SIMD (Node ≥ 20.19 always has it)');
  return x4;
}

/** Output bytes of one lane (words are squeezed little-endian). */
function laneBytes(x4: EaglesongX4, lane: number): Uint8Array {
  const out = new Uint8Array(32);
  for (let j = 0; j < 8; j++) {
    const w = x4.out[j * 4 + lane];
    for (let k = 0; k < 4; k++) out[j * 4 + k] = (w >>> (8 * k)) & 0xff;
  }
  return out;
}

function setLaneNonce(x4: EaglesongX4, lane: number, nonce16: Uint8Array): void {
  const w = nonceToWords(nonce16);
  for (let j = 0; j < 4; j++) x4.nonces[j * 4 + lane] = w[j];
}

describe('Eaglesong ×4 in WebAssembly SIMD', () => {
  it('builds a valid module and is available on this Node', () => {
    const bytes = buildEaglesongX4Module();
    expect(Array.from(bytes.subarray(0, 4))).toEqual([0x00, 0x61, 0x73, 0x6d]);
    expect(eaglesongX4()).not.toBeNull();
  });

  it('hashes four different nonces exactly like the scalar path and the reference', () => {
    const x4 = hasher();
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.array(fc.uint8Array({ minLength: 16, maxLength: 16 }), { minLength: 4, maxLength: 4 }),
        (powHash, nonces) => {
          const mid = powMidstate(powHash);
          x4.setMidstate(mid);
          for (const [lane, n] of nonces.entries()) setLaneNonce(x4, lane, n);
          x4.run();
          const scalar = new Uint32Array(8);
          nonces.forEach((n, lane) => {
            eaglesongPowInto(mid, nonceToWords(n), scalar);
            for (let j = 0; j < 8; j++) expect(x4.out[j * 4 + lane]).toBe(scalar[j]);
            expect(bytesToHex(laneBytes(x4, lane))).toBe(
              bytesToHex(referenceEaglesong(new Uint8Array([...powHash, ...n]))),
            );
          });
        },
      ),
      { numRuns: 100 },
    );
  });

  it('keeps separate state in separate hashers', () => {
    const a = hasher();
    const b = hasher();
    a.setMidstate(powMidstate(new Uint8Array(32).fill(1)));
    b.setMidstate(powMidstate(new Uint8Array(32).fill(2)));
    a.run();
    b.run();
    expect(a.out).not.toEqual(b.out);
    expect(() => a.setMidstate(new Uint32Array(8))).toThrow(/16 words/);
  });
});

interface RealHeader {
  computed: { eaglesong_input: string; eaglesong_output: string };
}

describeWithShared('reference/ckb/real-headers.json', 'Eaglesong ×4 on real CKB headers', () => {
  const { headers } = readSharedJson<{ headers: RealHeader[] }>('reference/ckb/real-headers.json');
  it('reproduces the Eaglesong output of every header in every lane', () => {
    const x4 = hasher();
    headers.forEach((h, i) => {
      const input = hexToBytes(h.computed.eaglesong_input);
      x4.setMidstate(powMidstate(input.subarray(0, 32)));
      const lane = i % 4;
      // The other lanes get other nonces, so a lane mix-up cannot pass.
      for (let l = 0; l < 4; l++)
        setLaneNonce(x4, l, l === lane ? input.subarray(32) : new Uint8Array(16).fill(l + 1));
      x4.run();
      expect(bytesToHex(laneBytes(x4, lane))).toBe(h.computed.eaglesong_output.slice(2));
    });
  });
});
