import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { configFor } from '../../test/support/bundle-helpers.js';
import { composeFile } from './compose.js';
import { bundleEndpoints } from './endpoints.js';

describe('bundleEndpoints', () => {
  it('lists exactly the ports compose.yaml publishes, split into public and loopback', () => {
    for (const [monitoring, web] of [
      [true, false],
      [false, false],
      [true, true],
    ]) {
      const config = configFor('mainnet', { monitoring: { enabled: monitoring }, web: { public: web } });
      const e = bundleEndpoints(config, 'PUB');
      const services = parseYaml(JSON.stringify(composeFile(config))).services as Record<
        string,
        { ports?: string[] }
      >;
      const published = Object.values(services).flatMap((s) => s.ports ?? []);
      const loopback = published
        .filter((p) => p.startsWith('127.0.0.1:'))
        .map((p) => Number(p.split(':')[1]));
      const open = published.filter((p) => !p.startsWith('127.0.0.1:')).map((p) => Number(p.split(':')[0]));
      expect(open.sort()).toEqual([...e.publicPorts].sort());
      expect(loopback.sort()).toEqual([...e.loopbackPorts].sort());
    }
  });

  it('builds the health URL and the miner URLs', () => {
    const e = bundleEndpoints(configFor('testnet'), 'PUB');
    expect(e.healthUrl).toBe('http://127.0.0.1:8080/health');
    expect(e.sv2Url('203.0.113.9')).toBe('stratum2+tcp://203.0.113.9:3336/PUB');
    expect(e.v1Url('2001:db8::1')).toBe('stratum+tcp://[2001:db8::1]:3333');
    expect(e.composeProject).toBe('ckb-pool');
    expect(e.webUrl('203.0.113.9')).toBe('http://203.0.113.9:8081/');
  });

  it('opens the web page to the public only when web.public is set', () => {
    expect(bundleEndpoints(configFor('testnet'), 'PUB').publicPorts).not.toContain(8081);
    expect(bundleEndpoints(configFor('testnet'), 'PUB').loopbackPorts).toContain(8081);
    const open = bundleEndpoints(configFor('testnet', { web: { public: true } }), 'PUB');
    expect(open.publicPorts).toContain(8081);
    expect(open.loopbackPorts).not.toContain(8081);
  });
});
