/**
 * The V1 fleet of issue 15 (test/support/v1-fleet.ts): 50 V1 miners of mixed dialects join a
 * translator over the first 30 s and mine against a dev pool, at the production share interval
 * (10 s, ~6 shares per vardiff period) unless BENCH_FLEET_INTERVAL says otherwise. TIME IS
 * SCALED (`scale`, default 10×: share interval, vardiff period 60 s, blocks every 10 s and the
 * 30 s of joins all run that much faster); every figure below is in scaled ("real-world") seconds.
 * Prints one JSON line:
 *
 * - `firstTwoMinutes` / `overall`: shares accepted and rejected, and the reject percentage;
 * - `timeToTargetS`: time from a miner's join until it was first given a target within 2× of
 *   its ideal difficulty (hashrate × interval), median and p90; `neverReached` miners;
 * - `finalWithin2x`: miners whose share rate, from two minutes after the last join to the end
 *   (the fleet test's window), is within 2× of the aim.
 *
 * BENCH_FLEET_SCALE (default 10), BENCH_FLEET_SECONDS (scaled run length, default 350; more
 * than 150, or the judged window is empty), BENCH_FLEET_INTERVAL (real-world seconds between a
 * miner's shares, default 10; the fleet test uses REAL.shareIntervalS).
 */
import {
  fleetSpecs,
  rateRatioOver,
  runFleet,
  startFleetStack,
  timeToTarget,
} from '../test/support/v1-fleet.js';

const scale = Number(process.env.BENCH_FLEET_SCALE ?? 10);
const seconds = Number(process.env.BENCH_FLEET_SECONDS ?? 350);
const shareIntervalS = Number(process.env.BENCH_FLEET_INTERVAL ?? 10);
const intervalS = shareIntervalS / scale;

const pct = (r: { accepted: number; rejected: number }) =>
  Math.round((r.rejected / Math.max(1, r.accepted + r.rejected)) * 10_000) / 100;
const quantile = (sorted: number[], q: number) =>
  sorted.length === 0 ? null : (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number);

const stack = await startFleetStack(scale, shareIntervalS);
try {
  const r = await runFleet(stack, fleetSpecs(50, 30_000 / scale), scale, (seconds * 1000) / scale);
  // Back to real-world seconds: a scaled ms is `scale` real ms.
  const times = r.miners
    .map((m) => timeToTarget(m, intervalS))
    .filter((t): t is number => t !== null)
    .map((ms) => (ms * scale) / 1000)
    .sort((a, b) => a - b);
  const runMs = (seconds * 1000) / scale;
  const judgedFromMs = (150 * 1000) / scale;
  const ratios = r.miners.map((m) => rateRatioOver(m, intervalS, judgedFromMs, runMs));
  console.log(
    JSON.stringify({
      bench: 'v1-fleet',
      scale,
      shareIntervalS,
      miners: r.miners.length,
      scaledSeconds: seconds,
      firstTwoMinutes: { ...r.firstTwoMinutes, rejectPercent: pct(r.firstTwoMinutes) },
      overall: { ...r.overall, rejectPercent: pct(r.overall) },
      timeToTargetS: { median: quantile(times, 0.5), p90: quantile(times, 0.9) },
      neverReached: r.miners.length - times.length,
      finalWithin2x: ratios.filter((x) => x >= 0.5 && x <= 2).length,
    }),
  );
} finally {
  await stack.close();
}
