import { describe, expect, it } from 'vitest';
import { difficultyToTarget } from '../ckb/target.js';
import { MinerTargets, newMinerTargetState, startDifficultyFor } from './miner-targets.js';
import { MINER_VARDIFF_DEFAULTS, type MinerVardiffSettings } from './miner-vardiff.js';

const S: MinerVardiffSettings = {
  ...MINER_VARDIFF_DEFAULTS,
  startDifficulty: 2 ** 34,
  maxDifficulty: 2 ** 50,
};
const generic = { nominalHashRate: 0, honoursSuggestDifficulty: false };
const hints = (o: Partial<Parameters<typeof startDifficultyFor>[0]> = {}) => ({
  dialect: generic,
  suggestedTarget: null,
  requestedTarget: null,
  ...o,
});

describe("a miner's start difficulty", () => {
  it("starts 16× easier than a guess: the configured start, or its dialect's declared hashrate", () => {
    expect(startDifficultyFor(hints(), S)).toBe(2 ** 30);
    const k7 = { nominalHashRate: 2 ** 44, honoursSuggestDifficulty: false };
    expect(startDifficultyFor(hints({ dialect: k7 }), S)).toBe((2 ** 44 * 10) / 16);
  });

  it('takes a guess beyond the hardest target as that target before easing it', () => {
    const k7 = { nominalHashRate: 2 ** 44, honoursSuggestDifficulty: false };
    expect(startDifficultyFor(hints({ dialect: k7 }), { ...S, maxDifficulty: 1024 })).toBe(64);
  });

  it('starts where the miner asked, without a margin', () => {
    const asked = difficultyToTarget(2n ** 40n);
    expect(startDifficultyFor(hints({ requestedTarget: asked }), S)).toBe(2 ** 40);
    const goldshell = { nominalHashRate: 2 ** 40, honoursSuggestDifficulty: true };
    expect(startDifficultyFor(hints({ dialect: goldshell, suggestedTarget: asked }), S)).toBe(2 ** 40);
  });

  it('starts at the guess itself with guessMargin 1', () => {
    expect(startDifficultyFor(hints(), { ...S, guessMargin: 1 })).toBe(2 ** 34);
  });
});

describe('a resumed session', () => {
  const measured: MinerVardiffSettings = { ...S, measureSeconds: 90, measureRate: 8 };
  const job = {};

  it('starts at the difficulty it had settled on, aimed at the share rate at once', () => {
    const targets = new MinerTargets(measured, () => 0);
    const st = newMinerTargetState();
    const target = targets.targetForJob(st, hints({ resumedDifficulty: 2 ** 40 }), job);
    expect(target).toBe(difficultyToTarget(2n ** 40n));
    expect(st.vardiff?.measuring).toBe(false);
    expect(targets.hashRate(st, hints())).toBe(2 ** 40 / 10);
  });

  it('is measured again from its suggestion or guess when it had not settled', () => {
    const targets = new MinerTargets(measured, () => 0);
    const st = newMinerTargetState();
    targets.targetForJob(st, hints({ resumedDifficulty: null }), job);
    expect(st.vardiff?.measuring).toBe(true);
    expect(st.vardiff?.difficulty).toBe(2 ** 30 / 8);
  });

  it('starts where the miner asks by mining.suggest_target, measured, over what it had settled on', () => {
    const asked = difficultyToTarget(2n ** 36n);
    const h = hints({ requestedTarget: asked, resumedDifficulty: 2 ** 40 });
    expect(startDifficultyFor(h, S)).toBe(2 ** 36);
    const st = newMinerTargetState();
    new MinerTargets(measured, () => 0).targetForJob(st, h, job);
    expect(st.vardiff?.measuring).toBe(true);
  });

  it('starts at what it had settled on over a suggested difficulty', () => {
    const goldshell = { nominalHashRate: 2 ** 40, honoursSuggestDifficulty: true };
    const h = hints({
      dialect: goldshell,
      suggestedTarget: difficultyToTarget(2n ** 32n),
      resumedDifficulty: 2 ** 44,
    });
    expect(startDifficultyFor(h, S)).toBe(2 ** 44);
  });
});
