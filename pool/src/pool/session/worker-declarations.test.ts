import { describe, expect, it } from 'vitest';
import { grind, harness, negotiate, setup } from '../../../test/support/session-harness.js';
import { u256LeToTarget } from '../../ckb/target.js';
import { devnetAddress } from '../../devnet/index.js';
import type { Ledger } from '../../ledger/ledger.js';
import { encodeTlvs, type Sv2Message, workerIdTlv } from '../../sv2/messages/index.js';
import { accountPolicy } from '../account-policy.js';
import { HashrateTracker } from '../hashrate.js';
import { meetsTarget } from '../jobs.js';

const ADDRESS = devnetAddress(1n);
const LONG_NAME = `${ADDRESS}.rig1`;

/**
 * A connection with one channel named `channelName`, under `accounts.mode` `mode`; records
 * whom the ledger and the hashrate tracker credit.
 */
function connection(o: {
  mode: 'address' | 'any' | 'registered';
  channelName?: string;
  limits?: Record<string, number>;
  /** accounts.mode registered: the registry (name → address). */
  registry?: Map<string, string>;
}) {
  const mode = o.mode === 'registered' ? 'any' : o.mode;
  const h = harness({ accounts: { mode }, ...(o.limits && { limits: o.limits }) });
  const registry = o.registry;
  if (registry) h.ctx.accounts = accountPolicy('registered', 'dev', { addressOf: (n) => registry.get(n) });
  const credited: string[] = [];
  const rejected: string[] = [];
  h.ctx.ledger = {
    recordShare: (s: { worker: string }) => credited.push(s.worker),
    recordRejected: (w: string) => rejected.push(w),
  } as unknown as Ledger;
  h.ctx.hashrate = new HashrateTracker(0);
  setup(h);
  negotiate(h);
  const job = h.newJob(true);
  h.session.handle({
    type: 'OpenExtendedMiningChannel',
    requestId: 1,
    userIdentity: o.channelName ?? 'translator',
    nominalHashRate: 0,
    maxTarget: new Uint8Array(32).fill(0xff),
    minExtranonceSize: 12,
  });
  const opened = h.sent.find((m) => m.type === 'OpenExtendedMiningChannelSuccess');
  if (opened?.type !== 'OpenExtendedMiningChannelSuccess') throw new Error('channel not opened');
  const channelId = opened.channelId;
  const target = u256LeToTarget(opened.target);
  let next = 0;
  let seq = 0;
  const declare = (workerId: number, name: string, onChannel = channelId): Sv2Message | undefined => {
    h.sent.length = 0;
    h.session.handle({ type: 'DeclareWorker', channelId: onChannel, workerId, name });
    return h.sent.at(-1);
  };
  /** Submits one valid share with `tlv` and returns the outcome. */
  const share = (tlv?: Uint8Array) => {
    const g = grind(job, opened.extranoncePrefix, (out) => meetsTarget(out, target), next);
    next = g.next;
    return h.session.onSubmit({
      type: 'SubmitSharesCkb',
      channelId,
      sequenceNumber: ++seq,
      jobId: job.id,
      nonceSuffix: g.suffix,
      ...(tlv && { tlv }),
    });
  };
  return { h, channelId, declare, share, credited, rejected };
}

