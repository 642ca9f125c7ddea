import { connect, createServer, type Socket } from 'node:net';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { targetToBeHex, targetToDifficulty } from '../ckb/target.js';
import { dialectByName, type V1Dialect } from '../stratum-v1/dialects/index.js';
import { targetForBtcpoolDifficulty, targetToLeHex } from '../stratum-v1/dialects/targets.js';
import { startDifficultyFor } from './miner-targets.js';
import { MINER_VARDIFF_DEFAULTS } from './miner-vardiff.js';
import { V1Resumes } from './v1-resumes.js';
import { V1Session, type V1SessionHost } from './v1-session.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

const TARGET = 0x1234n << 200n;

/** What the host saw of the session when subscribe reached it (before the answer). */
interface Seen {
  /** The difficulty its vardiff would start at (miner-targets.ts), interval 10 s, margin 16. */
  start: number;
  hint: string | null;
  dialect: string;
}

/** A host that answers at once, gives the target on authorize, and records subscribes. */
function host(seen: Seen[], users: string[] = []): V1SessionHost {
  return {
    subscribe: async (s) => {
      seen.push({
        start: startDifficultyFor(s, MINER_VARDIFF_DEFAULTS),
        hint: s.userHint,
        dialect: s.dialect.name,
      });
      return { extranonce1: Uint8Array.of(0xde, 0xad, 0xbe, 0xef), extranonce2Size: 12 };
    },
    authorized: (s, user) => {
      users.push(user);
      s.sendTarget(TARGET);
    },
    submit: async () => ({ ok: false, code: 23, message: 'Low difficulty' }),
    closed: () => {},
  };
}

