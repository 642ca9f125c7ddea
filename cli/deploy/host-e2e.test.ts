/**
 * `up --host`, `status` and `down --host` for real: a disposable Debian server (systemd + sshd
 * container, ckb-pool-ci/host:bookworm from ci/debian-images.sh), real ssh, real
 * ansible-playbook with the shipped role (Docker from the distribution), the pool image loaded
 * from an archive, and the SV2 handshake from this machine. Slow (minutes) and needs a Docker
 * engine, so it runs only when asked:
 *   CKB_POOL_E2E_HOST=1 CKB_POOL_E2E_POOL_IMAGE=ckb-pool:0.1.0 npx vitest run cli/deploy/host-e2e.test.ts
 * No CKB node image can be pulled here, so the node service runs the pool image too (it exits
 * and restarts); the pool still serves SV2 and its API, which is what `up` verifies.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { TESTNET_ADDRESS } from '../../test/support/config-fixtures.js';
import { capture } from '../../test/support/deploy-fixture.js';
import { runDown } from '../commands/down.js';
import { runStatus } from '../commands/status.js';
import { runUp } from '../commands/up.js';
import { ensureSecrets, readSecrets } from '../config/secrets.js';
import { createRunner } from '../process/runner.js';
import { DEFAULT_TIMEOUTS } from './context.js';

const run = promisify(execFile);
const HOST_IMAGE = process.env.CKB_POOL_E2E_HOST_IMAGE ?? 'ckb-pool-ci/host:bookworm';
const POOL_IMAGE = process.env.CKB_POOL_E2E_POOL_IMAGE ?? '';
const enabled = process.env.CKB_POOL_E2E_HOST === '1' && POOL_IMAGE !== '';
if (!enabled) {
  console.info(
    'host-e2e skipped: set CKB_POOL_E2E_HOST=1 and CKB_POOL_E2E_POOL_IMAGE=<pool image tag> (needs Docker and ' +
      `${HOST_IMAGE} from ci/debian-images.sh host)`,
  );
}

const container = `ckb-pool-e2e-host-${process.pid}`;
afterAll(async () => {
  if (enabled) await run('docker', ['rm', '-f', container]).catch(() => {});
}, 180_000);

function deps() {
  const out = capture();
  const err = capture();
  return {
    out,
    err,
    deps: {
      runner: createRunner(process.env),
      out,
      err,
      env: process.env,
      home: tmpdir(),
      interactive: false,
      confirm: async () => false,
      timeouts: { ...DEFAULT_TIMEOUTS, sshMs: 120_000, verifyMs: 60_000 },
      cloudSshPort: 22,
      now: () => new Date(),
    },
  };
}

describe.skipIf(!enabled)('up --host against a disposable Debian server', () => {
  it('deploys, verifies, repeats, reports status and stops', {
    timeout: 20 * 60_000,
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'host-e2e-'));
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'id_ed25519')]);
    await run('docker', ['save', '-o', join(dir, 'pool-image.tar'), POOL_IMAGE], { maxBuffer: 1 << 20 });
    // The recipe ci/debian-images.sh documents for a systemd container without --privileged.
    await run('docker', [
      'run',
      '-d',
      '--name',
      container,
      '--hostname',
      'poolhost',
      '--cap-add',
      'ALL',
      '--cap-drop',
      'SYS_RESOURCE',
      '--security-opt',
      'seccomp=unconfined',
      '--security-opt',
      'apparmor=unconfined',
      '--stop-signal',
      'SIGRTMIN+3',
      '--tmpfs',
      '/run',
      '--tmpfs',
      '/run/lock',
      '-v',
      '/sys/fs/cgroup:/sys/fs/cgroup:rw',
      '--cgroupns=host',
      HOST_IMAGE,
    ]);
    // systemd needs a moment to boot before units can be started.
    for (let i = 0; i < 60; i++) {
      const state = await run('docker', ['exec', container, 'systemctl', 'is-system-running']).catch(
        (e: { stdout?: string }) => ({ stdout: e.stdout ?? '' }),
      );
      if (/running|degraded/.test(state.stdout)) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const pub = readFileSync(join(dir, 'id_ed25519.pub'), 'utf8');
    await run('docker', [
      'exec',
      container,
      'sh',
      '-c',
      `mkdir -p /root/.ssh && printf '%s' '${pub.trim()}' > /root/.ssh/authorized_keys && chmod 700 /root/.ssh && chmod 600 /root/.ssh/authorized_keys && systemctl start ssh`,
    ]);
    const ip = (
      await run('docker', ['inspect', '-f', '{{.NetworkSettings.IPAddress}}', container])
    ).stdout.trim();

    ensureSecrets(join(dir, 'secrets'));
    const authority = readSecrets(join(dir, 'secrets')).authorityPublicKey;
    const configPath = join(dir, 'ckb-pool.yaml');
    writeFileSync(
      configPath,
      [
        'project: ckb-pool-e2e',
        'chain: testnet',
        `payoutAddress: ${TESTNET_ADDRESS}`,
        'cloud: ssh',
        'instance:',
        '  diskGb: 30',
        'adminCidrs:',
        '  - 172.16.0.0/12',
        'images:',
        `  ckb: ${POOL_IMAGE}`,
        `  pool: ${POOL_IMAGE}`,
        'monitoring:',
        '  enabled: false',
        'ssh:',
        '  publicKeyPath: id_ed25519.pub',
        '  privateKeyPath: id_ed25519',
        '  user: root',
        `  host: ${ip}`,
        '',
      ].join('\n'),
    );
    const args = [
      '--config',
      configPath,
      '--docker-install',
      'distro',
      '--image-archive',
      join(dir, 'pool-image.tar'),
    ];

    const first = deps();
    expect(await runUp(args, first.deps)).toBe(0);
    expect(first.err.text).toBe('');
    expect(first.out.text).toContain(`stratum2+tcp://${ip}:3336/${authority}`);
    expect(first.out.text).toContain('proved the authority key');

    const second = deps();
    expect(await runUp(args, second.deps)).toBe(0);
    const logs = join(dir, '.ckb-pool-deploy', 'ckb-pool-e2e', 'ssh', 'logs');
    const lastLog = readdirSync(logs).sort().at(-1) ?? '';
    // The role's own test asserts changed=0 on a repeat; here the repeat must converge without
    // failures (the first repeat on a fresh host re-copied the bundle once: see team notes).
    expect(readFileSync(join(logs, lastLog), 'utf8')).toMatch(
      /pool-host\s+: ok=\d+\s+changed=\d+\s+unreachable=0\s+failed=0/,
    );

    const status = deps();
    expect(await runStatus(['--config', configPath], status.deps)).toBe(0);
    expect(status.out.text).toContain(`host        root@${ip} (ssh), chain testnet`);

    const down = deps();
    expect(await runDown(['--config', configPath, '--yes'], down.deps)).toBe(0);
    const active = await run('docker', [
      'exec',
      container,
      'systemctl',
      'is-active',
      'ckb-pool.service',
    ]).catch((e: { stdout: string }) => e);
    expect(active.stdout.trim()).toBe('inactive');
  });
});
