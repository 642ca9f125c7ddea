import { expect } from 'vitest';
import type { HonestSv2, HonestV1, MinerStats } from './honest.js';
import { type Figure, memoryMb, type Stack } from './stack.js';

/** The suite reads RSS and CPU time from /proc and connects from 127.0.0.2… (Linux loopback). */
export const onLinux = process.platform === 'linux';
if (!onLinux)
  console.warn(`SKIP abuse suite: it needs Linux (/proc, 127.0.0.0/8 loopback); this is ${process.platform}`);

/** The honest miners' p99 answer time the suite holds the system to, under any attack. */
export const HONEST_P99_BOUND_MS = 500;
/**
 * Each honest miner submits a share this often (10/s): an attack of ~10 s gives ~100 answers,
 * so the p99 is a percentile, not just the single slowest answer.
 */
export const HONEST_INTERVAL_MS = 100;

export interface SurvivalContext {
  stack: Stack;
  sv2: HonestSv2;
  v1: HonestV1;
  figures: Figure[];
  /** Peak RSS bound of the process under attack (MB). */
  rssBoundMb: number;
  /** Which process the RSS bound is about (default the pool). */
  target?: 'pool' | 'translator';
}

/** Answers each honest miner must have had since the attack began before the checks run. */
const MIN_SAMPLES = 20;

/**
 * The checks every attack ends with (after the honest miners have at least MIN_SAMPLES answers
 * since the attack began, so a short attack is judged on its aftermath too): both processes run, the target's peak RSS is under its
 * bound, the honest miners stayed connected, got every share answered and a p99 under
 * HONEST_P99_BOUND_MS. Records the attack's figures first, so a failing run still prints them.
 */
export async function checkSurvival(
  c: SurvivalContext,
  f: { attack: string; size: string; limitedBy: string },
): Promise<{ sv2: MinerStats; v1: MinerStats }> {
  const end = Date.now() + 15_000;
  const enough = (st: MinerStats) => st.shares >= MIN_SAMPLES || st.closed !== null;
  while (!(enough(c.sv2.stats()) && enough(c.v1.stats())) && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 50));
  }
  expect(c.stack.pool.alive(), 'the pool process is still running').toBe(true);
  expect(c.stack.translator.alive(), 'the translator process is still running').toBe(true);
  const proc = c.target === 'translator' ? c.stack.translator : c.stack.pool;
  const mem = memoryMb(proc.pid);
  const s = c.sv2.stats();
  const v = c.v1.stats();
  c.figures.push({
    ...f,
    peakRssMb: Math.round(mem.peak),
    honestSv2P99Ms: s.p99Ms,
    honestV1P99Ms: v.p99Ms,
  });
  expect(mem.peak, `${c.target ?? 'pool'} peak RSS (MB)`).toBeLessThan(c.rssBoundMb);
  for (const [who, st] of [
    ['SV2', s],
    ['V1', v],
  ] as const) {
    expect(st.closed, `honest ${who} miner was disconnected`).toBeNull();
    expect(st.shares, `honest ${who} miner kept submitting`).toBeGreaterThanOrEqual(MIN_SAMPLES);
    expect(st.unanswered, `honest ${who} shares without an answer`).toBe(0);
    expect(st.p99Ms, `honest ${who} p99 answer time (ms)`).toBeLessThan(HONEST_P99_BOUND_MS);
  }
  return { sv2: s, v1: v };
}
