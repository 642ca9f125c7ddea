import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const TEMPLATES = new URL('../ansible/roles/ckb_pool/templates/', import.meta.url);
const firewall = readFileSync(new URL('ckb-pool-firewall.service.j2', TEMPLATES), 'utf8');

/** `key=value` lines of one [section] of a unit file (repeated keys kept in order). */
function section(unit: string, name: string): [string, string][] {
  const body = unit.split(/^\[/m).find((s) => s.startsWith(`${name}]`)) ?? '';
  return body
    .split('\n')
    .slice(1)
    .filter((l) => /^[A-Za-z]+=/.test(l))
    .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]);
}
const values = (unit: string, sec: string, key: string) =>
  section(unit, sec)
    .filter(([k]) => k === key)
    .flatMap(([, v]) => v.split(/\s+/));

// verify also checks that ExecStart's program exists, so it needs nft (Debian's nftables).
const hasAnalyze = spawnSync('systemd-analyze', ['--version']).status === 0;
const canVerify = hasAnalyze && existsSync('/usr/sbin/nft');
if (!canVerify) {
  process.stdout.write(
    `SKIP systemd-analyze verify of the firewall unit: ${hasAnalyze ? '/usr/sbin/nft is missing (apt-get install nftables)' : 'systemd-analyze is not installed'}\n`,
  );
}

describe('the host firewall unit', () => {
  it('orders itself before the network like Debian’s nftables.service, without default dependencies', () => {
    // Default dependencies add After=sysinit.target basic.target; with Before=network-pre.target
    // that is a cycle with cloud-init, and systemd drops a unit of the cycle at boot.
    expect(values(firewall, 'Unit', 'DefaultDependencies')).toEqual(['no']);
    expect(values(firewall, 'Unit', 'Before')).toEqual(
      expect.arrayContaining(['network-pre.target', 'shutdown.target']),
    );
    expect(values(firewall, 'Unit', 'Wants')).toContain('network-pre.target');
    expect(values(firewall, 'Unit', 'Conflicts')).toContain('shutdown.target');
    expect(values(firewall, 'Unit', 'After')).toEqual([]);
  });

  it.skipIf(!canVerify)('passes systemd-analyze verify', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ckb-pool-units-'));
    const file = join(dir, 'ckb-pool-firewall.service');
    writeFileSync(file, firewall.replace('{{ ansible_managed }}', 'managed by Ansible'));
    const r = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8' });
    expect(`${r.stdout}${r.stderr}`.trim()).toBe('');
    expect(r.status).toBe(0);
  });
});
