/**
 * Eaglesong PoW, four nonces at a time, in WebAssembly SIMD (i32x4: lane L of every vector is
 * nonce L). Still one permutation per nonce from the job midstate, on one core; measured ~3×
 * the scalar JS path (2.6M vs 0.8M hashes per CPU second on the 2-core Xeon dev box), which
 * is what the CPU miner's nonce scan uses. Share checks use the scalar path (one hash each).
 *
 * The module (about 2 KB) is generated here on first use, so there is no binary blob to trust:
 * the 43-round loop over 16 v128 locals, with
 * - the bit matrix as XORs of shared pairs, derived from EAGLESONG_BIT_MATRIX by greedy pair
 *   elimination (63 XORs instead of 120),
 * - circulant rotations as shl/shr_u/or and `x ^ rotl(x, a) ^ rotl(x, b)` as
 *   `x ^ rotl(x ^ rotl(x, b - a), a)`,
 * - the add-rotate-add rotations by 8 and 24 as one byte shuffle each,
 * - injection constants loaded and splatted from linear memory.
 * `eaglesongX4()` returns null where WebAssembly SIMD is unavailable; callers fall back.
 */
import { EAGLESONG_BIT_MATRIX, EAGLESONG_INJECTION, EAGLESONG_ROTATIONS } from './eaglesong-constants.js';

// Linear memory layout (bytes).
const IC_AT = 0; // 688 injection constants
const MID_AT = 2752; // 16 midstate words
const NONCE_AT = 2816; // 4 nonce words × 4 lanes, word-major: word j of lane L at j * 4 + L
const OUT_AT = 2880; // 8 output words × 4 lanes, word-major

/** One SIMD hasher with its own memory (so one per job or per thread). */
export interface EaglesongX4 {
  /** Sets the job: the state from `powMidstate(powHash)`. */
  setMidstate(midstate: Uint32Array): void;
  /**
   * Nonce words in wasm memory, word-major: `nonces[j * 4 + lane]` = big-endian word j of the
   * lane's nonce (as `nonceToWords` gives them). Write, then call `run()`.
   */
  readonly nonces: Uint32Array;
  /** Output words, word-major: `out[j * 4 + lane]` = `eaglesongPowInto` word j of the lane. */
  readonly out: Uint32Array;
  /** Hashes the four nonces in `nonces` into `out`. */
  run(): void;
}

/** Pairs of XOR inputs (index ≥ 16 = an earlier pair) and each column's inputs. */
function factorBitMatrix(): { pairs: [number, number][]; columns: number[][] } {
  const columns = Array.from({ length: 16 }, (_, j) =>
    EAGLESONG_BIT_MATRIX.flatMap((row, k) => (row[j] === '1' ? [k] : [])),
  );
  const pairs: [number, number][] = [];
  for (;;) {
    // The pair of signals shared by most columns (first in order on ties) becomes a new signal.
    const counts = new Map<string, number>();
    let best = '';
    let bestCount = 1;
    for (const col of columns) {
      for (let x = 0; x < col.length; x++) {
        for (let y = x + 1; y < col.length; y++) {
          const key = `${Math.min(col[x], col[y])},${Math.max(col[x], col[y])}`;
          const n = (counts.get(key) ?? 0) + 1;
          counts.set(key, n);
          if (n > bestCount || (n === bestCount && n > 1 && key < best)) [best, bestCount] = [key, n];
        }
      }
    }
    if (bestCount < 2) return { pairs, columns };
    const [a, b] = best.split(',').map(Number);
    const signal = 16 + pairs.length;
    pairs.push([a, b]);
    for (let j = 0; j < 16; j++) {
      if (columns[j].includes(a) && columns[j].includes(b)) {
        columns[j] = [...columns[j].filter((k) => k !== a && k !== b), signal];
      }
    }
  }
}

