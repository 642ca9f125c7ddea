import { describe, expect, it } from 'vitest';
import { fixtures, ingressOf, specFor, synthJson, synthString } from '../test/support/stack-fixtures.js';
import { OUTPUTS } from './pool-host.js';
import { CLOUDS, PRIVATE_PORTS } from './spec.js';

describe.each(CLOUDS)('the %s stack', (cloud) => {
  describe.each(fixtures(cloud).map((f) => [f.name, f] as const))('for %s', (_name, fixture) => {
    const spec = specFor(cloud, fixture);
    const tf = synthJson(cloud, spec);
    const ingress = ingressOf(tf);

    it('opens each public port to exactly the public CIDRs, one port per rule', () => {
      for (const port of [spec.ports.sv2, spec.ports.v1, spec.ports.p2p]) {
        const cidrs = ingress.filter((r) => r.port === port).map((r) => r.cidr);
        expect(cidrs.sort()).toEqual([...spec.publicCidrs].sort());
      }
      for (const r of ingress) expect(r.toPort).toBe(r.port);
    });

    it('allows SSH only from the admin CIDRs', () => {
      const ssh = ingress.filter((r) => r.port <= 22 && r.toPort >= 22).map((r) => r.cidr);
      expect(ssh.sort()).toEqual([...spec.adminCidrs].sort());
      expect(ssh).not.toContain('0.0.0.0/0');
      expect(ssh).not.toContain('::/0');
    });

    it('never opens CKB RPC, MySQL, Prometheus, Grafana or any other port', () => {
      for (const port of [8114, 3306, 9090, 3000, ...PRIVATE_PORTS.filter((p) => p !== 22)]) {
        expect(ingress.filter((r) => r.port <= port && r.toPort >= port)).toEqual([]);
      }
      const allowed = new Set([22, spec.ports.sv2, spec.ports.v1, spec.ports.p2p]);
      for (const r of ingress) expect(allowed.has(r.port)).toBe(true);
      expect(ingress).toHaveLength(3 * spec.publicCidrs.length + spec.adminCidrs.length);
    });

    it('sets the region explicitly on the provider', () => {
      const providerName = cloud === 'aws' ? 'aws' : 'alicloud';
      expect(tf.provider[providerName]).toHaveLength(1);
      expect(tf.provider[providerName][0].region).toBe(spec.region);
    });

    it('outputs public IP, SSH user and instance id, and nothing sensitive', () => {
      expect(Object.keys(tf.output).sort()).toEqual(Object.values(OUTPUTS).sort());
      expect(tf.output[OUTPUTS.sshUser].value).toBe(spec.sshUser);
      expect(tf.output[OUTPUTS.publicIp].value).toMatch(
        /^\$\{[a-z_]+\.[A-Za-z0-9_]+\.(public_ip|ip_address)\}$/,
      );
      expect(tf.output[OUTPUTS.instanceId].value).toMatch(/^\$\{[a-z_]+_instance\.[A-Za-z0-9_]+\.id\}$/);
      for (const o of Object.values<Record<string, unknown>>(tf.output)) expect(o.sensitive).toBeUndefined();
    });

    it('hands the operator key to the login user through cloud-init', () => {
      const instance = Object.values<Record<string, string>>(
        tf.resource[cloud === 'aws' ? 'aws_instance' : 'alicloud_instance'],
      )[0];
      expect(instance.user_data).toContain(`name: "${spec.sshUser}"`);
      expect(instance.user_data).toContain(JSON.stringify(spec.sshPublicKey));
      expect(instance.user_data).toContain('ssh_pwauth: false');
    });

    it('keeps state where the config says', () => {
      const backend = tf.terraform.backend;
      expect(Object.keys(backend)).toEqual([spec.state.backend]);
      if (spec.state.backend !== 'local') {
        expect(backend[spec.state.backend]).toMatchObject({
          bucket: spec.state.bucket,
          key: spec.state.key,
          region: spec.state.region,
          encrypt: true,
        });
      }
    });

    it('synthesizes the same bytes every time (snapshot)', () => {
      const text = synthString(cloud, spec);
      expect(synthString(cloud, spec)).toBe(text);
      expect(text).toMatchSnapshot();
    });
  });
});
