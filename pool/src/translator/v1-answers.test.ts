import { describe, expect, it } from 'vitest';
import { V1Answers } from './v1-answers.js';

function answers() {
  const written: string[] = [];
  return { a: new V1Answers((line) => written.push(line)), written };
}

describe('V1Answers: one answer per request, in request order', () => {
  it('writes an answer known at once straight away', () => {
    const { a, written } = answers();
    a.now('configure');
    expect(written).toEqual(['configure']);
    expect(a.pending).toBe(0);
  });

  it('holds later answers behind one still in flight, then writes them all in request order', () => {
    const { a, written } = answers();
    const share = a.reserve(false);
    a.now('suggest');
    const second = a.reserve(false);
    a.fill(second, 'second share');
    expect(written).toEqual([]);
    expect(a.pending).toBe(3);
    a.fill(share, 'first share');
    expect(written).toEqual(['first share', 'suggest', 'second share']);
    expect(a.pending).toBe(0);
  });
});

describe('V1Answers: notifications', () => {
  it('holds notifications behind a pending subscribe or authorize answer, and counts them as pending', () => {
    const { a, written } = answers();
    const authorize = a.reserve(true);
    a.notify('target');
    a.notify('job');
    expect(written).toEqual([]);
    expect(a.pending).toBe(3);
    a.fill(authorize, 'authorized');
    expect(written).toEqual(['authorized', 'target', 'job']);
  });

  it('sends a notification at once while only a share verdict is pending', () => {
    const { a, written } = answers();
    const share = a.reserve(false);
    a.notify('job');
    expect(written).toEqual(['job']);
    a.fill(share, 'share');
    expect(written).toEqual(['job', 'share']);
  });
});

describe('V1Answers: draining', () => {
  it('calls whenDrained at once when nothing is owed', () => {
    const { a } = answers();
    let drained = 0;
    a.whenDrained(() => drained++);
    expect(drained).toBe(1);
  });

  it('calls whenDrained once, after the last owed answer is written', () => {
    const { a, written } = answers();
    const authorize = a.reserve(true);
    let drainedAfter: string[] | null = null;
    let calls = 0;
    a.whenDrained(() => {
      calls++;
      drainedAfter = [...written];
    });
    expect(calls).toBe(0);
    a.fill(authorize, 'refused');
    a.now('later');
    expect(calls).toBe(1);
    expect(drainedAfter).toEqual(['refused']);
  });
});