describe('0x4CCB DeclareWorker on the pool', () => {
  it('credits shares naming a declared worker to its full name: ledger, hashrate, online workers', () => {
    const c = connection({ mode: 'address' });
    expect(c.declare(1, LONG_NAME)).toEqual({
      type: 'DeclareWorkerSuccess',
      channelId: c.channelId,
      workerId: 1,
    });
    expect(c.share(workerIdTlv(1))).toBe('accepted');
    expect(c.share(workerIdTlv(1))).toBe('accepted');
    expect(c.credited).toEqual([LONG_NAME, LONG_NAME]);
    expect(c.h.ctx.hashrate?.activeWorkers()).toEqual([LONG_NAME]);
    expect(c.h.ctx.hashrate?.rate(LONG_NAME, 600_000, c.h.clock.t)).toBeGreaterThan(0);
    expect([...(c.h.session.channels.get(c.channelId)?.creditedWorkers?.keys() ?? [])]).toEqual([LONG_NAME]);
  });

  it('refuses, with not-an-address, a name that does not start with an address of the chain', () => {
    const c = connection({ mode: 'address' });
    for (const name of [
      'alice.rig1',
      `${ADDRESS.slice(0, -1)}x.rig1`,
      'ckb1qyqrdsefa43s6m882pcj53m4gdnj4k440axqdt9rtkmq',
    ]) {
      expect(c.declare(2, name)).toMatchObject({
        type: 'DeclareWorkerError',
        workerId: 2,
        errorCode: 'not-an-address',
      });
    }
    // A share naming the refused id is never credited to another name.
    expect(c.share(workerIdTlv(2))).toBe('unknown-worker-id');
    expect(c.credited).toEqual([]);
  });

  it('credits any name under accounts.mode any', () => {
    const c = connection({ mode: 'any' });
    expect(c.declare(7, 'alice.rig1')?.type).toBe('DeclareWorkerSuccess');
    expect(c.share(workerIdTlv(7))).toBe('accepted');
    expect(c.share()).toBe('accepted');
    expect(c.credited).toEqual(['alice.rig1', 'translator']);
  });

  it('answers bad declarations with their error codes', () => {
    const c = connection({ mode: 'any', limits: { maxDeclaredWorkersPerChannel: 2 } });
    expect(c.declare(1, 'a\nb')).toMatchObject({ errorCode: 'invalid-worker-name' });
    expect(c.declare(1, '')).toMatchObject({ errorCode: 'invalid-worker-name' });
    expect(c.declare(1, 'x', 999)).toMatchObject({ errorCode: 'invalid-channel-id', channelId: 999 });
    expect(c.declare(1, 'w1')?.type).toBe('DeclareWorkerSuccess');
    expect(c.declare(2, 'w2')?.type).toBe('DeclareWorkerSuccess');
    expect(c.declare(3, 'w3')).toMatchObject({ errorCode: 'too-many-declared-workers' });
    // Declaring an id again replaces its name, within the limit.
    expect(c.declare(2, 'w2b')?.type).toBe('DeclareWorkerSuccess');
    expect(c.share(workerIdTlv(2))).toBe('accepted');
    expect(c.credited).toEqual(['w2b']);
  });

  it('counts declared names against the connection worker-name limit', () => {
    const c = connection({ mode: 'any', limits: { maxWorkerNamesPerConnection: 2, maxWorkerNamesPerIp: 2 } });
    expect(c.declare(1, 'w1')?.type).toBe('DeclareWorkerSuccess');
    expect(c.declare(2, 'w2')).toMatchObject({ errorCode: 'too-many-worker-names' });
  });

  it('refuses a share naming an undeclared worker_id or a malformed one', () => {
    const c = connection({ mode: 'any' });
    expect(c.share(workerIdTlv(5))).toBe('unknown-worker-id');
    const bad = encodeTlvs([{ extensionType: 0x4ccb, fieldType: 1, value: Uint8Array.of(1, 0) }]);
    expect(c.share(bad)).toBe('unknown-worker-id');
    expect(c.h.sent.at(-1)).toMatchObject({ type: 'SubmitSharesError', errorCode: 'unknown-worker-id' });
    expect(c.credited).toEqual([]);
  });

  it('forgets declarations with their channel', () => {
    const c = connection({ mode: 'any', limits: { maxWorkerNamesPerConnection: 2, maxWorkerNamesPerIp: 2 } });
    expect(c.declare(1, 'w1')?.type).toBe('DeclareWorkerSuccess');
    c.h.session.handle({ type: 'CloseChannel', channelId: c.channelId, reasonCode: 'bye' });
    // Both name slots (the channel's and the declared one) are free again.
    c.h.sent.length = 0;
    c.h.session.handle({
      type: 'OpenStandardMiningChannel',
      requestId: 2,
      userIdentity: 'other',
      nominalHashRate: 0,
      maxTarget: new Uint8Array(32).fill(0xff),
    });
    expect(c.h.sent[0]?.type).toBe('OpenStandardMiningChannelSuccess');
    expect(c.declare(1, 'w9', (c.h.sent[0] as { channelId: number }).channelId)?.type).toBe(
      'DeclareWorkerSuccess',
    );
  });
});

