import { describe, expect, it } from 'vitest';
import { difficultyToTarget } from '../ckb/target.js';
import { startDifficultyFor } from './miner-targets.js';
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
