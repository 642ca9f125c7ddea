import { describe, expect, it } from 'vitest';
import { protocolOf } from './miner.js';

describe('protocolOf', () => {
  it('picks the feed by URL scheme', () => {
    expect(protocolOf('stratum2+tcp://h:1/key')).toBe('sv2');
    expect(protocolOf('stratum+tcp://h:1')).toBe('v1');
    expect(protocolOf('http://h:1')).toBeNull();
  });
});
