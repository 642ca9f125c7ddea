/**
 * CKB proof of work per chain, as the node's PoW engines check it (ckb `pow/src/*.rs`):
 * - mainnet: Eaglesong(pow_hash ‖ nonce16);
 * - testnet (Pudge): EaglesongBlake2b = ckbhash(Eaglesong(pow_hash ‖ nonce16));
 * - dev: Eaglesong (our dev chains set `[pow] func = "Eaglesong"`), or the node's default
 *   dev engine Dummy, which accepts anything, when asked for with `{ devPow: 'dummy' }`.
 * A header is valid when its compact target decodes without overflow to a non-zero target
 * and int_be(pow output) ≤ target.
 */

import type { Chain } from './chain.js';
import {
  eaglesong,
  eaglesongPow,
  eaglesongPowInto,
  nonceToWords,
  powMidstate,
  powWordsToBytes,
  wordsToNonce,
} from './eaglesong.js';
import { type EaglesongX4, eaglesongX4 } from './eaglesong-wasm.js';
import { ckbhash } from './hash.js';
import { type Header, nonceToBytes, powHash as rawHeaderPowHash } from './header.js';
import { decodeCompact, meetsTarget, powWordsMeetTarget, targetToBeWords } from './target.js';

export { CHAINS, type Chain, isChain } from './chain.js';

/** How a dev chain checks PoW: real Eaglesong, or the node's Dummy engine (always valid). */
export type DevPow = 'eaglesong' | 'dummy';

export interface PowOptions {
  /** Only for chain 'dev'; default 'eaglesong'. */
  devPow?: DevPow;
}

/** The node's engine name for a chain (`[pow] func` in its chain spec). */
export function powEngine(chain: Chain, opts: PowOptions = {}): 'Eaglesong' | 'EaglesongBlake2b' | 'Dummy' {
  if (opts.devPow !== undefined && opts.devPow !== 'eaglesong' && chain !== 'dev') {
    throw new RangeError(`devPow '${opts.devPow}' applies to the dev chain only, not ${chain}`);
  }
  if (chain === 'testnet') return 'EaglesongBlake2b';
  if (chain === 'dev' && opts.devPow === 'dummy') return 'Dummy';
  if (chain === 'mainnet' || chain === 'dev') return 'Eaglesong';
  throw new RangeError(`unknown chain ${String(chain)}`);
}

function powMessage(powHash: Uint8Array, nonce16: Uint8Array): Uint8Array {
  if (powHash.length !== 32) throw new RangeError(`pow_hash must be 32 bytes, got ${powHash.length}`);
  if (nonce16.length !== 16) throw new RangeError(`nonce must be 16 bytes, got ${nonce16.length}`);
  const m = new Uint8Array(48);
  m.set(powHash);
  m.set(nonce16, 32);
  return m;
}

/** The value compared with the target: Eaglesong output, plus ckbhash on testnet. */
export function powOutput(chain: Chain, powHash: Uint8Array, nonce16: Uint8Array): Uint8Array {
  const out = eaglesong(powMessage(powHash, nonce16));
  return chain === 'testnet' ? ckbhash(out) : out;
}

/**
 * `powOutput` from the job's midstate (`powMidstate(powHash)`): one Eaglesong permutation,
 * plus one blake2b on testnet. The result is written into `out` (allocated when omitted).
 */
export function powOutputFromMidstate(
  chain: Chain,
  midstate: Uint32Array,
  nonce16: Uint8Array,
  out: Uint8Array = new Uint8Array(32),
): Uint8Array {
  eaglesongPow(midstate, nonce16, out);
  if (chain === 'testnet') {
    out.set(ckbhash(out));
  }
  return out;
}

/** The node's header PoW check on pow_hash and nonce bytes. */
export function verifyPowHash(
  chain: Chain,
  powHash: Uint8Array,
  nonce16: Uint8Array,
  compactTarget: number,
  opts: PowOptions = {},
): boolean {
  if (powEngine(chain, opts) === 'Dummy') return true;
  const { target, overflow } = decodeCompact(compactTarget);
  if (overflow || target === 0n) return false;
  return meetsTarget(powOutput(chain, powHash, nonce16), target);
}

/** The node's PoW check of a whole header (pow_hash = ckbhash(RawHeader); nonce u128 LE). */
export function verifyPow(chain: Chain, header: Header, opts: PowOptions = {}): boolean {
  if (powEngine(chain, opts) === 'Dummy') return true;
  return verifyPowHash(
    chain,
    rawHeaderPowHash(header),
    nonceToBytes(header.nonce),
    header.compactTarget,
    opts,
  );
}

let x4: EaglesongX4 | null | undefined;

/** The SIMD hasher for scans (created on first use; null without WebAssembly SIMD). */
function simdHasher(): EaglesongX4 | null {
  if (x4 === undefined) x4 = eaglesongX4();
  return x4;
}

/**
 * Tries `count` nonces (count ≤ 2^32) starting at `startNonce16`, rolling its last 4 bytes
 * as a big-endian counter (wrapping within them; the other 12 bytes stay fixed), and returns
 * the first nonce whose PoW output is ≤ `target`, or null. This is the CPU miner's inner loop:
 * four nonces per step with WebAssembly SIMD when available (`{ simd: false }` forces the
 * scalar path), no allocation per nonce.
 */
export function scanNonces(
  chain: Chain,
  powHash: Uint8Array,
  startNonce16: Uint8Array,
  count: number,
  target: bigint,
  opts: { simd?: boolean } = {},
): Uint8Array | null {
  if (!Number.isInteger(count) || count < 0 || count > 2 ** 32) throw new RangeError(`bad count ${count}`);
  const midstate = powMidstate(powHash);
  const words = nonceToWords(startNonce16);
  const start = words[3];
  const targetWords = targetToBeWords(target);
  const out = new Uint32Array(8);
  const bytes = new Uint8Array(32);
  const meets =
    chain === 'testnet'
      ? () => meetsTarget(ckbhash(powWordsToBytes(out, bytes)), target)
      : () => powWordsMeetTarget(out, targetWords);
  const simd = opts.simd === false ? null : simdHasher();
  if (simd) {
    simd.setMidstate(midstate);
    const { nonces, out: lanes } = simd;
    for (let lane = 0; lane < 4; lane++) {
      for (let j = 0; j < 3; j++) nonces[j * 4 + lane] = words[j];
    }
    const firstTarget = targetWords[0];
    for (let i = 0; i < count; i += 4) {
      for (let lane = 0; lane < 4; lane++) nonces[12 + lane] = start + i + lane;
      simd.run();
      const live = Math.min(4, count - i);
      for (let lane = 0; lane < live; lane++) {
        const w = lanes[lane];
        const firstBe = ((w << 24) | ((w & 0xff00) << 8) | ((w >>> 8) & 0xff00) | (w >>> 24)) >>> 0;
        // On mainnet the first output word rejects almost every nonce without gathering lanes.
        if (chain !== 'testnet' && firstBe > firstTarget) continue;
        for (let j = 0; j < 8; j++) out[j] = lanes[j * 4 + lane];
        if (meets()) {
          words[3] = start + i + lane;
          return wordsToNonce(words);
        }
      }
    }
    return null;
  }
  for (let i = 0; i < count; i++) {
    words[3] = start + i;
    eaglesongPowInto(midstate, words, out);
    if (meets()) return wordsToNonce(words);
  }
  return null;
}