function uleb(n: number): number[] {
  const out: number[] = [];
  let v = n >>> 0;
  do {
    const byte = v & 0x7f;
    v >>>= 7;
    out.push(v ? byte | 0x80 : byte);
  } while (v);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  let v = n | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    if ((v === 0 && !(byte & 0x40)) || (v === -1 && byte & 0x40)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

const OP = { localGet: 0x20, localSet: 0x21, localTee: 0x22, i32Const: 0x41, i32Add: 0x6a, i32LtU: 0x49 };
const SIMD = { load: 0x00, load32Splat: 0x09, store: 0x0b, shuffle: 0x0d, splat: 0x11, or: 0x50, xor: 0x51 };
const I32X4 = { shl: 0xab, shrU: 0xad, add: 0xae };

/** The wasm binary: one exported memory `mem` and one function `pow4: [] → []`. */
export function buildEaglesongX4Module(): Uint8Array {
  const { pairs, columns } = factorBitMatrix();
  // Locals: s0..15 state, t0..15 after the matrix, then the pair signals, then temporaries.
  const T = 16;
  const P = 32;
  const V = P + pairs.length;
  const TMP = V + 1;
  const V128_LOCALS = TMP + 1;
  const I = V128_LOCALS; // i32 loop offset into the constants
  const signal = (k: number) => (k < 16 ? k : P + (k - 16));

  const c: number[] = [];
  const get = (l: number) => c.push(OP.localGet, ...uleb(l));
  const set = (l: number) => c.push(OP.localSet, ...uleb(l));
  const i32 = (n: number) => c.push(OP.i32Const, ...sleb(n));
  const simd = (op: number, ...imm: number[]) => c.push(0xfd, ...uleb(op), ...imm);
  const xor = () => simd(SIMD.xor);
  const rotl = (l: number, n: number) => {
    get(l);
    i32(n);
    simd(I32X4.shl);
    get(l);
    i32(32 - n);
    simd(I32X4.shrU);
    simd(SIMD.or);
  };
  // Byte shuffles rotating each little-endian 32-bit lane left by 8 and by 24 bits.
  const rot8 = Array.from({ length: 16 }, (_, b) => (b & ~3) + (((b & 3) + 3) & 3));
  const rot24 = Array.from({ length: 16 }, (_, b) => (b & ~3) + (((b & 3) + 1) & 3));
  const shuffle = (l: number, lanes: number[]) => {
    get(l);
    get(l);
    simd(SIMD.shuffle, ...lanes);
  };

  // State = midstate in every lane, nonce words XORed into words 0..3, delimiter into word 4.
  for (let j = 0; j < 16; j++) {
    i32(MID_AT + 4 * j);
    simd(SIMD.load32Splat, 2, 0);
    if (j < 4) {
      i32(NONCE_AT + 16 * j);
      simd(SIMD.load, 4, 0);
      xor();
    } else if (j === 4) {
      i32(0x06);
      simd(SIMD.splat);
      xor();
    }
    set(j);
  }
  i32(IC_AT);
  set(I);
  c.push(0x03, 0x40); // loop (no result)
  pairs.forEach(([a, b], n) => {
    get(signal(a));
    get(signal(b));
    xor();
    set(P + n);
  });
  columns.forEach((col, j) => {
    get(signal(col[0]));
    for (const k of col.slice(1)) {
      get(signal(k));
      xor();
    }
    set(T + j);
  });
  EAGLESONG_ROTATIONS.forEach(([a, b], j) => {
    get(T + j);
    rotl(T + j, b - a);
    xor();
    set(V);
    get(T + j);
    rotl(V, a);
    xor();
    get(I);
    simd(SIMD.load32Splat, 2, ...uleb(4 * j));
    xor();
    set(T + j);
  });
  for (let a = 0; a < 16; a += 2) {
    get(T + a);
    get(T + a + 1);
    simd(I32X4.add);
    set(TMP);
    shuffle(TMP, rot8);
    set(a);
    shuffle(T + a + 1, rot24);
    get(a);
    simd(I32X4.add);
    set(a + 1);
  }
  get(I);
  i32(64);
  c.push(OP.i32Add, OP.localTee, ...uleb(I));
  i32(IC_AT + 4 * EAGLESONG_INJECTION.length);
  c.push(OP.i32LtU, 0x0d, 0x00); // br_if 0 (continue the loop)
  c.push(0x0b); // end loop
  for (let j = 0; j < 8; j++) {
    i32(OUT_AT + 16 * j);
    get(j);
    simd(SIMD.store, 4, 0);
  }
  c.push(0x0b); // end function

  const body = [2, ...uleb(V128_LOCALS), 0x7b, 1, 0x7f, ...c];
  const section = (id: number, payload: number[]) => [id, ...uleb(payload.length), ...payload];
  const name = (s: string) => [s.length, ...Array.from(s, (ch) => ch.charCodeAt(0))];
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, [1, 0x60, 0, 0]), // type: [] → []
    ...section(3, [1, 0]), // function 0 has type 0
    ...section(5, [1, 0, 1]), // memory: min 1 page
    ...section(7, [2, ...name('pow4'), 0, 0, ...name('mem'), 2, 0]), // exports
    ...section(10, [1, ...uleb(body.length), ...body]), // code
  ]);
}

/** The part of the WebAssembly JS API used here (the project's TS libs have no DOM types). */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}
const wasm = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

let compiled: object | null | undefined;

/** A new SIMD hasher, or null when this runtime has no WebAssembly SIMD. */
export function eaglesongX4(): EaglesongX4 | null {
  if (compiled === undefined) {
    const bytes = buildEaglesongX4Module();
    compiled = wasm?.validate(bytes) ? new wasm.Module(bytes) : null;
  }
  if (compiled === null || !wasm) return null;
  const exports = new wasm.Instance(compiled, {}).exports as {
    mem: { buffer: ArrayBuffer };
    pow4: () => void;
  };
  const words = new Uint32Array(exports.mem.buffer);
  words.set(EAGLESONG_INJECTION, IC_AT / 4);
  return {
    setMidstate(midstate) {
      if (midstate.length !== 16) throw new RangeError(`midstate must be 16 words, got ${midstate.length}`);
      words.set(midstate, MID_AT / 4);
    },
    nonces: words.subarray(NONCE_AT / 4, NONCE_AT / 4 + 16),
    out: words.subarray(OUT_AT / 4, OUT_AT / 4 + 32),
    run: exports.pow4,
  };
}
