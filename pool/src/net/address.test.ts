import { describe, expect, it } from 'vitest';
import { AddressError, parseHostPort } from './address.js';

describe('parseHostPort', () => {
  it('splits a name or IPv4 address from its port', () => {
    expect(parseHostPort('127.0.0.1:3333')).toEqual({ host: '127.0.0.1', port: 3333 });
    expect(parseHostPort('pool.example:34255')).toEqual({ host: 'pool.example', port: 34255 });
  });

  it('takes an IPv6 address only inside brackets and returns it without them', () => {
    expect(parseHostPort('[::1]:3333')).toEqual({ host: '::1', port: 3333 });
    expect(() => parseHostPort('::1:3333')).toThrow(AddressError);
  });

  it('refuses a missing or out-of-range port and names the field', () => {
    expect(() => parseHostPort('localhost', 'v1.listen')).toThrow(
      "v1.listen: expected host:port, got 'localhost'",
    );
    expect(() => parseHostPort('localhost:65536', 'api.listen')).toThrow(
      'api.listen: port 65536 is out of range',
    );
    expect(parseHostPort('localhost:0').port).toBe(0);
  });
});
