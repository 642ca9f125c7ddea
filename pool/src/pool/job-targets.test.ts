import { describe, expect, it } from 'vitest';
import { MAX_U256 } from '../ckb/target.js';
import { type JobTargeted, noteJobSent, openingEpochs, shareTarget, targetOfJob } from './job-targets.js';

const easy = shareTarget(MAX_U256 >> 2n);
const hard = shareTarget(MAX_U256 >> 6n);
const harder = shareTarget(MAX_U256 >> 10n);

function channel(): JobTargeted {
  return { shareTarget: easy, jobTargets: openingEpochs(easy) };
}

describe('job targets', () => {
  it('gives every job sent before a SetTarget the target it was sent with, and later jobs the new one', () => {
    const ch = channel();
    noteJobSent(ch, 1, 1);
    noteJobSent(ch, 2, 1);
    ch.shareTarget = hard; // SetTarget
    expect(targetOfJob(ch, 2)).toBe(easy);
    noteJobSent(ch, 3, 1);
    expect(targetOfJob(ch, 1)).toBe(easy);
    expect(targetOfJob(ch, 2)).toBe(easy);
    expect(targetOfJob(ch, 3)).toBe(hard);
  });

  it('lets only the last of several SetTargets between two jobs apply to the next job', () => {
    const ch = channel();
    noteJobSent(ch, 1, 1);
    ch.shareTarget = hard;
    ch.shareTarget = harder;
    noteJobSent(ch, 2, 1);
    expect(targetOfJob(ch, 1)).toBe(easy);
    expect(targetOfJob(ch, 2)).toBe(harder);
    expect(ch.jobTargets).toHaveLength(2);
  });

  it('judges a job older than the channel by the target the channel opened with', () => {
    const ch = channel();
    noteJobSent(ch, 10, 5);
    ch.shareTarget = hard;
    noteJobSent(ch, 11, 5);
    expect(targetOfJob(ch, 7)).toBe(easy);
  });

  it('adds no entry for jobs sent while the target stays the same', () => {
    const ch = channel();
    for (let id = 1; id <= 1000; id++) noteJobSent(ch, id, Math.max(1, id - 7));
    expect(ch.jobTargets).toHaveLength(1);
  });

  it('forgets the targets of jobs no longer valid, so a channel holds at most one entry per valid job plus one', () => {
    const ch = channel();
    const targets = [easy, hard, harder];
    for (let id = 1; id <= 1000; id++) {
      ch.shareTarget = targets[id % 3];
      // Eight valid jobs, as the default jobs.maxPastJobs.
      noteJobSent(ch, id, Math.max(1, id - 7));
      expect(ch.jobTargets.length).toBeLessThanOrEqual(9);
    }
    for (let id = 993; id <= 1000; id++) expect(targetOfJob(ch, id)).toBe(targets[id % 3]);
  });

  it('starts afresh when job ids wrap around', () => {
    const ch = channel();
    noteJobSent(ch, 0xffff_fff0, 0xffff_fff0);
    ch.shareTarget = hard;
    noteJobSent(ch, 0xffff_fff1, 0xffff_fff0);
    noteJobSent(ch, 1, 1);
    expect(ch.jobTargets).toEqual([{ fromJobId: 0, target: hard }]);
    expect(targetOfJob(ch, 1)).toBe(hard);
  });
});
