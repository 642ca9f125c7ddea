import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeWithShared, readSharedJson } from '../../test/shared.js';
import { hexToBytes } from './hex.js';
import {
  compactToDifficulty,
  compactToTarget,
  decodeCompact,
  difficultyToCompact,
  difficultyToTarget,
  MAX_U256,
  meetsTarget,
  powWordsMeetTarget,
  shareTargetForDifficulty,
  TWO_256,
  targetToBeBytes,
  targetToBeHex,
  targetToBeWords,
  targetToCompact,
  targetToDifficulty,
  targetToU256Le,
  u256LeToTarget,
} from './target.js';

const u256 = fc.bigInt({ min: 0n, max: MAX_U256 });
/** Targets spread over every magnitude, not only huge ones. */
const anyTarget = fc
  .tuple(fc.integer({ min: 1, max: 256 }), fc.bigInt({ min: 0n, max: MAX_U256 }))
  .map(([bits, v]) => v & ((1n << BigInt(bits)) - 1n));
const positiveTarget = anyTarget.filter((t) => t > 0n);

describe('compact targets as the CKB node decodes them', () => {
  it('matches the node’s own compact conversion cases (difficulty.rs tests)', () => {
    const decode: [number, bigint, boolean][] = [
      [0, 0n, false],
      [0x123456, 0n, false],
      [0x1003456, 0n, false],
      [0x2000056, 0n, false],
      [0x3000000, 0n, false],
      [0x4000000, 0n, false],
      [0x923456, 0n, false],
      [0x1803456, 0x80n, false],
      [0x2800056, 0x8000n, false],
      [0x3800000, 0x800000n, false],
      [0x4800000, 0x80000000n, false],
      [0x1020000, 2n, false],
      [0x1fedcba, 0xfen, false],
      [0x2123456, 0x1234n, false],
      [0x3123456, 0x123456n, false],
      [0x4123456, 0x12345600n, false],
      [0x4923456, 0x92345600n, false],
      [0x4923400, 0x92340000n, false],
      [0x20123456, 0x123456n << 232n, false],
    ];
    for (const [compact, target, overflow] of decode) {
      expect(decodeCompact(compact), compact.toString(16)).toEqual({ target, overflow });
    }
    const encode: [bigint, number][] = [
      [0n, 0],
      [2n, 0x1020000],
      [0xfen, 0x1fe0000],
      [0x1234n, 0x2123400],
      [0x123456n, 0x3123456],
      [0x12345600n, 0x4123456],
      [0x92345600n, 0x4923456],
      [0x92340000n, 0x4923400],
      [0x123456n << 232n, 0x20123456],
    ];
    for (const [target, compact] of encode) expect(targetToCompact(target)).toBe(compact);
    for (const c of [0xff123456, 0x21000001, 0x22000001, 0x23000001]) {
      expect(decodeCompact(c).overflow).toBe(true);
      expect(() => compactToTarget(c)).toThrow(/overflows/);
    }
    // An exponent above 32 with a zero mantissa is not an overflow for the node.
    expect(decodeCompact(0x21000000)).toEqual({ target: 0n, overflow: false });
  });

  it('knows the chains’ well-known compact targets and difficulties', () => {
    expect(compactToDifficulty(0x20ffffff)).toBe(1n);
    expect(compactToDifficulty(0x20010000)).toBe(256n); // dev chain genesis
    expect(compactToDifficulty(0x20800000)).toBe(2n); // the node's DIFF_TWO
    expect(difficultyToCompact(256n)).toBe(0x20010000);
    expect(compactToTarget(0x1908f459)).toBe(0x08f459n << 176n); // mainnet, docs/protocol.md §7 worked example
    expect(compactToDifficulty(0)).toBe(0n);
    expect(compactToDifficulty(0xff123456)).toBe(0n);
  });

  it('never overflows when decoding what it encodes, and only truncates below the mantissa', () => {
    fc.assert(
      fc.property(anyTarget, (t) => {
        const c = targetToCompact(t);
        const { target, overflow } = decodeCompact(c);
        expect(overflow).toBe(false);
        expect(target <= t).toBe(true);
        const exponent = c >>> 24;
        const unit = exponent > 3 ? 1n << BigInt(8 * (exponent - 3)) : 1n;
        expect(t - target < unit).toBe(true);
        expect(targetToCompact(target)).toBe(c);
      }),
      { numRuns: 500 },
    );
  });

  it('round-trips every normalized compact value exactly', () => {
    fc.assert(
      fc.property(fc.integer({ min: 3, max: 32 }), fc.integer({ min: 0x10000, max: 0xffffff }), (e, m) => {
        const c = e * 0x1000000 + m;
        expect(targetToCompact(compactToTarget(c))).toBe(c);
      }),
      { numRuns: 500 },
    );
  });

  it('rejects inputs that are not u32 or u256', () => {
    expect(() => decodeCompact(-1)).toThrow(RangeError);
    expect(() => decodeCompact(2 ** 32)).toThrow(RangeError);
    expect(() => decodeCompact(1.5)).toThrow(RangeError);
    expect(() => targetToCompact(TWO_256)).toThrow(RangeError);
    expect(() => targetToCompact(-1n)).toThrow(RangeError);
  });
});

