import { describe, expect, it } from 'vitest';
import { PendingDeclarations } from './worker-declarations.js';

describe('PendingDeclarations', () => {
  it('settles a declaration with the pool answer for its channel and worker_id', async () => {
    const p = new PendingDeclarations(1_000);
    const a = p.wait(2, 1);
    const b = p.wait(2, 2);
    expect(
      p.answer({ type: 'DeclareWorkerError', channelId: 2, workerId: 2, errorCode: 'not-an-address' }),
    ).toBe(true);
    expect(p.answer({ type: 'DeclareWorkerSuccess', channelId: 2, workerId: 1 })).toBe(true);
    await expect(a).resolves.toEqual({ ok: true });
    await expect(b).resolves.toEqual({ ok: false, code: 'not-an-address' });
  });

  it('leaves other messages alone and ignores answers nobody waits for', () => {
    const p = new PendingDeclarations(1_000);
    expect(p.answer({ type: 'SetTarget', channelId: 2, maximumTarget: new Uint8Array(32) })).toBe(false);
    expect(p.answer({ type: 'DeclareWorkerSuccess', channelId: 9, workerId: 9 })).toBe(true);
  });

  it('reports no-answer after the timeout (a pool that predates the message) and upstream-lost on failAll', async () => {
    const p = new PendingDeclarations(20);
    await expect(p.wait(1, 1)).resolves.toEqual({ ok: false, code: 'no-answer' });
    const lost = p.wait(1, 2);
    p.failAll('upstream-lost');
    await expect(lost).resolves.toEqual({ ok: false, code: 'upstream-lost' });
    // A late answer finds nothing waiting.
    expect(p.answer({ type: 'DeclareWorkerSuccess', channelId: 1, workerId: 2 })).toBe(true);
  });
});
