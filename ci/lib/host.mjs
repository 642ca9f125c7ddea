// A disposable Debian 12 "server" on this machine: systemd + sshd in a container with its own
// Docker storage, reached only through ports published on 127.0.0.1. `--privileged` is not
// available everywhere (it needs CAP_SYS_RESOURCE), so the container gets every capability but
// that one, unconfined seccomp/AppArmor, all devices and the cgroup tree — what systemd and a
// nested dockerd need.
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { $ } from 'zx';
import { IMAGE } from './docker.mjs';
import { info, waitFor } from './steps.mjs';

$.verbose = false;
$.quiet = true;

/**
 * Starts the host container `name` (Docker storage in the volume `volume`) and returns how to
 * reach it over SSH as root with a fresh ed25519 key. `publish` lists extra TCP ports to
 * publish as 127.0.0.1:port → port.
 */
export async function startHost({ name, volume, work, sshPort, publish = [] }) {
  // sshd listens on sshPort inside too: the host's firewall opens exactly ckb_pool_ssh_port, so
  // the port the controller dials must be the port sshd serves (no translation in between).
  const ports = [sshPort, ...publish].flatMap((p) => ['-p', `127.0.0.1:${p}:${p}`]);
  await $`docker volume create ${volume}`;
  const run = [
    ...['-d', '--name', name, '--hostname', name],
    ...['--cap-add', 'ALL', '--cap-drop', 'SYS_RESOURCE'],
    ...['--security-opt', 'seccomp=unconfined', '--security-opt', 'apparmor=unconfined'],
    ...['--device-cgroup-rule', 'a *:* rwm', '--stop-signal', 'SIGRTMIN+3'],
    ...['--tmpfs', '/run', '--tmpfs', '/run/lock', '-v', '/sys/fs/cgroup:/sys/fs/cgroup:rw'],
    ...['-v', `${volume}:/var/lib/docker`, ...ports, IMAGE.host],
  ];
  await $`docker run ${run}`;
  const key = join(work, `${name}-id_ed25519`);
  await $`ssh-keygen -q -t ed25519 -N ${''} -C ${`ckb-pool-ci@${name}`} -f ${key}`;
  await waitFor(
    'systemd in the host container',
    async () => {
      const out = await $`docker exec ${name} systemctl is-system-running`.nothrow();
      return ['running', 'degraded'].includes(out.stdout.trim());
    },
    { timeoutMs: 90_000, intervalMs: 1000 },
  );
  await $`docker exec ${name} sh -c ${'install -d -m 0700 /root/.ssh'}`;
  const sshdConf = `Port 22\nPort ${sshPort}\n`;
  await $`docker exec ${name} sh -c ${`printf '${sshdConf}' >/etc/ssh/sshd_config.d/ckb-pool-ci.conf && systemctl restart ssh`}`;
  await $`docker cp ${`${key}.pub`} ${`${name}:/root/.ssh/authorized_keys`}`;
  await $`docker exec ${name} sh -c ${'chown root:root /root/.ssh/authorized_keys && chmod 0600 /root/.ssh/authorized_keys'}`;
  const knownHosts = join(work, `${name}-known_hosts`);
  writeFileSync(knownHosts, '');
  chmodSync(knownHosts, 0o600);
  const sshArgs = [
    '-p',
    String(sshPort),
    '-i',
    key,
    '-o',
    `UserKnownHostsFile=${knownHosts}`,
    '-o',
    'StrictHostKeyChecking=accept-new',
    '-o',
    'BatchMode=yes',
    '-o',
    'ConnectTimeout=5',
  ];
  await waitFor(
    'sshd in the host container',
    async () => (await $`ssh ${sshArgs} root@127.0.0.1 true`.nothrow()).exitCode === 0,
    {
      timeoutMs: 60_000,
      intervalMs: 1000,
    },
  );
  // The address the host sees SSH coming from (the bridge gateway): the admin CIDR its firewall
  // must let in. Only used for that rule; all traffic goes through 127.0.0.1.
  const gateway = (
    await $`docker inspect --format ${'{{range .NetworkSettings.Networks}}{{.Gateway}}{{end}}'} ${name}`
  ).stdout.trim();
  info(`host ${name}: ssh root@127.0.0.1 -p ${sshPort}; SSH arrives from ${gateway}`);
  const ssh = (command) => $`ssh ${sshArgs} root@127.0.0.1 ${command}`;
  return { name, volume, key, knownHosts, sshPort, sshArgs, gateway, ssh };
}

/** Removes the host container and its Docker volume; returns what could not be removed. */
export async function removeHost(host) {
  await $`docker rm -f -v ${host.name}`.nothrow();
  await $`docker volume rm -f ${host.volume}`.nothrow();
  const left = [];
  if ((await $`docker container inspect ${host.name}`.nothrow()).exitCode === 0)
    left.push(`container ${host.name}`);
  if ((await $`docker volume inspect ${host.volume}`.nothrow()).exitCode === 0)
    left.push(`volume ${host.volume}`);
  return left;
}
