import { describe, expect, it } from 'vitest';
import {
  FAKE_START_TARGET,
  FAKE_VARDIFF,
  fakeSession,
  job,
  setup,
  tick,
} from '../../test/support/translator-fakes.js';
import { bindingOf } from './channel-registry.js';
import { MinerVardiff } from './miner-vardiff.js';
import type { ShareRelay } from './share-relay.js';
import type { TranslatorMode } from './types.js';
import { V1Host } from './v1-host.js';
import { WorkerIds } from './worker-ids.js';

describe('V1Host', () => {
  function host(mode: TranslatorMode) {
    const t = setup(mode);
    const h = new V1Host({
      mode,
      identity: 'translator',
      upstream: t.upstream,
      assigner: t.assigner,
      relay: {} as ShareRelay,
      workerIds: new WorkerIds(t.upstream),
      limited: () => {},
      waitUp: (ms) => t.events.waitUp(ms),
      subscribeWaitMs: 50,
    });
    return { ...t, h };
  }

  it('subscribes a miner on a channel under the name it hinted, with that channel extranonce', async () => {
    const t = host('per-worker');
    const a = fakeSession(null);
    (a.raw as { userHint?: string }).userHint = 'alice';
    const en = await t.h.subscribe(a.s);
    expect(t.upstream.opened).toEqual(['alice']);
    expect(en.extranonce2Size).toBe(12);
    expect(en.extranonce1).toEqual(bindingOf(a.s).channel?.prefix);
  });

  it('turns a subscribe away when the pool stays unreachable for the wait', async () => {
    const t = host('per-worker');
    t.upstream.connected = false;
    await expect(t.h.subscribe(fakeSession().s)).rejects.toThrow('pool unavailable');
  });

  it('opens a channel under the authorized name once per connection, later names ride on TLVs', async () => {
    const t = host('per-worker');
    const a = fakeSession(null);
    await t.h.subscribe(a.s);
    t.h.authorized(a.s, 'alice');
    await tick();
    t.h.authorized(a.s, 'bob');
    await tick();
    expect(t.upstream.opened).toEqual(['translator', 'alice']);
    expect(bindingOf(a.s).channel?.name).toBe('alice');
  });

  it('tells a closing session the difficulty its vardiff settled on, and nothing while it was measured', async () => {
    const t = host('per-worker');
    const a = fakeSession();
    expect(t.h.settledDifficulty(a.s)).toBeNull(); // no job yet: no vardiff
    const targets = bindingOf(a.s).targets;
    targets.vardiff = new MinerVardiff({ ...FAKE_VARDIFF, measureSeconds: 90, measureRate: 8 }, 2 ** 30, 0);
    expect(t.h.settledDifficulty(a.s)).toBeNull();
    targets.vardiff = new MinerVardiff(FAKE_VARDIFF, 2 ** 30, 0);
    expect(t.h.settledDifficulty(a.s)).toBe(2 ** 30);
  });

  it('releases the miner channel when its session closes', async () => {
    const t = host('per-worker');
    const a = fakeSession();
    await t.h.subscribe(a.s);
    const ch = bindingOf(a.s).channel;
    t.h.closed(a.s);
    expect(t.upstream.closed).toEqual([ch?.channelId]);
  });
});

