import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { type RegisteredConnection, SessionRegistry } from './session-registry.js';

const silent = pino({ level: 'silent' });

function fakeConnection(writableLength = 0) {
  const c = {
    closed: [] as string[],
    destroyed: false,
    socket: {
      writableLength,
      destroy: () => {
        c.destroyed = true;
      },
    },
    close: (_reason: 'local-close', message: string) => {
      c.closed.push(message);
    },
  };
  return c satisfies RegisteredConnection;
}

function counter() {
  const reasons: string[] = [];
  return { reasons, inc: (l: { reason: string }) => reasons.push(l.reason) };
}

describe('SessionRegistry', () => {
  it('forgets a session and its connection together', () => {
    const r = new SessionRegistry(counter());
    const s = { log: silent };
    r.add(s, fakeConnection());
    expect(r.size).toBe(1);
    r.remove(s);
    expect(r.size).toBe(0);
    expect([...r.sessions]).toEqual([]);
  });

  it('drops a client whose unread bytes pass the limit and counts it as a slow reader', () => {
    const rejected = counter();
    const r = new SessionRegistry(rejected, 1_000);
    const s = { log: silent };
    const c = fakeConnection(1_001);
    r.add(s, c);
    r.checkBackpressure(s);
    expect(c.closed).toEqual(['client does not read']);
    expect(c.destroyed).toBe(true);
    expect(rejected.reasons).toEqual(['slow_reader']);
  });

  it('leaves a client alone while its unread bytes are at the limit', () => {
    const rejected = counter();
    const r = new SessionRegistry(rejected, 1_000);
    const s = { log: silent };
    const c = fakeConnection(1_000);
    r.add(s, c);
    r.checkBackpressure(s);
    expect(c.closed).toEqual([]);
    expect(rejected.reasons).toEqual([]);
  });

  it('closes every connection, then destroys them on request', () => {
    const r = new SessionRegistry(counter());
    const a = fakeConnection();
    const b = fakeConnection();
    r.add({ log: silent }, a);
    r.add({ log: silent }, b);
    r.closeAll('pool shutting down');
    expect([a.closed, b.closed]).toEqual([['pool shutting down'], ['pool shutting down']]);
    expect(a.destroyed || b.destroyed).toBe(false);
    r.destroyAll();
    expect(a.destroyed && b.destroyed).toBe(true);
  });

  it('ignores a close for a session that has already left', () => {
    const r = new SessionRegistry(counter());
    const s = { log: silent };
    const c = fakeConnection();
    r.add(s, c);
    r.remove(s);
    r.close(s, 'internal error');
    expect(c.closed).toEqual([]);
  });
});
