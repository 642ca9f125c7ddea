import { describe, expect, it } from 'vitest';
import { decodeFromInstance, decodeToInstance, encode, ProtocolError } from './protocol.js';
import { ShareBatchEncoder } from './share-batch.js';

describe('instance IPC messages', () => {
  it('round-trips a shares report through structuredClone, as the advanced IPC does', () => {
    const batch = new ShareBatchEncoder();
    batch.addShare('a.1', 16, 1_000, 5);
    batch.addRejected('a.1', 1_001);
    const m = encode({ kind: 'shares' as const, upTo: 3, ...batch.take() });
    const back = decodeFromInstance(structuredClone(m));
    expect(back).toEqual(m);
    expect(back?.kind === 'shares' && back.values).toBeInstanceOf(Float64Array);
  });

  it('keeps a found block nonce as 16 bytes', () => {
    const m = encode({
      kind: 'block' as const,
      jobId: 9,
      nonce16: new Uint8Array(16).fill(1),
      worker: 'w',
      shareDifficulty: 2,
      connectionId: 1,
      channelId: 1,
    });
    const back = decodeFromInstance(structuredClone(m));
    expect(back?.kind === 'block' && back.nonce16).toEqual(new Uint8Array(16).fill(1));
  });

  it('ignores messages that are not the pool’s (Node and prom-client use the same channel)', () => {
    expect(decodeFromInstance({ cmd: 'NODE_CLUSTER', act: 'online' })).toBeNull();
    expect(decodeToInstance('hello')).toBeNull();
  });

  it('refuses a tagged message of an unknown kind or with a field of the wrong type', () => {
    expect(() => decodeFromInstance({ ckbPool: 1, kind: 'nope' })).toThrow(ProtocolError);
    expect(() =>
      decodeFromInstance({ ckbPool: 1, kind: 'block', jobId: 1, nonce16: new Uint8Array(15) }),
    ).toThrow(/nonce16/);
    expect(() => decodeToInstance({ ckbPool: 1, kind: 'queued', upTo: '3' })).toThrow(/upTo/);
    expect(() =>
      decodeFromInstance({ ckbPool: 1, kind: 'shares', upTo: 1, reset: true, names: ['w'], workers: [0] }),
    ).toThrow(/workers/);
  });

  it('accepts every message the primary sends', () => {
    expect(decodeToInstance(encode({ kind: 'drain' }))).toEqual({ kind: 'drain', ckbPool: 1 });
    expect(decodeToInstance(encode({ kind: 'metrics-request', request: 4 }))?.kind).toBe('metrics-request');
  });
});
