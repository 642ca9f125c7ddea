import { connect, type Socket } from 'node:net';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { V1Admission } from './limits.js';
import { refusalText, V1Listener } from './v1-listener.js';
import type { V1SessionHost } from './v1-session.js';

/** A host that answers subscribe with a fixed extranonce and records what reaches it. */
function recordingHost() {
  const calls: string[] = [];
  const host: V1SessionHost = {
    subscribe: async () => {
      calls.push('subscribe');
      return { extranonce1: Uint8Array.of(1, 2, 3, 4), extranonce2Size: 12 };
    },
    authorized: (_s, user) => calls.push(`authorized ${user}`),
    submit: async () => ({ ok: true }),
    limited: (_s, reason) => calls.push(`limited ${reason}`),
    closed: () => calls.push('closed'),
  };
  return { host, calls };
}

const limits = {
  maxLineBytes: 4096,
  maxPendingRequests: 16,
  subscribeTimeoutMs: 5_000,
  maxPendingWriteBytes: 1 << 20,
};

let listener: V1Listener | null = null;
const sockets: Socket[] = [];

afterEach(() => {
  listener?.close();
  listener = null;
  for (const s of sockets.splice(0)) s.destroy();
});

async function started(admission = new V1Admission(10, 10)) {
  const { host, calls } = recordingHost();
  const counts: number[] = [];
  const refused: string[] = [];
  listener = new V1Listener({
    listen: '127.0.0.1:0',
    admission,
    host,
    limits,
    log: pino({ level: 'silent' }),
    limited: (r) => refused.push(r),
    onCount: (n) => counts.push(n),
  });
  const { address, url } = await listener.start();
  const port = Number(address.split(':').pop());
  return { l: listener, calls, counts, refused, address, url, port };
}

/** Connects and collects every line the translator writes until it closes the socket. */
function miner(port: number): {
  socket: Socket;
  lines: string[];
  ended: Promise<void>;
  ready: Promise<void>;
} {
  const socket = connect({ host: '127.0.0.1', port });
  sockets.push(socket);
  const lines: string[] = [];
  let buf = '';
  socket.on('data', (d) => {
    buf += d.toString();
    const parts = buf.split('\n');
    buf = parts.pop() ?? '';
    lines.push(...parts.filter((p) => p.length > 0));
  });
  socket.on('error', () => {});
  const ended = new Promise<void>((r) => socket.on('close', () => r()));
  const ready = new Promise<void>((r) => socket.on('connect', () => r()));
  return { socket, lines, ended, ready };
}

const until = async (cond: () => boolean, ms = 2_000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('refusalText', () => {
  it('tells a refused miner which limit turned it away, or that the translator is stopping', () => {
    expect(refusalText('per_ip')).toMatch(/too many connections from it/);
    expect(refusalText('total')).toBe('translator full: too many connections');
    expect(refusalText('shutdown')).toBe('translator shutting down');
  });
});

describe('V1Listener', () => {
  it('listens on the address asked for and gives miners a stratum+tcp URL to it', async () => {
    const t = await started();
    expect(t.address).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(t.url).toBe(`stratum+tcp://127.0.0.1:${t.port}`);
  });

  it('makes a session per miner, passes its requests to the host and counts open sessions', async () => {
    const t = await started();
    const m = miner(t.port);
    await m.ready;
    m.socket.write(`${JSON.stringify({ id: 1, method: 'mining.subscribe', params: [] })}\n`);
    await until(() => m.lines.length > 0);
    expect(t.calls).toEqual(['subscribe']);
    expect(JSON.parse(m.lines[0] ?? '{}')).toMatchObject({ id: 1, error: null });
    expect(t.l.sessions.size).toBe(1);
    expect(t.counts).toEqual([1]);
  });

  it('releases the admission slot, counts the bytes and tells the host when a miner leaves', async () => {
    const admission = new V1Admission(10, 1);
    const t = await started(admission);
    const m = miner(t.port);
    await m.ready;
    m.socket.write(`${JSON.stringify({ id: 1, method: 'mining.subscribe', params: [] })}\n`);
    await until(() => m.lines.length > 0);
    m.socket.destroy();
    await until(() => t.l.sessions.size === 0);
    expect(t.calls).toContain('closed');
    expect(admission.connections).toBe(0);
    expect(t.counts).toEqual([1, 0]);
    const bytes = t.l.bytes();
    expect(bytes.in).toBeGreaterThan(0);
    expect(bytes.out).toBeGreaterThan(0);
    // The slot is free again: the same address is admitted.
    const again = miner(t.port);
    await again.ready;
    await until(() => t.l.sessions.size === 1);
  });

  it('turns away a miner over the per-address limit with a line saying why, and counts it', async () => {
    const t = await started(new V1Admission(10, 1));
    const first = miner(t.port);
    await first.ready;
    await until(() => t.l.sessions.size === 1);
    const second = miner(t.port);
    await second.ended;
    expect(t.refused).toEqual(['per_ip']);
    expect(JSON.parse(second.lines[0] ?? '{}').error?.[1]).toBe(refusalText('per_ip'));
    expect(t.l.sessions.size).toBe(1);
  });

  it('on close ends every open session', async () => {
    const t = await started();
    const m = miner(t.port);
    await m.ready;
    await until(() => t.l.sessions.size === 1);
    t.l.close();
    await m.ended;
    expect(t.l.sessions.size).toBe(0);
    listener = null;
  });
});
