/**
 * Eaglesong throughput on one core, shared by
 * pool/bench/eaglesong.bench.ts. The machine may be busy, so absolute numbers are noisy:
 * rates are hashes per CPU second of this process (what one core does when it is ours),
 * the variants run interleaved in short slices, each reported as its median slice rate, and
 * the fast path is compared with baselines measured in the same run:
 * - `simd`: 4 nonces per step in WebAssembly SIMD from the job midstate (eaglesong-wasm.ts),
 * - `scalar`: `eaglesongPowInto` from the job midstate (one permutation per nonce, plain JS),
 * - `scan`: the CPU miner's loop, `scanNonces` on mainnet (SIMD when available + target check),
 * - `generic`: the generic sponge `eaglesong(pow_hash ‖ nonce)` (two permutations, allocation),
 * - `reference`: the plain RFC-style port in eaglesong-reference.ts (what a direct JS port does).
 * `hashes_per_second` is the fastest PoW path this runtime has (`fast_path` names it).
 */
import { cpus } from 'node:os';
import {
  eaglesong,
  eaglesongPow,
  eaglesongPowInto,
  nonceToWords,
  powMidstate,
} from '../src/ckb/eaglesong.js';
import { type EaglesongX4, eaglesongX4 } from '../src/ckb/eaglesong-wasm.js';
import { bytesToHex } from '../src/ckb/hex.js';
import { scanNonces } from '../src/ckb/pow.js';
import { referenceEaglesong } from '../test/support/eaglesong-reference.js';

/** The performance goal for the fast path on one core. */
export const EAGLESONG_GOAL_HPS = 500_000;

export interface EaglesongBenchResult {
  bench: 'eaglesong';
  fast_path: 'wasm-simd-x4' | 'js-scalar';
  hashes_per_second: number;
  hashes_per_second_best: number;
  hashes_per_wall_second: number;
  hashes_per_second_simd: number | null;
  hashes_per_second_scalar: number;
  hashes_per_second_scan: number;
  hashes_per_second_generic: number;
  hashes_per_second_reference: number;
  ratio_vs_generic: number;
  ratio_scalar_vs_generic: number;
  ratio_vs_reference: number;
  goal_hashes_per_second: number;
  meets_goal: boolean;
  seconds: number;
  slices_per_variant: number;
  node: string;
  cpu: string;
}

type Variant = (batch: number) => void;
type VariantName = 'simd' | 'scalar' | 'scan' | 'generic' | 'reference';

const POW_HASH = Uint8Array.from({ length: 32 }, (_, i) => (i * 37 + 11) & 0xff);

function makeVariants(x4: EaglesongX4 | null): Partial<Record<VariantName, Variant>> {
  const midstate = powMidstate(POW_HASH);
  const nonceWords = new Uint32Array(4);
  const outWords = new Uint32Array(8);
  const message = new Uint8Array(48);
  message.set(POW_HASH);
  const scanStart = new Uint8Array(16);
  let counter = 0;
  const variants: Partial<Record<VariantName, Variant>> = {
    scalar(batch) {
      for (let i = 0; i < batch; i++) {
        nonceWords[3] = counter++;
        eaglesongPowInto(midstate, nonceWords, outWords);
      }
    },
    scan(batch) {
      // Target 0 is never met, so every nonce of the batch is hashed and compared.
      new DataView(scanStart.buffer).setUint32(12, counter);
      counter += batch;
      scanNonces('mainnet', POW_HASH, scanStart, batch, 0n);
    },
    generic(batch) {
      for (let i = 0; i < batch; i++) {
        message[47] = counter++;
        eaglesong(message);
      }
    },
    reference(batch) {
      for (let i = 0; i < batch; i++) {
        message[47] = counter++;
        referenceEaglesong(message);
      }
    },
  };
  if (x4) {
    x4.setMidstate(midstate);
    const nonces = x4.nonces;
    variants.simd = (batch) => {
      for (let i = 0; i < batch; i += 4) {
        for (let lane = 0; lane < 4; lane++) nonces[12 + lane] = counter++;
        x4.run();
      }
    };
  }
  return variants;
}

/** CPU seconds this process has used (user + system). */
function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/**
 * One slice of about `ms` milliseconds of CPU time: hashes per CPU second (what one core
 * does when it is ours alone, robust against other processes sharing the machine) and per
 * wall-clock second.
 */
