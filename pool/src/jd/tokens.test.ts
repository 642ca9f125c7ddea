import { describe, expect, it } from 'vitest';
import { bytesToHex } from '../ckb/hex.js';
import { JOB_TOKEN_SIZE, JobTokens } from './tokens.js';

/** Token bytes 00…01, 00…02, … so tests can name them. */
function sequence(): (n: number) => Uint8Array {
  let i = 0;
  return (n) => {
    const t = new Uint8Array(n);
    t[n - 1] = ++i;
    return t;
  };
}

describe('JobTokens', () => {
  it('allocates 8-byte tokens that are valid once, on their own connection, before they expire', () => {
    const tokens = new JobTokens({ ttlMs: 1000 });
    const t = tokens.allocate(1, 0);
    expect(t.length).toBe(JOB_TOKEN_SIZE);
    expect(tokens.consume(2, t, 10)).toBe('other-connection');
    expect(tokens.consume(1, t, 10)).toBe('ok');
    expect(tokens.consume(1, t, 20)).toBe('unknown');
    const late = tokens.allocate(1, 0);
    expect(tokens.consume(1, late, 1000)).toBe('expired');
    expect(tokens.size).toBe(0);
  });

  it('keeps at most maxPerConnection unused tokens per connection, evicting that connection’s oldest', () => {
    const tokens = new JobTokens({ maxPerConnection: 2, random: sequence() });
    const [a, b] = [tokens.allocate(1, 0), tokens.allocate(1, 0)];
    const other = tokens.allocate(2, 0);
    const c = tokens.allocate(1, 0);
    expect(tokens.consume(1, a, 0)).toBe('unknown');
    expect([tokens.consume(1, b, 0), tokens.consume(1, c, 0), tokens.consume(2, other, 0)]).toEqual([
      'ok',
      'ok',
      'ok',
    ]);
  });

  it('bounds the total, evicting the oldest token of any connection', () => {
    const tokens = new JobTokens({ maxTotal: 3, maxPerConnection: 1, random: sequence() });
    const first = tokens.allocate(1, 0);
    for (let c = 2; c <= 4; c++) tokens.allocate(c, 0);
    expect(tokens.size).toBe(3);
    expect(tokens.consume(1, first, 0)).toBe('unknown');
  });

  it('replaces a connection’s only token when the limit is one and the new one stays usable', () => {
    const tokens = new JobTokens({ maxPerConnection: 1, random: sequence() });
    const a = tokens.allocate(1, 0);
    const b = tokens.allocate(1, 0);
    expect(bytesToHex(a)).not.toBe(bytesToHex(b));
    expect(tokens.consume(1, a, 0)).toBe('unknown');
    tokens.dropConnection(1);
    expect(tokens.consume(1, b, 0)).toBe('unknown');
    expect(tokens.size).toBe(0);
  });

  it('never hands out a token that is still allocated', () => {
    let calls = 0;
    const tokens = new JobTokens({ random: (n) => new Uint8Array(n).fill(calls++ < 2 ? 7 : 9) });
    const a = tokens.allocate(1, 0);
    const b = tokens.allocate(1, 0);
    expect(bytesToHex(a)).toBe('0707070707070707');
    expect(bytesToHex(b)).toBe('0909090909090909');
  });
});
