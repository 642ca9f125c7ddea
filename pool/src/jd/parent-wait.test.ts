import { describe, expect, it } from 'vitest';
import type { JdNodeView, ParentContext } from './node-view.js';
import { waitingForParent } from './parent-wait.js';

const context = { status: 'tip', number: 7n } as ParentContext;

/** A node that learns the block after `knownAfter` asks; a fake clock that sleeping advances. */
function node(knownAfter: number) {
  let asks = 0;
  const clock = { t: 0 };
  const view = {
    parent: async () => (++asks > knownAfter ? context : null),
  } as unknown as JdNodeView;
  const sleep = async (ms: number) => {
    clock.t += ms;
  };
  return { view, clock, sleep, asks: () => asks };
}

describe('waiting for a parent the node does not know yet', () => {
  it("answers as soon as the node has caught up with the miner's node", async () => {
    const n = node(3);
    const view = waitingForParent(n.view, {
      waitMs: 2_000,
      pollMs: 100,
      sleep: n.sleep,
      now: () => n.clock.t,
    });
    expect(await view.parent('0x01')).toBe(context);
    expect(n.asks()).toBe(4);
    expect(n.clock.t).toBe(300);
  });

  it('gives up after the wait, so the declaration is refused unknown-parent', async () => {
    const n = node(Number.POSITIVE_INFINITY);
    const view = waitingForParent(n.view, {
      waitMs: 1_000,
      pollMs: 300,
      sleep: n.sleep,
      now: () => n.clock.t,
    });
    expect(await view.parent('0x01')).toBeNull();
    expect(n.clock.t).toBe(1_000);
  });

  it('does not wait at all with a wait of 0', async () => {
    const n = node(Number.POSITIVE_INFINITY);
    const view = waitingForParent(n.view, { waitMs: 0, sleep: n.sleep, now: () => n.clock.t });
    expect(await view.parent('0x01')).toBeNull();
    expect(n.asks()).toBe(1);
  });
});