describe('V1Host: modes, renames and delegation', () => {
  function host(mode: TranslatorMode, relay: Partial<ShareRelay> = {}) {
    const t = setup(mode);
    const limits: string[] = [];
    const h = new V1Host({
      mode,
      identity: 'translator',
      upstream: t.upstream,
      assigner: t.assigner,
      relay: relay as ShareRelay,
      workerIds: new WorkerIds(t.upstream),
      limited: (reason) => limits.push(reason),
      waitUp: (ms) => t.events.waitUp(ms),
      subscribeWaitMs: 50,
    });
    return { ...t, h, limits };
  }

  it('answers a second subscribe on the same pool connection from the channel it has, opening nothing', async () => {
    const t = host('per-worker');
    const a = fakeSession(null);
    const first = await t.h.subscribe(a.s);
    const again = await t.h.subscribe(a.s);
    expect(again).toEqual(first);
    expect(t.upstream.opened).toEqual(['translator']);
  });

  it('subscribes every miner under the translator identity in aggregated mode, whatever it hinted', async () => {
    const t = host('aggregated');
    const a = fakeSession(null);
    (a.raw as { userHint?: string }).userHint = 'alice';
    await t.h.subscribe(a.s);
    t.h.authorized(a.s, 'alice');
    await tick();
    expect(t.upstream.opened).toEqual(['translator']);
  });

  it('sends work after authorize for a miner that already holds its named channel', async () => {
    const t = host('per-worker');
    const a = fakeSession('alice');
    (a.raw as { userHint?: string }).userHint = 'alice';
    await t.h.subscribe(a.s);
    await tick();
    const ch = bindingOf(a.s).channel;
    expect(ch?.name).toBe('alice');
    t.upstream.emit('job', job(ch?.channelId ?? -1, 4));
    a.sent.length = 0;
    t.h.authorized(a.s, 'alice');
    expect(a.sent).toEqual([`job ${ch?.lastJob?.v1Id} clean`]);
    expect(t.upstream.opened).toEqual(['alice']);
  });

  it('keeps a miner that cannot switch extranonce on its first channel and sends it work there', async () => {
    const t = host('per-worker');
    const a = fakeSession(null);
    a.raw.extranonceSubscribed = false;
    await t.h.subscribe(a.s);
    a.raw.user = 'alice';
    t.h.authorized(a.s, 'alice');
    await tick();
    expect(t.upstream.opened).toEqual(['translator']);
    expect(bindingOf(a.s).channel?.name).toBe('translator');
    expect(a.sent).toContain(`target ${FAKE_START_TARGET}`);
  });

  it('keeps the first channel and sends work there when the pool refuses the named one', async () => {
    const t = host('per-worker');
    const a = fakeSession(null);
    await t.h.subscribe(a.s);
    a.raw.user = 'alice';
    t.upstream.refuse = 'too-many-channels';
    t.h.authorized(a.s, 'alice');
    await tick();
    await tick();
    expect(bindingOf(a.s).channel?.name).toBe('translator');
    expect(a.sent).toContain(`target ${FAKE_START_TARGET}`);
  });

  it('does nothing on authorize while the miner has no channel (work follows when the pool is back)', () => {
    const t = host('per-worker');
    const a = fakeSession('alice');
    t.h.authorized(a.s, 'alice');
    expect(a.sent).toEqual([]);
    expect(t.upstream.opened).toEqual([]);
  });

  it('passes shares to the relay and limits to the owner', async () => {
    const seen: unknown[][] = [];
    const t = host('per-worker', {
      submit: (s, params) => {
        seen.push([s, params]);
        return Promise.resolve({ ok: true as const });
      },
    });
    const a = fakeSession('alice');
    await t.h.submit(a.s, ['alice', 'j1', '00']);
    t.h.limited(a.s, 'per_ip');
    expect(seen).toEqual([[a.s, ['alice', 'j1', '00']]]);
    expect(t.limits).toEqual(['per_ip']);
  });
});

describe('V1Host: the name check at mining.authorize (0x4CCB DeclareWorker)', () => {
  function host() {
    const t = setup('per-worker');
    const h = new V1Host({
      mode: 'per-worker',
      identity: 'translator',
      upstream: t.upstream,
      assigner: t.assigner,
      relay: {} as ShareRelay,
      workerIds: new WorkerIds(t.upstream),
      limited: () => {},
      waitUp: (ms) => t.events.waitUp(ms),
      subscribeWaitMs: 50,
    });
    return { ...t, h };
  }

  it('declares the name on the miner channel and passes on the pool refusal as the reason', async () => {
    const t = host();
    t.upstream.declareAnswer = (name) =>
      name.startsWith('ckt1') ? { ok: true } : { ok: false, code: 'not-an-address' };
    const a = fakeSession(null);
    await t.h.subscribe(a.s);
    await expect(t.h.checkName(a.s, 'ckt1qaddr.rig1')).resolves.toBeNull();
    await expect(t.h.checkName(a.s, 'alice.rig1')).resolves.toMatch(/CKB address.*not-an-address/);
    const channelId = bindingOf(a.s).channel?.channelId;
    expect(t.upstream.declared).toEqual([
      { channelId, workerId: 1, name: 'ckt1qaddr.rig1' },
      { channelId, workerId: 2, name: 'alice.rig1' },
    ]);
    // Asked once per channel: the answer is remembered.
    await t.h.checkName(a.s, 'alice.rig1');
    expect(t.upstream.declared).toHaveLength(2);
  });

  it('passes on unregistered-name (accounts.mode registered) as a refusal the miner can act on', async () => {
    const t = host();
    t.upstream.declareAnswer = (name) =>
      name.startsWith('alice') ? { ok: true } : { ok: false, code: 'unregistered-name' };
    const a = fakeSession(null);
    await t.h.subscribe(a.s);
    await expect(t.h.checkName(a.s, 'alice.rig1')).resolves.toBeNull();
    await expect(t.h.checkName(a.s, 'bob.rig1')).resolves.toMatch(/registered names.*\(unregistered-name\)/);
  });

  it('accepts every name when the pool does not know DeclareWorker, and asks nothing without a channel', async () => {
    const t = host();
    const a = fakeSession(null);
    expect(t.h.checkName(a.s, 'alice')).toBeNull();
    await t.h.subscribe(a.s);
    await expect(t.h.checkName(a.s, 'alice')).resolves.toBeNull();
    await expect(t.h.checkName(a.s, 'bob')).resolves.toBeNull();
    // After the first silence nothing more is declared on this connection.
    expect(t.upstream.declared.map((d) => d.name)).toEqual(['alice']);
  });
});
