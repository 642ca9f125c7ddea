import { describe, expect, it } from 'vitest';
import type { Sv2Message } from '../../sv2/messages/index.js';
import type { SharesMessage } from './protocol.js';
import { RemoteShares } from './remote-shares.js';

function setup() {
  const sent: SharesMessage[] = [];
  const deferred: Array<() => void> = [];
  const shares = new RemoteShares(
    (m) => sent.push(m),
    (f) => deferred.push(f),
  );
  const out: string[] = [];
  const t = shares.gate({
    send: (m) => out.push(m.type),
    sendFrame: () => out.push('frame'),
    close: (r) => out.push(`close:${r}`),
  });
  const tick = () => {
    for (const f of deferred.splice(0)) f();
  };
  return { shares, sent, out, t, tick };
}

const share = { worker: 'w', difficulty: 1, timeMs: 0, height: 1 };
const success = { type: 'SubmitSharesSuccess', channelId: 1 } as unknown as Sv2Message;
const setTarget = { type: 'SetTarget', channelId: 1 } as unknown as Sv2Message;

describe('an instance’s shares and the acknowledgements that wait for the owner', () => {
  it('sends the shares of one event-loop turn as one numbered batch', () => {
    const s = setup();
    s.shares.recordShare(share);
    s.shares.recordShare(share);
    s.shares.recordRejected('w', 5);
    expect(s.sent).toHaveLength(0);
    s.tick();
    expect(s.sent).toHaveLength(1);
    const batch = s.sent[0] as SharesMessage;
    expect(batch.upTo).toBe(2);
    expect([batch.names, [...batch.workers], [...batch.values]]).toEqual([['w'], [0, 0], [1, 0, 1, 1, 0, 1]]);
    expect([[...batch.rejectedWorkers], [...batch.rejectedAtMs]]).toEqual([[0], [5]]);
  });

  it('holds a Success until the owner has queued every share before it', () => {
    const s = setup();
    s.shares.recordShare(share);
    s.t.send(success);
    expect(s.out).toEqual([]);
    s.shares.confirm(1);
    expect(s.out).toEqual(['SubmitSharesSuccess']);
  });

  it('keeps the session’s order: what follows a held Success waits behind it, a close last', () => {
    const s = setup();
    s.shares.recordShare(share);
    s.t.send(success);
    s.t.send(setTarget);
    s.t.sendFrame?.(new Uint8Array(1));
    s.t.close('bye');
    expect(s.out).toEqual([]);
    s.shares.confirm(1);
    expect(s.out).toEqual(['SubmitSharesSuccess', 'SetTarget', 'frame', 'close:bye']);
  });

  it('passes messages straight through when nothing is waiting', () => {
    const s = setup();
    s.t.send(setTarget);
    s.shares.recordShare(share);
    s.shares.confirm(1);
    s.t.send(success);
    expect(s.out).toEqual(['SetTarget', 'SubmitSharesSuccess']);
  });

  it('releases only the Success whose shares are queued when a later share is still on its way', () => {
    const s = setup();
    s.shares.recordShare(share);
    s.t.send(success);
    s.shares.recordShare(share);
    s.t.send(success);
    s.shares.confirm(1);
    expect(s.out).toEqual(['SubmitSharesSuccess']);
    s.shares.confirm(2);
    expect(s.out).toEqual(['SubmitSharesSuccess', 'SubmitSharesSuccess']);
  });

  it('settles once the owner has everything, or says it did not in time', async () => {
    const s = setup();
    s.shares.recordShare(share);
    const settled = s.shares.settled(1_000);
    expect(s.sent).toHaveLength(1); // settling sends the batch at once
    s.shares.confirm(1);
    expect(await settled).toBe(true);
    s.shares.recordShare(share);
    expect(await s.shares.settled(10)).toBe(false);
  });

  it('keeps one batch in flight: shares recorded meanwhile leave as one batch when it is answered', () => {
    const s = setup();
    s.shares.recordShare(share);
    s.tick();
    s.shares.recordShare(share);
    s.tick();
    s.shares.recordShare(share);
    s.tick();
    expect(s.sent.map((b) => b.upTo)).toEqual([1]);
    s.shares.confirm(1);
    expect(s.sent.map((b) => b.upTo)).toEqual([1, 3]);
    expect(s.sent[1]?.workers).toHaveLength(2);
  });

  it('sends at once before a found block, even with a batch unanswered', () => {
    const s = setup();
    s.shares.recordShare(share);
    s.tick();
    s.shares.recordShare(share);
    s.shares.flush(true);
    expect(s.sent.map((b) => b.upTo)).toEqual([1, 2]);
  });
});
