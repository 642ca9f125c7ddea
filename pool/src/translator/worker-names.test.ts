import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { parseTlvs, TLV_USER_IDENTITY } from '../sv2/messages/index.js';
import { bindingOf } from './channel-registry.js';
import type { V1Session } from './v1-session.js';
import { WorkerNames } from './worker-names.js';

const log = pino({ level: 'silent' });
const fresh = () => bindingOf({ binding: null } as unknown as V1Session);

describe('WorkerNames', () => {
  it('names a miner in a user_identity TLV when its channel is under another name', () => {
    const tail = new WorkerNames(() => true).tailFor(fresh(), 'ckb1qyz.rig7', 'translator', log);
    expect(tail).toBeDefined();
    const [tlv] = parseTlvs(tail as Uint8Array);
    expect(tlv?.extensionType).toBe(TLV_USER_IDENTITY.extensionType);
    expect(tlv?.fieldType).toBe(TLV_USER_IDENTITY.fieldType);
    expect(new TextDecoder().decode(tlv?.value)).toBe('ckb1qyz.rig7');
  });

  it('sends no TLV for a miner on its own channel, without a user, or when the pool did not take 0x0002', () => {
    expect(new WorkerNames(() => true).tailFor(fresh(), 'alice', 'alice', log)).toBeUndefined();
    expect(new WorkerNames(() => true).tailFor(fresh(), null, 'translator', log)).toBeUndefined();
    expect(new WorkerNames(() => false).tailFor(fresh(), 'alice', 'translator', log)).toBeUndefined();
  });

  it('keeps the tail on the binding and remakes it only when the name or channel changes', () => {
    const names = new WorkerNames(() => true);
    const b = fresh();
    const first = names.tailFor(b, 'alice', 'translator', log);
    expect(names.tailFor(b, 'alice', 'translator', log)).toBe(first);
    const renamed = names.tailFor(b, 'bob', 'translator', log);
    expect(renamed).not.toBe(first);
    expect(b.workerTlv).toMatchObject({ user: 'bob', channelName: 'translator' });
  });

  it('credits a name longer than 32 bytes to the channel (no TLV) and remembers that', () => {
    const b = fresh();
    const long = 'x'.repeat(33);
    expect(new WorkerNames(() => true).tailFor(b, long, 'translator', log)).toBeUndefined();
    expect(b.workerTlv).toEqual({ channelName: 'translator', user: long, tail: null });
  });
});
