import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { baseConfig, KEYS } from '../test/support/stack-fixtures.js';
import { ingressRules, ruleId } from './pool-host.js';
import {
  canonicalCidr,
  isCidr,
  MIN_DISK_GB,
  resourceName,
  SpecError,
  type StackConfigInput,
  specFromConfig,
} from './spec.js';

const with_ = (patch: Partial<StackConfigInput>, cloud: 'aws' | 'alicloud' = 'aws') => ({
  ...baseConfig(cloud),
  ...patch,
});
const fieldOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    if (e instanceof SpecError) return e.field;
    throw e;
  }
  throw new Error('expected a SpecError');
};

describe('specFromConfig', () => {
  it('maps the deploy config onto a host spec', () => {
    const spec = specFromConfig(with_({ project: 'My Pool!' }), KEYS.ed25519);
    expect(spec).toEqual({
      project: 'My Pool!',
      name: 'my-pool',
      region: 'eu-central-1',
      instanceSize: 'm6i.large',
      diskGb: 300,
      ports: { sv2: 3336, v1: 3333, p2p: 8115 },
      publicCidrs: ['0.0.0.0/0'],
      adminCidrs: ['203.0.113.7/32'],
      sshPublicKey: KEYS.ed25519,
      sshUser: 'admin',
      chain: 'mainnet',
      state: { backend: 'local' },
    });
  });

  it('opens the public ports to anyone when publicCidrs is not given', () => {
    const { publicCidrs: _, ...rest } = baseConfig('aws');
    expect(specFromConfig(rest, KEYS.rsa).publicCidrs).toEqual(['0.0.0.0/0']);
  });

  it('takes the cloud from the config unless told otherwise', () => {
    expect(() => specFromConfig(with_({ cloud: 'local' }), KEYS.rsa)).toThrow(
      /cloud: 'local' has no cloud stack/,
    );
    expect(specFromConfig(with_({ cloud: 'local' }), KEYS.rsa, 'aws').region).toBe('eu-central-1');
  });

  it('fills remote-state defaults from the project and region', () => {
    const spec = specFromConfig(with_({ state: { backend: 's3', bucket: 'b' } }), KEYS.rsa);
    expect(spec.state).toEqual({
      backend: 's3',
      bucket: 'b',
      key: 'ckb-pool/terraform.tfstate',
      region: 'eu-central-1',
    });
  });

  it('refuses SSH open to the world', () => {
    expect(fieldOf(() => specFromConfig(with_({ adminCidrs: ['0.0.0.0/0'] }), KEYS.rsa))).toBe('adminCidrs');
    expect(fieldOf(() => specFromConfig(with_({ adminCidrs: ['::/0'] }), KEYS.rsa))).toBe('adminCidrs');
    expect(fieldOf(() => specFromConfig(with_({ adminCidrs: [] }), KEYS.rsa))).toBe('adminCidrs');
  });

  it('refuses to publish private service ports or reuse one port twice', () => {
    for (const p of [22, 8114, 3306, 9090, 3000]) {
      expect(fieldOf(() => specFromConfig(with_({ ports: { sv2: p, v1: 3333, p2p: 8115 } }), KEYS.rsa))).toBe(
        'ports.sv2',
      );
    }
    expect(
      fieldOf(() => specFromConfig(with_({ ports: { sv2: 3333, v1: 3333, p2p: 8115 } }), KEYS.rsa)),
    ).toBe('ports');
    expect(
      fieldOf(() => specFromConfig(with_({ ports: { sv2: 3336, v1: 70000, p2p: 8115 } }), KEYS.rsa)),
    ).toBe('ports.v1');
  });

  it('requires an explicit, well-formed region', () => {
    const { region: _unset, ...noRegion } = baseConfig('aws');
    expect(fieldOf(() => specFromConfig(noRegion, KEYS.rsa))).toBe('region');
    expect(fieldOf(() => specFromConfig(with_({ region: 'europe' }), KEYS.rsa))).toBe('region');
    expect(specFromConfig(with_({ region: 'cn-hangzhou' }, 'alicloud'), KEYS.rsa).region).toBe('cn-hangzhou');
  });

  it('sizes the disk for the chain', () => {
    const small = MIN_DISK_GB.mainnet - 1;
    expect(
      fieldOf(() => specFromConfig(with_({ instance: { size: 'medium', diskGb: small } }), KEYS.rsa)),
    ).toBe('instance.diskGb');
    const testnet = with_({ chain: 'testnet', instance: { size: 'small', diskGb: MIN_DISK_GB.testnet } });
    expect(specFromConfig(testnet, KEYS.rsa).diskGb).toBe(MIN_DISK_GB.testnet);
    const huge = with_({ instance: { size: 'large', diskGb: 4096 } }, 'alicloud');
    expect(fieldOf(() => specFromConfig(huge, KEYS.rsa))).toBe('instance.diskGb');
  });

  it("accepts sizes or the cloud's own instance types, not the other cloud's", () => {
    expect(
      specFromConfig(with_({ instance: { size: 'c7i.2xlarge', diskGb: 300 } }), KEYS.rsa).instanceSize,
    ).toBe('c7i.2xlarge');
    const ali = with_({ instance: { size: 'm6i.large', diskGb: 300 } }, 'alicloud');
    expect(fieldOf(() => specFromConfig(ali, KEYS.rsa))).toBe('instance.size');
    const aws = with_({ instance: { size: 'ecs.g7.large', diskGb: 300 } });
    expect(fieldOf(() => specFromConfig(aws, KEYS.rsa))).toBe('instance.size');
  });

  it('wants one OpenSSH public key line and a non-root user', () => {
    expect(fieldOf(() => specFromConfig(baseConfig('aws'), '-----BEGIN OPENSSH PRIVATE KEY-----'))).toBe(
      'ssh.publicKeyPath',
    );
    expect(fieldOf(() => specFromConfig(with_({ ssh: { user: 'root' } }), KEYS.rsa))).toBe('ssh.user');
    expect(specFromConfig(baseConfig('aws'), `${KEYS.rsa}\n`).sshPublicKey).toBe(KEYS.rsa);
  });

  it('keeps each cloud on its own state backend and needs a bucket for remote state', () => {
    expect(fieldOf(() => specFromConfig(with_({ state: { backend: 'oss', bucket: 'b' } }), KEYS.rsa))).toBe(
      'state.backend',
    );
    expect(fieldOf(() => specFromConfig(with_({ state: { backend: 's3' } }), KEYS.rsa))).toBe('state.bucket');
  });
});

