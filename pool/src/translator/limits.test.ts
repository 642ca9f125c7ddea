import { describe, expect, it } from 'vitest';
import { V1Admission } from './limits.js';

describe('translator limits', () => {
  it('admits connections up to the per-IP and total caps, naming the one that refuses, and frees them on leave', () => {
    const a = new V1Admission(3, 2);
    expect(a.admit('10.0.0.1')).toBeNull();
    expect(a.admit('10.0.0.1')).toBeNull();
    expect(a.admit('10.0.0.1')).toBe('per_ip');
    expect(a.admit('10.0.0.2')).toBeNull();
    expect(a.full).toBe(true);
    expect(a.admit('10.0.0.3')).toBe('total');
    a.leave('10.0.0.1');
    expect(a.full).toBe(false);
    expect(a.admit('10.0.0.1')).toBeNull();
    expect(a.connections).toBe(3);
  });
});
