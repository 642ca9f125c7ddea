import { describe, expect, it } from 'vitest';
import { parseAnsibleCoreVersion } from './ansible.js';
import { Progress } from './progress.js';
import { parseHostSpec } from './ssh.js';
import { compareVersions, parseTerraformVersion } from './terraform.js';

describe('parseHostSpec', () => {
  it('reads user@host with an optional port, IPv6 in brackets', () => {
    expect(parseHostSpec('root@203.0.113.7')).toEqual({ user: 'root', address: '203.0.113.7', port: 22 });
    expect(parseHostSpec('admin@pool.example.org:2222')).toEqual({
      user: 'admin',
      address: 'pool.example.org',
      port: 2222,
    });
    expect(parseHostSpec('ubuntu@[2001:db8::7]:22')).toEqual({
      user: 'ubuntu',
      address: '2001:db8::7',
      port: 22,
    });
  });

  it('explains what it expected', () => {
    expect(() => parseHostSpec('203.0.113.7')).toThrow(/user@host/);
    expect(() => parseHostSpec('root@203.0.113.7:70000')).toThrow(/not a TCP port/);
    expect(() => parseHostSpec('root@host;rm -rf /')).toThrow(/user@host/);
  });
});

describe('tool versions', () => {
  it('reads terraform version -json and the plain form', () => {
    expect(parseTerraformVersion('{"terraform_version":"1.11.4"}')).toEqual([1, 11, 4]);
    expect(parseTerraformVersion('Terraform v1.5.7\non linux_amd64')).toEqual([1, 5, 7]);
    expect(parseTerraformVersion('garbage')).toBeNull();
    expect(compareVersions([1, 10, 0], [1, 5, 0])).toBeGreaterThan(0);
    expect(compareVersions([2, 19, 9], [2, 20])).toBeLessThan(0);
  });

  it('reads ansible-core from ansible-playbook --version', () => {
    expect(parseAnsibleCoreVersion('ansible-playbook [core 2.14.18]\n  config file = None')).toEqual([
      2, 14, 18,
    ]);
    expect(parseAnsibleCoreVersion('ansible-playbook 2.9.27\n')).toEqual([2, 9, 27]);
  });
});

describe('Progress', () => {
  it('prints plain step lines without a terminal', () => {
    let out = '';
    let t = 0;
    const p = new Progress({ write: (s: string) => (out += s), isTTY: false }, () => t);
    p.start('terraform apply');
    p.line('aws_instance.host: Still creating...');
    t = 75_000;
    p.succeed('done');
    expect(out).toBe('==> terraform apply\n    ok (1m15s) — done\n');
  });

  it('redraws one spinner line with the latest output on a terminal', () => {
    let out = '';
    const p = new Progress({ write: (s: string) => (out += s), isTTY: true, columns: 80 }, () => 0);
    p.start('wait for SSH');
    p.fail();
    expect(out).toContain('\r\x1b[2K⠋ wait for SSH (0s)');
    expect(out.endsWith('✖ wait for SSH (0s)\n')).toBe(true);
  });
});