function slice(run: Variant, batch: number, ms: number): { cpu: number; wall: number } {
  const wall0 = performance.now();
  const cpu0 = cpuSeconds();
  let n = 0;
  let cpu = 0;
  do {
    run(batch);
    n += batch;
    cpu = cpuSeconds() - cpu0;
  } while (cpu * 1000 < ms);
  return { cpu: n / cpu, wall: n / ((performance.now() - wall0) / 1000) };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Checks that every timed path computes what the sponge computes before timing them. */
function selfCheck(x4: EaglesongX4 | null): void {
  const nonce = Uint8Array.from({ length: 16 }, (_, i) => i * 7);
  const message = new Uint8Array([...POW_HASH, ...nonce]);
  const a = bytesToHex(eaglesongPow(powMidstate(POW_HASH), nonce));
  const b = bytesToHex(eaglesong(message));
  const c = bytesToHex(referenceEaglesong(message));
  if (a !== b || b !== c) throw new Error(`Eaglesong paths disagree: fast ${a}, sponge ${b}, reference ${c}`);
  if (x4) {
    const mid = powMidstate(POW_HASH);
    const words = nonceToWords(nonce);
    const out = new Uint32Array(8);
    eaglesongPowInto(mid, words, out);
    x4.setMidstate(mid);
    for (let j = 0; j < 4; j++) x4.nonces.fill(words[j], j * 4, j * 4 + 4);
    x4.run();
    for (let j = 0; j < 32; j++) {
      if (x4.out[j] !== out[j >> 2]) throw new Error('Eaglesong SIMD path disagrees with the scalar path');
    }
  }
}

/** Measures all variants for about `seconds` of CPU time in total (after a short warm-up). */
export function measureEaglesong(opts: { seconds?: number } = {}): EaglesongBenchResult {
  const seconds = opts.seconds ?? 5;
  if (!(seconds > 0) || !Number.isFinite(seconds)) throw new RangeError(`bad seconds ${seconds}`);
  const x4 = eaglesongX4();
  selfCheck(x4);
  const variants = makeVariants(x4);
  const names = Object.keys(variants) as VariantName[];
  const batch: Record<VariantName, number> = {
    simd: 4000,
    scalar: 1000,
    scan: 2000,
    generic: 500,
    reference: 50,
  };
  const sliceMs = 100;
  for (const name of names) slice(variants[name]!, batch[name], Math.min(200, seconds * 40)); // JIT warm-up
  const rounds = Math.max(1, Math.round((seconds * 1000) / (sliceMs * names.length)));
  const rates: Partial<Record<VariantName, number[]>> = Object.fromEntries(names.map((n) => [n, []]));
  const walls: Partial<Record<VariantName, number[]>> = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < rounds; r++) {
    for (const name of names) {
      const { cpu, wall } = slice(variants[name]!, batch[name], sliceMs);
      rates[name]!.push(cpu);
      walls[name]!.push(wall);
    }
  }
  const fastName: VariantName = x4 ? 'simd' : 'scalar';
  const fast = median(rates[fastName]!);
  const scalar = median(rates.scalar!);
  const generic = median(rates.generic!);
  const reference = median(rates.reference!);
  return {
    bench: 'eaglesong',
    fast_path: x4 ? 'wasm-simd-x4' : 'js-scalar',
    hashes_per_second: Math.round(fast),
    hashes_per_second_best: Math.round(Math.max(...rates[fastName]!)),
    hashes_per_wall_second: Math.round(median(walls[fastName]!)),
    hashes_per_second_simd: x4 ? Math.round(median(rates.simd!)) : null,
    hashes_per_second_scalar: Math.round(scalar),
    hashes_per_second_scan: Math.round(median(rates.scan!)),
    hashes_per_second_generic: Math.round(generic),
    hashes_per_second_reference: Math.round(reference),
    ratio_vs_generic: Number((fast / generic).toFixed(2)),
    ratio_scalar_vs_generic: Number((scalar / generic).toFixed(2)),
    ratio_vs_reference: Number((fast / reference).toFixed(2)),
    goal_hashes_per_second: EAGLESONG_GOAL_HPS,
    meets_goal: fast >= EAGLESONG_GOAL_HPS,
    seconds,
    slices_per_variant: rounds,
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
  };
}