/** A connection to a V1Session built with `opts`; returns its lines and the session. */
async function connectTo(h: V1SessionHost, opts: { dialect?: V1Dialect; resumes?: V1Resumes } = {}) {
  let session: V1Session | null = null;
  const server = createServer((sock) => {
    session = new V1Session(
      1,
      sock,
      h,
      {
        maxLineBytes: 4096,
        maxPendingRequests: 16,
        subscribeTimeoutMs: 10_000,
        maxPendingWriteBytes: 1 << 20,
      },
      pino({ level: 'silent' }),
      opts,
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
  const s = session as V1Session;
  const until = async (n: number) => {
    const end = Date.now() + 5_000;
    while (lines.length < n) {
      if (Date.now() > end) throw new Error(`timeout waiting for ${n} lines: ${lines.join(' | ')}`);
      await new Promise((r) => setTimeout(r, 5));
    }
    return lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  };
  return { client, lines, session: s, until };
}

const req = (id: number | null, method: string, params: unknown[]) =>
  `${JSON.stringify({ id, method, params })}\n`;

describe('V1 session dialects', () => {
  it('answers a K7 by its user agent: plain subscribe, big-endian set_target, a K7-sized channel', async () => {
    const seen: Seen[] = [];
    const c = await connectTo(host(seen));
    c.client.write(req(1, 'mining.subscribe', ['godminer-v0.4.7', null, 'pool.example', '3333']));
    await c.until(1);
    c.client.write(req(2, 'mining.authorize', ['alice.k7', 'x']));
    const m = await c.until(3);
    expect(m[0]).toEqual({ id: 1, result: [null, 'deadbeef', 12], error: null });
    expect(m[2]).toEqual({ id: null, method: 'mining.set_target', params: [targetToBeHex(TARGET)] });
    // Its declared 2^44 H/s × 10 s, started 16× easier: a K7 faster than that climbs in seconds.
    expect(seen).toEqual([{ start: (2 ** 44 * 10) / 16, hint: null, dialect: 'antminer-k7' }]);
  });

  it('gives a Goldshell a nested subscribe and a session id that brings back its name and suggested difficulty', async () => {
    const resumes = new V1Resumes();
    const seen: Seen[] = [];
    const first = await connectTo(host(seen), { resumes });
    first.client.write(req(1, 'mining.subscribe', ['intminer/1.2.0']));
    const sub = (await first.until(1))[0] as { result: [string[][], string, number] };
    expect(sub.result.slice(1)).toEqual(['deadbeef', 12]);
    const sid = sub.result[0][0]?.[1];
    expect(sid).toMatch(/^[0-9a-f]{8}$/);
    first.client.write(req(2, 'mining.suggest_difficulty', [4096]));
    first.client.write(req(3, 'mining.authorize', ['alice.ck6', 'x']));
    const m = await first.until(4);
    // Its target as set_difficulty on btcpool's scale, never easier than the pool's.
    const setDiff = m[3] as { method: string; params: [number] };
    expect(setDiff.method).toBe('mining.set_difficulty');
    expect(targetForBtcpoolDifficulty(setDiff.params[0]) <= TARGET).toBe(true);
    first.client.destroy();
    await new Promise((r) => setTimeout(r, 50));

    const again = await connectTo(host(seen), { resumes });
    again.client.write(req(1, 'mining.subscribe', ['intminer/1.2.0', sid]));
    const [resumed] = await again.until(1);
    expect(resumed?.result).toEqual([
      [
        ['mining.set_difficulty', sid],
        ['mining.notify', sid],
      ],
      'deadbeef',
      12,
    ]);
    const suggested = Number(targetToDifficulty(targetForBtcpoolDifficulty(4096)));
    expect(seen[1]).toEqual({ start: suggested, hint: 'alice.ck6', dialect: 'goldshell' });
    // An id it never had is not resumed: a fresh one.
    const other = await connectTo(host(seen), { resumes });
    other.client.write(req(1, 'mining.subscribe', ['intminer/1.2.0', 'cafebabe']));
    const fresh = (await other.until(1))[0] as { result: [string[][], string, number] };
    expect(fresh.result[0][0]).not.toEqual(['mining.set_difficulty', 'cafebabe']);
  });

  it('starts a resumed Goldshell at the difficulty its vardiff had settled on, not measured again', async () => {
    const resumes = new V1Resumes();
    const seen: Seen[] = [];
    const settled = (d: number | null): V1SessionHost => ({ ...host(seen), settledDifficulty: () => d });
    const first = await connectTo(settled(2 ** 40), { resumes });
    first.client.write(req(1, 'mining.subscribe', ['intminer/1.2.0']));
    const sid = ((await first.until(1))[0] as { result: [string[][]] }).result[0][0]?.[1];
    first.client.write(req(2, 'mining.suggest_difficulty', [4096]));
    first.client.write(req(3, 'mining.authorize', ['alice.ck6', 'x']));
    await first.until(4);
    first.client.destroy();
    await new Promise((r) => setTimeout(r, 50));

    const again = await connectTo(settled(null), { resumes });
    again.client.write(req(1, 'mining.subscribe', ['intminer/1.2.0', sid]));
    await again.until(1);
    expect(again.session.resumedDifficulty).toBe(2 ** 40);
    expect(seen[1]?.start).toBe(2 ** 40);
    again.client.destroy();
    await new Promise((r) => setTimeout(r, 50));

    // That session closed while still measured (null): the next resume starts from its suggestion.
    const third = await connectTo(settled(null), { resumes });
    third.client.write(req(1, 'mining.subscribe', ['intminer/1.2.0', sid]));
    await third.until(1);
    expect(third.session.resumedDifficulty).toBeNull();
    expect(seen[2]?.start).toBe(Number(targetToDifficulty(targetForBtcpoolDifficulty(4096))));
  });

  it('starts the miner at a suggested difficulty that came in the same read as the subscribe', async () => {
    const seen: Seen[] = [];
    const c = await connectTo(host(seen));
    c.client.write(
      req(1, 'mining.subscribe', ['Goldshell-CK5']) +
        req(2, 'mining.suggest_difficulty', [65536]) +
        req(3, 'mining.authorize', ['alice.ck5#goldshell', 'x']),
    );
    await c.until(4);
    expect(seen[0]?.hint).toBe('alice.ck5');
    expect(seen[0]?.start).toBe(Number(targetToDifficulty(targetForBtcpoolDifficulty(65536))));
  });

  it('lets a port force a dialect, and a #dialect name suffix override the port', async () => {
    const seen: Seen[] = [];
    const users: string[] = [];
    const nerd = dialectByName('nerdminer') as V1Dialect;
    const a = await connectTo(host(seen, users), { dialect: nerd });
    a.client.write(
      req(1, 'mining.subscribe', ['godminer-v0.4.7']) + req(2, 'mining.authorize', ['bob.esp', 'x']),
    );
    const ma = await a.until(3);
    expect(ma[2]).toEqual({ id: null, method: 'mining.set_target', params: [targetToLeHex(TARGET)] });
    const b = await connectTo(host(seen, users), { dialect: nerd });
    b.client.write(req(1, 'mining.subscribe', []));
    await b.until(1);
    b.client.write(req(2, 'mining.authorize', ['bob.rig#k7', 'x']));
    const mb = await b.until(3);
    expect(mb[2]).toEqual({ id: null, method: 'mining.set_target', params: [targetToBeHex(TARGET)] });
    expect(users).toEqual(['bob.esp', 'bob.rig']);
    expect(b.session.dialect.name).toBe('antminer-k7');
  });

  it('answers a ckbminer that uses id 0 for everything in request order, and never offers it set_extranonce', async () => {
    const seen: Seen[] = [];
    const c = await connectTo(host(seen));
    c.client.write(req(0, 'mining.subscribe', ['ckbminer-v1.0.0', null]));
    await c.until(1);
    c.client.write(req(0, 'mining.authorize', ['carol.cpu', 'x']));
    await c.until(3);
    c.client.write(
      req(0, 'mining.extranonce.subscribe', []) +
        req(0, 'mining.submit', ['carol.cpu', '1', '00'.repeat(12)]),
    );
    const m = await c.until(5);
    expect(m.map((x) => [x.id, x.method ?? x.result])).toEqual([
      [0, [null, 'deadbeef', 12]],
      [0, true],
      [null, 'mining.set_target'],
      [0, true],
      [0, false],
    ]);
    expect(m[4]).toEqual({ id: 0, result: false, error: [23, 'Low difficulty', null] });
    expect(c.session.extranonceSubscribed).toBe(true);
    expect(c.session.takesNewExtranonce).toBe(false);
    expect(seen[0]?.dialect).toBe('ckbminer');
  });
});
