/**
 * A declaration may name a block the miner's node saw before the pool's (docs/job-declaration-ckb.md
 * §4.1): rather than refuse it `unknown-parent` at once, the JDS asks its node again for up to
 * `jd.parentWaitMs`.
 */
import type { JdNodeView, ParentContext } from './node-view.js';

export interface ParentWaitOptions {
  waitMs: number;
  /** Between two asks (default 100 ms). */
  pollMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

export function waitingForParent(view: JdNodeView, o: ParentWaitOptions): JdNodeView {
  const pollMs = o.pollMs ?? 100;
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const now = o.now ?? Date.now;
  return {
    parent: async (hashHex: string): Promise<ParentContext | null> => {
      const deadline = now() + o.waitMs;
      for (;;) {
        const found = await view.parent(hashHex);
        if (found || now() >= deadline) return found;
        await sleep(Math.min(pollMs, Math.max(deadline - now(), 1)));
      }
    },
    nowMs: () => view.nowMs(),
    poolTransaction: (h) => view.poolTransaction(h),
    isCommitted: (h) => view.isCommitted(h),
    submitTransaction: (tx) => view.submitTransaction(tx),
    expectedDao: (p, n, txs) => view.expectedDao(p, n, txs),
  };
}