describe('accounts.mode address on channels', () => {
  it("opens a proxy's channel under a name that is not an address but refuses its own shares", () => {
    const c = connection({ mode: 'address', channelName: 'translator' });
    expect(c.share()).toBe('not-an-address');
    expect(c.h.sent.at(-1)).toMatchObject({ type: 'SubmitSharesError', errorCode: 'not-an-address' });
    expect(c.declare(1, LONG_NAME)?.type).toBe('DeclareWorkerSuccess');
    expect(c.share(workerIdTlv(1))).toBe('accepted');
    expect(c.credited).toEqual([LONG_NAME]);
  });

  it('credits a channel under an address, and 0x0002 names inside its account', () => {
    const c = connection({ mode: 'address', channelName: `${ADDRESS}.proxy` });
    c.h.session.handle({ type: 'RequestExtensions', requestId: 2, requestedExtensions: [0x0002] });
    expect(c.share()).toBe('accepted');
    const rig7 = encodeTlvs([{ extensionType: 2, fieldType: 1, value: new TextEncoder().encode('rig7') }]);
    expect(c.share(rig7)).toBe('accepted');
    expect(c.credited).toEqual([`${ADDRESS}.proxy`, `${ADDRESS}.rig7`]);
  });
});

describe('accounts.mode registered', () => {
  const OTHER = devnetAddress(2n);

  it('credits a registered name and its workers to the registered address', () => {
    const c = connection({
      mode: 'registered',
      channelName: 'alice',
      registry: new Map([['alice', ADDRESS]]),
    });
    expect(c.share()).toBe('accepted');
    expect(c.declare(1, 'alice.rig1')?.type).toBe('DeclareWorkerSuccess');
    expect(c.share(workerIdTlv(1))).toBe('accepted');
    expect(c.credited).toEqual([ADDRESS, `${ADDRESS}.rig1`]);
    expect(c.h.ctx.hashrate?.activeWorkers().sort()).toEqual([ADDRESS, `${ADDRESS}.rig1`].sort());
  });

  it('refuses an unregistered name with unregistered-name, at declaration and on its shares', () => {
    const registry = new Map([['alice', ADDRESS]]);
    const c = connection({ mode: 'registered', channelName: 'translator', registry });
    expect(c.share()).toBe('unregistered-name');
    expect(c.h.sent.at(-1)).toMatchObject({ type: 'SubmitSharesError', errorCode: 'unregistered-name' });
    // Neither an unknown name nor an address (registered mode maps names only) is credited.
    for (const name of ['bob.rig1', 'bob', LONG_NAME]) {
      expect(c.declare(2, name)).toMatchObject({
        type: 'DeclareWorkerError',
        errorCode: 'unregistered-name',
      });
    }
    expect(c.credited).toEqual([]);
  });

  it('follows the registry as it changes: a new name is credited, a removed one refused', () => {
    const registry = new Map<string, string>();
    const c = connection({ mode: 'registered', channelName: 'carol.proxy', registry });
    expect(c.share()).toBe('unregistered-name');
    registry.set('carol', OTHER);
    expect(c.share()).toBe('accepted');
    expect(c.declare(1, 'carol.rig2')?.type).toBe('DeclareWorkerSuccess');
    registry.delete('carol');
    expect(c.share(workerIdTlv(1))).toBe('unregistered-name');
    expect(c.share()).toBe('unregistered-name');
    expect(c.credited).toEqual([`${OTHER}.proxy`]);
  });
});
