import { describe, expect, it } from 'vitest';
import { AdmissionGate, type GateMetrics } from './admission.js';
import { UNLIMITED_PEER } from './peer-limits.js';

function metrics() {
  const m = {
    open: 0,
    refused: [] as string[],
    connections: {
      inc: () => {
        m.open += 1;
      },
      dec: () => {
        m.open -= 1;
      },
    },
    connectionsRejected: { inc: (l: { reason: string }) => m.refused.push(l.reason) },
  };
  return m satisfies GateMetrics;
}

function peers() {
  const p = {
    joined: [] as string[],
    left: 0,
    join: (ip: string) => {
      p.joined.push(ip);
      return {
        ...UNLIMITED_PEER,
        leave: () => {
          p.left += 1;
        },
      };
    },
  };
  return p;
}

describe('AdmissionGate', () => {
  it('admits connections up to the total limit and refuses the next as total', () => {
    const m = metrics();
    const gate = new AdmissionGate({ maxConnections: 2, maxConnectionsPerIp: 10 }, peers(), m);
    expect(gate.admit('10.0.0.1')).not.toBeNull();
    expect(gate.admit('10.0.0.2')).not.toBeNull();
    expect(gate.admit('10.0.0.3')).toBeNull();
    expect(m.refused).toEqual(['total']);
    expect(m.open).toBe(2);
  });

  it('refuses a third connection from one address while another address still gets in', () => {
    const m = metrics();
    const gate = new AdmissionGate({ maxConnections: 10, maxConnectionsPerIp: 2 }, peers(), m);
    gate.admit('10.0.0.1');
    gate.admit('10.0.0.1');
    expect(gate.admit('10.0.0.1')).toBeNull();
    expect(gate.admit('10.0.0.2')).not.toBeNull();
    expect(m.refused).toEqual(['per_ip']);
  });

  it('gives the slot back once however often a connection is released', () => {
    const m = metrics();
    const p = peers();
    const gate = new AdmissionGate({ maxConnections: 1, maxConnectionsPerIp: 1 }, p, m);
    const a = gate.admit('10.0.0.1');
    a?.release();
    a?.release();
    expect(gate.openConnections).toBe(0);
    expect(m.open).toBe(0);
    expect(p.left).toBe(1);
    expect(gate.admit('10.0.0.1')).not.toBeNull();
  });

  it('hands each admitted connection its own peer account and a fresh id', () => {
    const p = peers();
    const gate = new AdmissionGate({ maxConnections: 5, maxConnectionsPerIp: 5 }, p, metrics());
    const a = gate.admit('10.0.0.1');
    const b = gate.admit('10.0.0.2');
    expect(p.joined).toEqual(['10.0.0.1', '10.0.0.2']);
    expect(a?.connId).not.toBe(b?.connId);
  });

  it('refuses everyone as shutdown once shutting down, before counting limits', () => {
    const m = metrics();
    const p = peers();
    const gate = new AdmissionGate({ maxConnections: 0, maxConnectionsPerIp: 0 }, p, m);
    gate.shutDown();
    expect(gate.admit('10.0.0.1')).toBeNull();
    expect(m.refused).toEqual(['shutdown']);
    expect(p.joined).toEqual([]);
  });
});
