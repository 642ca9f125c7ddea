import { describe, expect, it } from 'vitest';
import { HostPortError, parseHostPort } from './host-port.js';

describe('host:port addresses', () => {
  it('split into host and port, IPv6 in brackets', () => {
    expect(parseHostPort('0.0.0.0:3333')).toEqual({ host: '0.0.0.0', port: 3333 });
    expect(parseHostPort('[::1]:0')).toEqual({ host: '::1', port: 0 });
    expect(parseHostPort('ckb:18114')).toEqual({ host: 'ckb', port: 18114 });
  });

  it('are refused with the field they came from when malformed or out of range', () => {
    expect(() => parseHostPort('localhost', 'node.subscribe')).toThrow(
      new HostPortError('node.subscribe', "expected host:port, got 'localhost'"),
    );
    expect(() => parseHostPort('host:99999')).toThrow(/out of range/);
    expect(() => parseHostPort('::1:3333')).toThrow(HostPortError);
  });
});
