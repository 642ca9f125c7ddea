import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CHANNEL_SUMMARY_MS, closeReasonLabel, startBackground } from './background.js';

afterEach(() => {
  vi.useRealTimers();
});

function capturingLogger(): { log: pino.Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const log = pino(
    { level: 'info' },
    { write: (s: string) => lines.push(JSON.parse(s) as Record<string, unknown>) },
  );
  return { log, lines };
}

describe('pool background work', () => {
  it('logs channel opens and closes as one info line a minute, and nothing in a quiet minute', () => {
    vi.useFakeTimers();
    const { log, lines } = capturingLogger();
    const bg = startBackground(log, () => 1_234);
    bg.channelActivity.opened += 5_000;
    bg.channelActivity.closed += 7;
    vi.advanceTimersByTime(CHANNEL_SUMMARY_MS);
    expect(lines).toEqual([
      expect.objectContaining({ msg: 'channels opened and closed', opened: 5_000, closed: 7, open: 1_234 }),
    ]);
    vi.advanceTimersByTime(CHANNEL_SUMMARY_MS);
    expect(lines).toHaveLength(1);
    bg.stop();
  });

  it('checks the channels whose vardiff window ended, each tick', () => {
    vi.useFakeTimers();
    const { log } = capturingLogger();
    const bg = startBackground(log, () => 0);
    const due: number[] = [];
    const task = (n: number) => ({ session: { vardiffDue: () => due.push(n) }, channel: {} }) as never;
    bg.vardiffWheel.schedule(task(1), Date.now() + 1_500);
    bg.vardiffWheel.schedule(task(2), Date.now() + 60_000);
    vi.advanceTimersByTime(3_000);
    expect(due).toEqual([1]);
    bg.stop();
  });

  it('names every limit close for the rejected-connections metric, and nothing for ordinary ends', () => {
    expect(closeReasonLabel('ip-rate-limit')).toBe('messages_per_ip');
    expect(closeReasonLabel('frame-timeout')).toBe('frame_timeout');
    expect(closeReasonLabel('frame-memory')).toBe('frame_memory');
    expect(closeReasonLabel('idle-timeout')).toBe('idle');
    expect(closeReasonLabel('rate-limit')).toBe('rate_limit');
    expect(closeReasonLabel('aead-failure')).toBe('frame');
    expect(closeReasonLabel('peer-closed')).toBeNull();
    expect(closeReasonLabel('local-close')).toBeNull();
  });
});
