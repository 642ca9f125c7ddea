import { connect, createServer, type Socket } from 'node:net';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { TranslatorLimitReason } from './limits.js';
import { type SubmitOutcome, V1Session, type V1SessionHost, type V1SessionLimits } from './v1-session.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

/** A V1Session on one end of a real loopback connection; returns the client end and its lines. */
async function pair(
  host: V1SessionHost,
  extra: Partial<V1SessionLimits> = {},
): Promise<{ client: Socket; lines: string[]; session: V1Session }> {
  let session: V1Session | null = null;
  const server = createServer((s) => {
    session = new V1Session(
      1,
      s,
      host,
      {
        maxLineBytes: 1024,
        maxPendingRequests: 16,
        subscribeTimeoutMs: 10_000,
        maxPendingWriteBytes: 1 << 20,
        ...extra,
      },
      pino({ level: 'silent' }),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const client = await new Promise<Socket>((r) => {
    const c = connect({ host: '127.0.0.1', port }, () => r(c));
  });
  cleanups.push(() => {
    client.destroy();
    server.close();
  });
  const lines: string[] = [];
  let buf = '';
  client.setEncoding('utf8');
  client.on('data', (d: string) => {
    buf += d;
    const parts = buf.split('\n');
    buf = parts.pop() as string;
    lines.push(...parts);
  });
  while (!session) await new Promise((r) => setTimeout(r, 5));
  return { client, lines, session };
}

async function until(cond: () => boolean): Promise<void> {
  const end = Date.now() + 5_000;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timeout');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('V1 session reply order', () => {
  it('answers in request order even when an earlier submit waits for the pool, and holds authorize-triggered work behind the authorize answer', async () => {
    let release: ((o: SubmitOutcome) => void) | null = null;
    const host: V1SessionHost = {
      subscribe: async () => ({ extranonce1: Uint8Array.of(1, 2, 3, 4), extranonce2Size: 12 }),
      authorized: (s) => {
        s.sendTarget(1n << 240n);
        s.sendJob({
          jobId: '1',
          powHash: new Uint8Array(32),
          height: 5n,
          parentHash: new Uint8Array(32),
          clean: true,
        });
      },
      submit: () =>
        new Promise<SubmitOutcome>((r) => {
          release = r;
        }),
      closed: () => {},
    };
    const { client, lines, session } = await pair(host);
    client.write('{"id":1,"method":"mining.subscribe","params":[]}\n');
    await until(() => lines.length === 1);
    client.write(
      '{"id":2,"method":"mining.submit","params":["a.b","1","00"]}\n{"id":3,"method":"mining.authorize","params":["a.b","x"]}\n',
    );
    await until(() => release !== null);
    await new Promise((r) => setTimeout(r, 50));
    // Nothing may overtake the pending submit's answer: not the authorize answer, not its work.
    expect(lines).toHaveLength(1);
    (release as unknown as (o: SubmitOutcome) => void)({ ok: false, code: 23, message: 'Low difficulty' });
    await until(() => lines.length === 5);
    const msgs = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(msgs.map((m) => m.id ?? m.method)).toEqual([1, 2, 3, 'mining.set_target', 'mining.notify']);
    // A rejected share answers result false (ckb-gominer-demo reads it as a bool).
    expect(msgs[1]).toEqual({ id: 2, result: false, error: [23, 'Low difficulty', null] });

    // With only a submit pending, new work goes out at once.
    release = null;
    client.write('{"id":4,"method":"mining.submit","params":["a.b","1","00"]}\n');
    await until(() => release !== null);
    session.sendJob({
      jobId: '2',
      powHash: new Uint8Array(32),
      height: 6n,
      parentHash: new Uint8Array(32),
      clean: true,
    });
    await until(() => lines.length === 6);
    expect(JSON.parse(lines[5]).method).toBe('mining.notify');
    (release as unknown as (o: SubmitOutcome) => void)({ ok: true });
    await until(() => lines.length === 7);
    expect(JSON.parse(lines[6])).toEqual({ id: 4, result: true, error: null });
  });
});

describe('V1 session: mining.configure (BIP 310)', () => {
  it('answers every requested extension as not supported, and a malformed request with error 27', async () => {
    const host: V1SessionHost = {
      subscribe: async () => ({ extranonce1: Uint8Array.of(1, 2, 3, 4), extranonce2Size: 12 }),
      authorized: () => {},
      submit: async () => ({ ok: true }),
      closed: () => {},
    };
    const { client, lines } = await pair(host);
    client.write(
      '{"id":1,"method":"mining.configure","params":[["version-rolling","minimum-difficulty"],{"version-rolling.mask":"1fffe000"}]}\n',
    );
    client.write('{"id":2,"method":"mining.configure","params":["version-rolling"]}\n');
    client.write('{"id":3,"method":"mining.subscribe","params":[]}\n');
    await until(() => lines.length === 3);
    const msgs = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(msgs[0]).toEqual({
      id: 1,
      result: { 'version-rolling': false, 'minimum-difficulty': false },
      error: null,
    });
    expect(msgs[1]).toMatchObject({ id: 2, result: null, error: [27, expect.any(String), null] });
    // The session carries on as usual.
    expect(msgs[2]).toEqual({ id: 3, result: [null, '01020304', 12], error: null });
  });
});

describe('V1 session: mining.authorize names', () => {
  it('refuses a worker name with control characters or over 255 bytes, and accepts an ordinary one', async () => {
    const authorized: string[] = [];
    const host: V1SessionHost = {
      subscribe: async () => ({ extranonce1: Uint8Array.of(1, 2, 3, 4), extranonce2Size: 12 }),
      authorized: (_s, user) => authorized.push(user),
      submit: async () => ({ ok: true }),
      closed: () => {},
    };
    const { client, lines } = await pair(host);
    const bad = [
      'alice.rig\n{"forged":1}',
      'alice.\u0000rig',
      'alice.\u0085rig',
      'alice.\u2028rig',
      'a'.repeat(256),
    ];
    bad.forEach((name, i) => {
      client.write(`${JSON.stringify({ id: i + 1, method: 'mining.authorize', params: [name, 'x'] })}\n`);
    });
    client.write(`${JSON.stringify({ id: 99, method: 'mining.authorize', params: ['alice.rig1', 'x'] })}\n`);
    await until(() => lines.length === bad.length + 1);
    const msgs = lines.map((l) => JSON.parse(l) as { id: number; result: unknown; error: unknown[] | null });
    for (const m of msgs.slice(0, bad.length)) {
      expect(m.result).toBeNull();
      expect(m.error?.[1]).toMatch(/^authorize needs \["user\.worker", "password"\]: the worker name must/);
    }
    expect(msgs[2]?.error?.[1]).toMatch(/control characters/);
    expect(msgs[4]?.error?.[1]).toMatch(/at most 255 bytes/);
    expect(msgs.at(-1)).toEqual({ id: 99, result: true, error: null });
    expect(authorized).toEqual(['alice.rig1']);
  });
});

describe('V1 session limits', () => {
  /** A host that answers everything at once and records the limits that closed the session. */
  function recordingHost(): {
    host: V1SessionHost;
    limitedBy: TranslatorLimitReason[];
    authorized: string[];
  } {
    const limitedBy: TranslatorLimitReason[] = [];
    const authorized: string[] = [];
    return {
      limitedBy,
      authorized,
      host: {
        subscribe: async () => ({ extranonce1: Uint8Array.of(1, 2, 3, 4), extranonce2Size: 12 }),
        authorized: (_s, user) => authorized.push(user),
        submit: async () => ({ ok: true }),
        closed: () => {},
        limited: (_s, reason) => limitedBy.push(reason),
      },
    };
  }
  const closed = (c: Socket) => new Promise<void>((r) => (c.destroyed ? r() : c.once('close', () => r())));

  it('closes a miner that sends more requests than its budget, after answering those within it', async () => {
    const h = recordingHost();
    const { client, lines, session } = await pair(h.host, { messageRate: { perSecond: 1, burst: 5 } });
    const burst = Array.from({ length: 8 }, (_, i) =>
      JSON.stringify({ id: i + 1, method: 'mining.suggest_difficulty', params: [1] }),
    );
    client.write(`${burst.join('\n')}\n`);
    await closed(client);
    expect(session.closed).toBe(true);
    expect(h.limitedBy).toEqual(['messages']);
    expect(lines.filter((l) => l.includes('"result":true'))).toHaveLength(5);
  });

  it('closes a miner that authorizes more often than allowed, with an error answer', async () => {
    const h = recordingHost();
    const { client, lines } = await pair(h.host, { maxAuthorizes: 2 });
    for (let i = 0; i < 4; i++)
      client.write(`${JSON.stringify({ id: i + 1, method: 'mining.authorize', params: [`w${i}`, 'x'] })}\n`);
    await closed(client);
    expect(h.authorized).toEqual(['w0', 'w1']);
    expect(h.limitedBy).toEqual(['authorize_churn']);
    expect(lines.some((l) => l.includes('more than 2 mining.authorize'))).toBe(true);
  });

  it('refuses a worker name with control characters', async () => {
    const h = recordingHost();
    const { client, lines } = await pair(h.host);
    client.write(`${JSON.stringify({ id: 1, method: 'mining.authorize', params: ['rig\u0007', 'x'] })}\n`);
    await until(() => lines.length > 0);
    expect(JSON.parse(lines[0]).error[0]).toBe(27);
    expect(h.authorized).toEqual([]);
  });

  it('closes a miner that goes quiet after subscribing; a trickle of bytes without a whole line does not count', async () => {
    const h = recordingHost();
    const { client } = await pair(h.host, { idleTimeoutMs: 300 });
    client.write(`${JSON.stringify({ id: 1, method: 'mining.subscribe', params: [] })}\n`);
    const t0 = Date.now();
    const drip = setInterval(() => client.write(' '), 50);
    await closed(client);
    clearInterval(drip);
    expect(h.limitedBy).toEqual(['idle']);
    expect(Date.now() - t0).toBeLessThan(2_000);
  });
});

describe('V1 session: the pool judges the name at mining.authorize', () => {
  function hostWith(check: (user: string) => Promise<string | null>) {
    const authorized: string[] = [];
    const host: V1SessionHost = {
      subscribe: async () => ({ extranonce1: Uint8Array.of(1, 2, 3, 4), extranonce2Size: 12 }),
      checkName: (_s, user) => check(user),
      authorized: (s, user) => {
        authorized.push(user);
        s.sendTarget(1n << 240n);
      },
      submit: async () => ({ ok: true }),
      closed: () => {},
    };
    return { host, authorized };
  }

  it('answers authorize only when the pool has accepted the name, then sends the work, in order', async () => {
    let accept: ((r: string | null) => void) | null = null;
    const h = hostWith(() => new Promise((r) => (accept = r)));
    const { client, lines, session } = await pair(h.host);
    client.write(
      '{"id":1,"method":"mining.subscribe","params":[]}\n{"id":2,"method":"mining.authorize","params":["ckt1qaddr.rig1","x"]}\n',
    );
    await until(() => lines.length === 1 && accept !== null);
    await new Promise((r) => setTimeout(r, 30));
    expect(lines).toHaveLength(1);
    expect(session.user).toBeNull();
    (accept as unknown as (r: string | null) => void)(null);
    await until(() => lines.length === 3);
    expect(lines.map((l) => JSON.parse(l).id ?? JSON.parse(l).method)).toEqual([1, 2, 'mining.set_target']);
    expect(JSON.parse(lines[1])).toEqual({ id: 2, result: true, error: null });
    expect(h.authorized).toEqual(['ckt1qaddr.rig1']);
  });

  it('answers error 24 with the pool reason for a refused name and leaves the miner unauthorized', async () => {
    const h = hostWith(async () => 'authorize as <address>[.<worker>] (not-an-address)');
    const { client, lines, session } = await pair(h.host);
    client.write('{"id":1,"method":"mining.subscribe","params":[]}\n');
    client.write('{"id":2,"method":"mining.authorize","params":["alice.rig1","x"]}\n');
    await until(() => lines.length === 2);
    expect(JSON.parse(lines[1])).toEqual({
      id: 2,
      result: null,
      error: [24, 'authorize as <address>[.<worker>] (not-an-address)', null],
    });
    expect(session.user).toBeNull();
    expect(h.authorized).toEqual([]);
  });
});
