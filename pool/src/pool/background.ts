import type { Logger } from 'pino';
import { DueWheel } from './due-wheel.js';
import type { VardiffTask } from './session.js';

/**
 * The pool's periodic work, shaped so its cost follows activity: vardiff checks only the
 * channels whose window has ended (a timer wheel), and channel opens and closes are summed into
 * one log line a minute instead of a line each.
 */

const VARDIFF_TICK_MS = 1_000;
export const CHANNEL_SUMMARY_MS = 60_000;

export interface Background {
  vardiffWheel: DueWheel<VardiffTask>;
  channelActivity: { opened: number; closed: number };
  stop(): void;
}

export function startBackground(log: Logger, openChannels: () => number): Background {
  const vardiffWheel = new DueWheel<VardiffTask>(VARDIFF_TICK_MS);
  const channelActivity = { opened: 0, closed: 0 };
  const vardiffTimer = setInterval(() => {
    const now = Date.now();
    for (const t of vardiffWheel.takeDue(now)) t.session.vardiffDue(t.channel, now);
  }, VARDIFF_TICK_MS);
  vardiffTimer.unref();
  const summaryTimer = setInterval(() => {
    const { opened, closed } = channelActivity;
    if (opened === 0 && closed === 0) return;
    channelActivity.opened = 0;
    channelActivity.closed = 0;
    log.info(
      { opened, closed, open: openChannels(), periodS: CHANNEL_SUMMARY_MS / 1000 },
      'channels opened and closed',
    );
  }, CHANNEL_SUMMARY_MS);
  summaryTimer.unref();
  return {
    vardiffWheel,
    channelActivity,
    stop: () => {
      clearInterval(vardiffTimer);
      clearInterval(summaryTimer);
    },
  };
}

/**
 * The `reason` label of `ckb_pool_connections_rejected_total` for a connection that ended,
 * or null when it ended for no limit or fault of its own.
 */
export function closeReasonLabel(reason: string): string | null {
  switch (reason) {
    case 'decode-error':
    case 'frame-too-large':
    case 'aead-failure':
      return 'frame';
    case 'rate-limit':
      return 'rate_limit';
    case 'ip-rate-limit':
      return 'messages_per_ip';
    case 'frame-timeout':
      return 'frame_timeout';
    case 'frame-memory':
      return 'frame_memory';
    case 'idle-timeout':
      return 'idle';
    default:
      return null;
  }
}
