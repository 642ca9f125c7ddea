import { EventEmitter } from 'node:events';
import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { TranslatorLimitReason } from './limits.js';
import { V1Connection, type V1ConnectionLimits } from './v1-connection.js';

/** Just enough of a net.Socket, with a miner that never reads: `writableLength` only grows. */
class FakeSocket extends EventEmitter {
  written: string[] = [];
  writableLength = 0;
  ended = false;
  destroyed = false;
  setNoDelay(): void {}
  write(line: string): void {
    this.written.push(line);
    this.writableLength += line.length;
  }
  end(): void {
    this.ended = true;
  }
  destroy(): void {
    this.destroyed = true;
  }
}

function connect(limits: Partial<V1ConnectionLimits> = {}) {
  const socket = new FakeSocket();
  const lines: string[][] = [];
  const limited: TranslatorLimitReason[] = [];
  let closed = 0;
  const conn = new V1Connection(
    socket as unknown as ConstructorParameters<typeof V1Connection>[0],
    { maxLineBytes: 64, maxPendingWriteBytes: 1 << 20, ...limits },
    pino({ level: 'silent' }),
    { lines: (l) => lines.push(l), limited: (r) => limited.push(r), closed: () => closed++ },
  );
  const send = (text: string) => socket.emit('data', Buffer.from(text));
  return { conn, socket, lines, limited, send, closedCount: () => closed };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('V1Connection: lines in', () => {
  it('hands over whole lines, however the bytes are split', () => {
    const c = connect();
    c.send('{"id":1}\r\n{"id"');
    c.send(':2}\n');
    expect(c.lines).toEqual([['{"id":1}'], ['{"id":2}']]);
  });

  it('answers a line too long with error 27 and closes as line_too_long', () => {
    const c = connect({ maxLineBytes: 16 });
    c.send('x'.repeat(40));
    expect(JSON.parse(c.socket.written[0] as string).error[0]).toBe(27);
    expect(c.limited).toEqual(['line_too_long']);
    expect(c.socket.ended).toBe(true);
    expect(c.closedCount()).toBe(1);
  });

  it('reads nothing more once told to stop, and still writes what is owed', () => {
    const c = connect();
    c.conn.stopReading();
    c.send('{"id":1}\n');
    c.conn.write('answer\n');
    expect(c.lines).toEqual([]);
    expect(c.conn.reading).toBe(false);
    expect(c.socket.written).toEqual(['answer\n']);
  });
});

describe('V1Connection: limits on time and unread bytes', () => {
  it('closes a miner that sends no whole line for the idle time; bytes without a newline do not count', () => {
    vi.useFakeTimers();
    const c = connect({ idleTimeoutMs: 1_000 });
    vi.advanceTimersByTime(600);
    c.send('{"id":1}\n');
    vi.advanceTimersByTime(600);
    expect(c.limited).toEqual([]);
    c.send('{"id":');
    vi.advanceTimersByTime(500);
    expect(c.limited).toEqual(['idle']);
    expect(c.conn.closed).toBe(true);
  });

  it('drops a miner that does not read once its unread bytes pass the limit, and writes nothing after', () => {
    const c = connect({ maxPendingWriteBytes: 10 });
    c.conn.write('12345\n');
    expect(c.limited).toEqual([]);
    c.conn.write('678901\n');
    expect(c.limited).toEqual(['slow_reader']);
    expect(c.socket.destroyed).toBe(true);
    c.conn.write('more\n');
    expect(c.socket.written).toEqual(['12345\n', '678901\n']);
  });

  it('reports the close once, whether a limit or the miner closed the socket', () => {
    const c = connect();
    c.conn.closeFor('messages', 'too many');
    c.socket.emit('close');
    c.conn.close();
    expect(c.limited).toEqual(['messages']);
    expect(c.closedCount()).toBe(1);
  });
});
