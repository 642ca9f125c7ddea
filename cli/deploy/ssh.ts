/**
 * SSH from the operator's machine: parse `user@host[:port]`, wait until a new host accepts
 * logins, and open a local tunnel to a port bound to the host's loopback (pool API, Grafana).
 * Host keys are pinned per deployment in its own known_hosts file: accepted on first contact
 * (a fresh VM's key cannot be known earlier), enforced afterwards, forgotten by `down`.
 */
import { createServer, connect as netConnect } from 'node:net';
import type { BackgroundProcess, Runner } from '../process/runner.js';
import type { Session } from './context.js';
import { StepFailure } from './context.js';
import type { HostRecord } from './workdir.js';

/** Parses `user@host`, `user@host:port` or `user@[v6addr]:port`. */
export function parseHostSpec(spec: string): { user: string; address: string; port: number } {
  const m = /^([a-z_][a-z0-9_.-]{0,31})@(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?$/.exec(spec.trim());
  if (!m) {
    throw new Error(
      `'${spec}' is not user@host or user@host:port (e.g. root@203.0.113.7 or admin@pool.example:2222)`,
    );
  }
  const port = m[3] === undefined ? 22 : Number(m[3]);
  if (port < 1 || port > 65535) throw new Error(`port ${port} in '${spec}' is not a TCP port (1–65535)`);
  return { user: m[1], address: m[2].replace(/^\[|\]$/g, ''), port };
}

export interface SshTarget {
  host: HostRecord;
  privateKeyPath: string;
  knownHostsPath: string;
}

/** Options every ssh call uses: key auth only, no prompts, this deployment's known_hosts. */
export function sshOptions(t: SshTarget, firstContact: boolean): string[] {
  return [
    '-o',
    'BatchMode=yes',
    '-o',
    'ConnectTimeout=10',
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    `StrictHostKeyChecking=${firstContact ? 'accept-new' : 'yes'}`,
    '-o',
    `UserKnownHostsFile=${t.knownHostsPath}`,
    '-i',
    t.privateKeyPath,
    '-p',
    String(t.host.port),
  ];
}

export function sshDestination(h: HostRecord): string {
  return `${h.user}@${h.address}`;
}

/** Resolves true when a TCP connection to host:port opens within `timeoutMs`. */
export function tcpReachable(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = netConnect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Waits until the host accepts TCP on its SSH port and then an `ssh … true` login (cloud-init
 * may still be creating the user when the port opens). Bounded by the session's SSH timeout.
 */
export async function waitForSsh(s: Session, t: SshTarget): Promise<number> {
  const { sshMs, sshIntervalMs } = s.deps.timeouts;
  const start = Date.now();
  const deadline = start + sshMs;
  let attempt = 0;
  let lastProblem = 'no attempt finished';
  for (;;) {
    attempt += 1;
    if (await tcpReachable(t.host.address, t.host.port, Math.min(10_000, Math.max(200, sshMs)))) {
      const r = await s.deps.runner.run({
        cmd: 'ssh',
        args: [...sshOptions(t, true), sshDestination(t.host), 'true'],
        timeoutMs: 30_000,
        onLine: (line) => s.log.line(`  ssh: ${line}`),
      });
      if (r.notFound) throw new StepFailure('ssh is not installed or not on PATH; install OpenSSH client');
      if (r.exitCode === 0) {
        s.log.line(`SSH login to ${sshDestination(t.host)}:${t.host.port} works (attempt ${attempt})`);
        return attempt;
      }
      lastProblem = `TCP port ${t.host.port} is open but \`ssh ${sshDestination(t.host)} true\` exited with ${r.exitCode}`;
    } else {
      lastProblem = `TCP port ${t.host.port} on ${t.host.address} does not accept connections`;
    }
    s.log.line(`attempt ${attempt}: ${lastProblem}`);
    if (Date.now() + sshIntervalMs > deadline) break;
    await sleep(sshIntervalMs);
  }
  throw new Error(
    `SSH on ${sshDestination(t.host)}:${t.host.port} did not come up within ${Math.round(sshMs / 1000)} s (${lastProblem}). ` +
      'Check that your address is in adminCidrs, that the private key matches ssh.publicKeyPath, and the VM console in the cloud.',
  );
}

/**
 * On a new cloud VM, waits until cloud-init has finished first boot (user, packages, apt
 * locks): Ansible's apt tasks fail while cloud-init still holds the dpkg lock. Hosts without
 * cloud-init return at once.
 */
export const CLOUD_INIT_WAIT =
  'if command -v cloud-init >/dev/null 2>&1; then cloud-init status --wait >/dev/null 2>&1; fi; true';

export async function waitForCloudInit(s: Session, t: SshTarget): Promise<void> {
  await s.tool(
    {
      cmd: 'ssh',
      args: [...sshOptions(t, false), sshDestination(t.host), CLOUD_INIT_WAIT],
      timeoutMs: 15 * 60_000,
    },
    'cloud-init status --wait',
  );
}

/** A free TCP port on 127.0.0.1 (bound and released; the tunnel binds it right after). */
export function freeLocalPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface Tunnel {
  localPort: number;
  close(): Promise<void>;
}

/**
 * `ssh -N -L localPort:127.0.0.1:remotePort`: resolves once the local end accepts connections,
 * rejects (and stops ssh) when it does not within `timeoutMs` or ssh exits first.
 */
export async function openTunnel(
  runner: Runner,
  t: SshTarget,
  remotePort: number,
  timeoutMs = 15_000,
): Promise<Tunnel> {
  const localPort = await freeLocalPort();
  const stderr: string[] = [];
  const proc: BackgroundProcess = runner.start({
    cmd: 'ssh',
    args: [
      '-N',
      '-o',
      'ExitOnForwardFailure=yes',
      ...sshOptions(t, false),
      '-L',
      `${localPort}:127.0.0.1:${remotePort}`,
      sshDestination(t.host),
    ],
    onLine: (line, stream) => {
      if (stream === 'stderr') stderr.push(line);
    },
  });
  let exited = false;
  void proc.exited.then(() => {
    exited = true;
  });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !exited) {
    if (await tcpReachable('127.0.0.1', localPort, 500)) return { localPort, close: () => proc.stop() };
    await sleep(100);
  }
  const r = exited ? await proc.exited : null;
  await proc.stop();
  if (r?.notFound) throw new Error('ssh is not installed or not on PATH; install the OpenSSH client');
  const why = stderr.slice(-3).join(' / ') || (r ? `ssh exited with ${r.exitCode}` : 'timed out');
  throw new Error(`could not open an SSH tunnel to ${sshDestination(t.host)}:${t.host.port} (${why})`);
}
