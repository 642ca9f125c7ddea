/**
 * Test support: a deployment folder (config + real secrets + a dummy SSH key pair), a real SV2
 * Noise responder signed by that deployment's authority key, a TCP listener standing in for a
 * host's SSH port, and `DeployDeps` that capture output and use a fake PATH.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acceptSv2 } from 'ckb-pool/sv2/handshake-io';
import { ServerIdentity } from 'ckb-pool/sv2/noise/identity';
import { decodeAuthoritySecret, generateAuthorityKeypair } from 'ckb-pool/sv2/noise/keys';
import { ensureSecrets, readSecrets } from '../../cli/config/secrets.js';
import type { DeployDeps } from '../../cli/deploy/context.js';
import { createRunner } from '../../cli/process/runner.js';
import { TESTNET_ADDRESS } from './config-fixtures.js';

export const TEST_PUBLIC_KEY =
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C7okWi0dh2l9GKJl test@ckb-pool';

export interface Deployment {
  dir: string;
  configPath: string;
  secretsDir: string;
  privateKeyPath: string;
  authorityPublicKey: string;
  authoritySecret: string;
  grafanaPassword: string;
}

export interface DeploymentOptions {
  cloud: 'aws' | 'alicloud' | 'local' | 'ssh';
  region?: string | undefined;
  sv2Port?: number;
  apiPort?: number;
  adminCidrs?: string[];
  extra?: string;
}

/** Writes ckb-pool.yaml and creates the secrets as `init` does. */
export function makeDeployment(o: DeploymentOptions): Deployment {
  const dir = mkdtempSync(join(tmpdir(), 'deploy-'));
  const secretsDir = join(dir, 'secrets');
  ensureSecrets(secretsDir);
  const s = readSecrets(secretsDir);
  writeFileSync(join(dir, 'id_ed25519'), 'not a real key\n', { mode: 0o600 });
  writeFileSync(join(dir, 'id_ed25519.pub'), `${TEST_PUBLIC_KEY}\n`);
  const lines = [
    'project: ckb-pool',
    'chain: testnet',
    `payoutAddress: ${TESTNET_ADDRESS}`,
    `cloud: ${o.cloud}`,
    ...(o.region ? [`region: ${o.region}`] : []),
    'adminCidrs:',
    ...(o.adminCidrs ?? ['203.0.113.7/32']).map((c) => `  - ${c}`),
    'ports:',
    `  sv2: ${o.sv2Port ?? 3336}`,
    '  v1: 3333',
    '  p2p: 8115',
    `  api: ${o.apiPort ?? 8080}`,
    'secretsDir: secrets',
    'ssh:',
    '  publicKeyPath: id_ed25519.pub',
    '  privateKeyPath: id_ed25519',
    ...(o.cloud === 'ssh' ? ['  user: admin', '  host: 127.0.0.1'] : []),
    ...(o.extra ? [o.extra] : []),
  ];
  const configPath = join(dir, 'ckb-pool.yaml');
  writeFileSync(configPath, `${lines.join('\n')}\n`);
  return {
    dir,
    configPath,
    secretsDir,
    privateKeyPath: join(dir, 'id_ed25519'),
    authorityPublicKey: s.authorityPublicKey,
    authoritySecret: s.authoritySecret,
    grafanaPassword: s.grafanaAdminPassword,
  };
}

export interface Listener {
  port: number;
  /** Sockets accepted so far. */
  accepted: number;
  close(): Promise<void>;
}

function listen(onSocket: (s: Socket) => void): Promise<Listener> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    l.accepted += 1;
    onSocket(socket);
  });
  const l: Listener = {
    port: 0,
    accepted: 0,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const addr = server.address();
      l.port = typeof addr === 'object' && addr ? addr.port : 0;
      resolve(l);
    });
  });
}

/** A real SV2 Noise responder whose certificate is signed by `authoritySecret` (base58check). */
export function startSv2Responder(authoritySecret: string): Promise<Listener> {
  const identity = new ServerIdentity({ authoritySecret: decodeAuthoritySecret(authoritySecret) });
  return listen((socket) => {
    acceptSv2(socket, { identity }).catch(() => {});
  });
}

/** A responder signed by some other authority (what a wrong or foreign pool looks like). */
export function startForeignSv2Responder(): Promise<Listener> {
  const identity = new ServerIdentity({ authoritySecret: generateAuthorityKeypair().secret });
  return listen((socket) => {
    acceptSv2(socket, { identity }).catch(() => {});
  });
}

/** Stands in for a host's SSH port: accepts TCP and closes (the fake `ssh` does the login). */
export function startTcpListener(): Promise<Listener> {
  return listen((socket) => socket.end());
}

export interface Captured {
  text: string;
  write(s: string): boolean;
  isTTY: boolean;
}

export function capture(): Captured {
  return {
    text: '',
    isTTY: false,
    write(s: string) {
      this.text += s;
      return true;
    },
  };
}

export interface TestDeps extends DeployDeps {
  out: Captured;
  err: Captured;
}

/** Deps with PATH = only the fake-bin folder, captured output and short timeouts. */
export function testDeps(fakeBinDir: string, over: Partial<DeployDeps> = {}): TestDeps {
  const env: NodeJS.ProcessEnv = {
    PATH: fakeBinDir,
    HOME: fakeBinDir,
    AWS_ACCESS_KEY_ID: 'AKIAFAKEFAKEFAKE',
    AWS_SECRET_ACCESS_KEY: 'fake-aws-secret-access-key-0123456789',
    ALICLOUD_ACCESS_KEY: 'LTAIfakefakefake',
    ALICLOUD_SECRET_KEY: 'fake-alicloud-secret-key-0123456789',
  };
  return {
    runner: createRunner(env),
    out: capture(),
    err: capture(),
    env,
    home: fakeBinDir,
    interactive: false,
    confirm: async () => false,
    timeouts: {
      sshMs: 3_000,
      sshIntervalMs: 50,
      healthMs: 3_000,
      healthIntervalMs: 50,
      verifyMs: 3_000,
      verifyIntervalMs: 50,
    },
    cloudSshPort: 22,
    now: () => new Date(),
    // No registry is reachable from tests: by default the pool image is "published".
    probeImage: async (image: string, platform: string) => ({
      status: 'available' as const,
      detail: `${image} (${platform}) in the test registry`,
    }),
    ...over,
  } as TestDeps;
}

/** `terraform output -json` as the stacks write it. */
export function terraformOutputs(ip: string, user = 'ubuntu', region = 'us-east-1'): string {
  const o = (value: string) => ({ value, type: 'string', sensitive: false });
  return JSON.stringify({
    public_ip: o(ip),
    ssh_user: o(user),
    instance_id: o('i-0123456789abcdef0'),
    region: o(region),
  });
}