describe('names and CIDRs', () => {
  it('derives resource names every cloud accepts', () => {
    expect(resourceName('CKB Pool #1')).toBe('ckb-pool-1');
    expect(resourceName('42-pool')).toBe('pool');
    expect(resourceName('___')).toBe('ckb-pool');
    fc.assert(
      fc.property(fc.string(), (s) => {
        expect(resourceName(s)).toMatch(/^[a-z][a-z0-9-]{0,31}$/);
        expect(resourceName(s)).not.toMatch(/-$/);
      }),
    );
  });

  it('tells CIDRs from other strings', () => {
    for (const ok of ['0.0.0.0/0', '203.0.113.7/32', '10.0.0.0/8', '::/0', '2001:db8::/32'])
      expect(isCidr(ok)).toBe(true);
    for (const bad of [
      '203.0.113.7',
      '256.0.0.0/8',
      '10.0.0.0/33',
      'any',
      '2001:db8::/129',
      '1::2::3/64',
      '010.0.0.0/8',
    ]) {
      expect(isCidr(bad)).toBe(false);
    }
  });

  it('wants network addresses, as cloud firewalls do', () => {
    expect(canonicalCidr('203.0.113.7/24')).toBe('203.0.113.0/24');
    expect(canonicalCidr('203.0.113.7/32')).toBe('203.0.113.7/32');
    expect(canonicalCidr('10.255.1.1/0')).toBe('0.0.0.0/0');
    expect(() => specFromConfig(with_({ publicCidrs: ['198.51.100.77/24'] }), KEYS.rsa)).toThrow(
      /did you mean 198\.51\.100\.0\/24/,
    );
  });

  it('gives every ingress rule a distinct construct id', () => {
    const spec = specFromConfig(
      with_({ publicCidrs: ['0.0.0.0/0', '::/0'], adminCidrs: ['203.0.113.7/32', '2001:db8::/48'] }),
      KEYS.rsa,
    );
    const ids = ingressRules(spec).map(ruleId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(8);
  });
});
