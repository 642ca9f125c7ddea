import type { Sv2Message } from '../messages/index.js';

/**
 * The pool's answer to a 0x4CCB DeclareWorker (docs/extensions/0x4CCB.md §3.4): accepted, refused
 * with an error code, or no answer in time (`no-answer`: a pool that predates the message
 * ignores it) or the connection went away (`upstream-lost`).
 */
export type DeclareAnswer = { ok: true } | { ok: false; code: string };

/** Declarations sent on the current connection and waiting for their answer. */
export class PendingDeclarations {
  private readonly waiting = new Map<string, Array<(a: DeclareAnswer) => void>>();

  constructor(private readonly timeoutMs: number) {}

  /** Resolves with the answer to a declaration of (channelId, workerId) about to be sent. */
  wait(channelId: number, workerId: number): Promise<DeclareAnswer> {
    const key = `${channelId}/${workerId}`;
    return new Promise((resolve) => {
      const timer = setTimeout(() => settle({ ok: false, code: 'no-answer' }), this.timeoutMs);
      timer.unref?.();
      const settle = (a: DeclareAnswer) => {
        clearTimeout(timer);
        const list = this.waiting.get(key);
        const i = list?.indexOf(settle) ?? -1;
        if (list && i >= 0) {
          list.splice(i, 1);
          if (list.length === 0) this.waiting.delete(key);
        }
        resolve(a);
      };
      const list = this.waiting.get(key);
      if (list) list.push(settle);
      else this.waiting.set(key, [settle]);
    });
  }

  /** Settles the oldest declaration a DeclareWorker.Success/.Error answers; false for other messages. */
  answer(m: Sv2Message): boolean {
    if (m.type !== 'DeclareWorkerSuccess' && m.type !== 'DeclareWorkerError') return false;
    const settle = this.waiting.get(`${m.channelId}/${m.workerId}`)?.[0];
    settle?.(m.type === 'DeclareWorkerSuccess' ? { ok: true } : { ok: false, code: m.errorCode });
    return true;
  }

  /** The connection is gone: every declaration still waiting fails with `code`. */
  failAll(code: string): void {
    for (const list of [...this.waiting.values()])
      for (const settle of [...list]) settle({ ok: false, code });
  }
}
