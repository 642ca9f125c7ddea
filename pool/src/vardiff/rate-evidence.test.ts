import { describe, expect, it } from 'vitest';
import {
  addShare,
  foldEvidence,
  logLikelihoodRatio,
  newRateEvidence,
  sharesAgainstAim,
} from './rate-evidence.js';

describe('share-rate evidence', () => {
  it('expects hashrate × ∫dt/difficulty shares, whatever the difficulty did meanwhile', () => {
    const e = newRateEvidence(0);
    foldEvidence(e, 10_000, 100, 0); // 10 s at 100
    foldEvidence(e, 20_000, 50, 0); // 10 s at 50
    // On aim at difficulty 50 with a share per 2 s: 10 s at 100 is worth 2.5, 10 s at 50 is 5.
    expect(sharesAgainstAim(e, 50, 2).expected).toBeCloseTo(7.5, 9);
  });

  it('weighs a share by its difficulty over the one in force, so an old easy job counts less', () => {
    const e = newRateEvidence(0);
    addShare(e, 256, 1024);
    addShare(e, 1024, 1024);
    expect(e.shares).toBe(1.25);
  });

  it('lets evidence older than its memory fade, shares and exposure alike', () => {
    const e = newRateEvidence(0);
    for (let i = 0; i < 20; i++) addShare(e, 1, 1);
    foldEvidence(e, 200_000, 1, 100_000);
    expect(e.shares).toBeCloseTo(10, 9);
    expect(e.exposure).toBeCloseTo(100, 9);
    expect(e.sinceMs).toBe(100_000);
  });

  it('favours the rate the count fits: the likelihood ratio is largest at shares / expected', () => {
    const at = (r: number) => logLikelihoodRatio(12, 6, r);
    expect(at(1)).toBe(0);
    expect(at(2)).toBeGreaterThan(at(1.5));
    expect(at(2)).toBeGreaterThan(at(3));
    // Silence: the slower the better, up to the whole expected count.
    expect(logLikelihoodRatio(0, 6, 0.25)).toBeCloseTo(4.5, 9);
    expect(logLikelihoodRatio(0, 6, 0)).toBe(6);
    expect(logLikelihoodRatio(1, 6, 0)).toBe(Number.NEGATIVE_INFINITY);
  });
});