describe('difficulty', () => {
  it('is 2^256 / target with the node’s special case for target 1', () => {
    expect(targetToDifficulty(1n)).toBe(MAX_U256);
    expect(targetToDifficulty(2n)).toBe(1n << 255n);
    expect(targetToDifficulty(MAX_U256)).toBe(1n);
    expect(difficultyToTarget(1n)).toBe(MAX_U256);
    expect(difficultyToTarget(1)).toBe(MAX_U256);
    expect(difficultyToTarget(MAX_U256)).toBe(1n);
    expect(() => targetToDifficulty(0n)).toThrow(RangeError);
    expect(() => difficultyToTarget(0)).toThrow(RangeError);
    expect(() => difficultyToTarget(-3n)).toThrow(RangeError);
    expect(() => difficultyToTarget(Number.NaN)).toThrow(RangeError);
  });

  it('maps a target to a difficulty that maps back to a target with the same difficulty', () => {
    fc.assert(
      fc.property(positiveTarget, (t) => {
        const d = targetToDifficulty(t);
        const back = difficultyToTarget(d);
        expect(back >= t).toBe(true);
        expect(targetToDifficulty(back)).toBe(d);
      }),
      { numRuns: 500 },
    );
  });

  it('accepts fractional difficulties from vardiff, monotonically', () => {
    expect(difficultyToTarget(0.5)).toBe(MAX_U256);
    expect(difficultyToTarget(2.0)).toBe(1n << 255n);
    const t15 = difficultyToTarget(1.5);
    expect(t15 < MAX_U256 && t15 > 1n << 255n).toBe(true);
    expect(difficultyToTarget(1024)).toBe(1n << 246n);
    fc.assert(
      fc.property(
        fc.double({ min: 1, max: 1e15, noNaN: true }),
        fc.double({ min: 1.001, max: 10, noNaN: true }),
        (d, k) => {
          expect(difficultyToTarget(d * k) <= difficultyToTarget(d)).toBe(true);
        },
      ),
    );
  });
});

describe('share targets', () => {
  it('are never harder than the network target', () => {
    const network = compactToTarget(0x1908f459);
    // A share difficulty above the network's is clamped to the network target.
    expect(shareTargetForDifficulty(targetToDifficulty(network) * 4n, network)).toBe(network);
    expect(shareTargetForDifficulty(1024, network)).toBe(1n << 246n);
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 1n << 80n }), positiveTarget, (d, net) => {
        const t = shareTargetForDifficulty(d, net);
        expect(t >= net).toBe(true);
        const plain = difficultyToTarget(d);
        // bigint: Math.max does not apply.
        if (plain >= net) expect(t).toBe(plain);
        else expect(t).toBe(net);
      }),
    );
  });
});

describe('wire and comparison forms', () => {
  it('round-trips U256 little-endian, big-endian hex and bytes', () => {
    fc.assert(
      fc.property(u256, (t) => {
        const le = targetToU256Le(t);
        expect(le.length).toBe(32);
        expect(u256LeToTarget(le)).toBe(t);
        expect(targetToBeHex(t)).toHaveLength(64);
        expect(BigInt(`0x${targetToBeHex(t)}`)).toBe(t);
        expect(targetToBeBytes(t)).toEqual(le.slice().reverse());
      }),
    );
    expect(Array.from(targetToU256Le(0x0102n).subarray(0, 3))).toEqual([2, 1, 0]);
    expect(() => u256LeToTarget(new Uint8Array(31))).toThrow(RangeError);
  });

  it('compares a PoW output big-endian, on bytes and on output words alike', () => {
    const target = compactToTarget(0x1908f459);
    expect(
      meetsTarget(hexToBytes('00000000000000040dfbcc91208a14eb207c06f118554ccb2db4ae11f2a5ee80'), target),
    ).toBe(true);
    expect(meetsTarget(targetToBeBytes(target), target)).toBe(true);
    expect(meetsTarget(targetToBeBytes(target + 1n), target)).toBe(false);
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        anyTarget,
        fc.boolean(),
        (out, t0, near) => {
          // Half the runs put the target right next to the output so later words decide.
          const value = BigInt(`0x${Buffer.from(out).toString('hex')}`);
          const t = near ? (value + (t0 & 1n) - (t0 & 2n ? 1n : 0n)) & MAX_U256 : t0;
          const expected = value <= t;
          expect(meetsTarget(out, t)).toBe(expected);
          const words = new Uint32Array(8);
          for (let j = 0; j < 8; j++) {
            words[j] = out[j * 4] | (out[j * 4 + 1] << 8) | (out[j * 4 + 2] << 16) | (out[j * 4 + 3] << 24);
          }
          expect(powWordsMeetTarget(words, targetToBeWords(t))).toBe(expected);
        },
      ),
      { numRuns: 500 },
    );
  });
});

interface RealHeader {
  chain: string;
  header: { compact_target: string };
  computed: { target: string; difficulty: string };
}

describeWithShared('reference/ckb/real-headers.json', 'targets of real CKB headers', () => {
  const { headers } = readSharedJson<{ headers: RealHeader[] }>('reference/ckb/real-headers.json');
  it('decode every compact_target to the recorded target and difficulty, and re-encode it', () => {
    expect(headers.length).toBe(127);
    for (const h of headers) {
      const compact = Number(h.header.compact_target);
      const target = compactToTarget(compact);
      expect(target).toBe(BigInt(h.computed.target));
      expect(targetToDifficulty(target)).toBe(BigInt(h.computed.difficulty));
      expect(compactToDifficulty(compact)).toBe(BigInt(h.computed.difficulty));
      expect(targetToCompact(target)).toBe(compact);
    }
  });
});
