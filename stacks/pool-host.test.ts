import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { baseConfig, KEYS } from '../test/support/stack-fixtures.js';
import { cloudInit, hostFromOutputs, ingressRules } from './pool-host.js';
import { specFromConfig } from './spec.js';

// The shape `terraform output -json` prints.
const outputs = (over: Record<string, unknown> = {}) =>
  JSON.stringify(
    Object.fromEntries(
      Object.entries({
        public_ip: '198.51.100.23',
        ssh_user: 'ubuntu',
        instance_id: 'i-0123456789abcdef0',
        region: 'eu-central-1',
        ...over,
      })
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, { sensitive: false, type: 'string', value: v }]),
    ),
  );

describe('hostFromOutputs', () => {
  it('reads the address, user, instance and region after an apply', () => {
    expect(hostFromOutputs(outputs())).toEqual({
      publicIp: '198.51.100.23',
      sshUser: 'ubuntu',
      instanceId: 'i-0123456789abcdef0',
      region: 'eu-central-1',
    });
  });

  it('names the output that is missing or malformed', () => {
    expect(() => hostFromOutputs(outputs({ public_ip: undefined }))).toThrow(/'public_ip' is missing/);
    expect(() => hostFromOutputs(outputs({ ssh_user: '' }))).toThrow(/'ssh_user'/);
    expect(() => hostFromOutputs(outputs({ public_ip: 'pending' }))).toThrow(/not an IPv4 address/);
    expect(() => hostFromOutputs('{}')).toThrow(/did terraform apply finish/);
  });
});

describe('host rules and first boot', () => {
  const spec = specFromConfig(
    { ...baseConfig('aws'), adminCidrs: ['203.0.113.7/32'], publicCidrs: ['0.0.0.0/0', '::/0'] },
    KEYS.ed25519,
  );

  it('lists the public ports for every public CIDR and SSH for every admin CIDR', () => {
    expect(ingressRules(spec).map((r) => `${r.purpose}:${r.port}:${r.cidr}`)).toEqual([
      'sv2:3336:0.0.0.0/0',
      'sv2:3336:::/0',
      'v1:3333:0.0.0.0/0',
      'v1:3333:::/0',
      'p2p:8115:0.0.0.0/0',
      'p2p:8115:::/0',
      'ssh:22:203.0.113.7/32',
    ]);
  });

  it('writes cloud-init that quotes the key and turns root and password logins off', () => {
    const key = `${KEYS.ed25519}: "quoted" #comment`;
    const text = cloudInit({ ...spec, sshPublicKey: key });
    expect(text.startsWith('#cloud-config\n')).toBe(true);
    expect(parse(text)).toEqual({
      users: [
        {
          name: 'admin',
          groups: ['sudo'],
          shell: '/bin/bash',
          sudo: 'ALL=(ALL) NOPASSWD:ALL',
          lock_passwd: true,
          ssh_authorized_keys: [key],
        },
      ],
      disable_root: true,
      ssh_pwauth: false,
    });
  });
});
