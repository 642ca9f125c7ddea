/**
 * `up --cloud local`, `status` and the SV2 verification against a real in-process pool (dev
 * chain → `startPool`): only Docker and ssh are fakes, at the process boundary. The fake
 * `ssh -N -L` really forwards, so `status` for a remote host reads the real API through it.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type Devnet, startDevnet } from 'ckb-pool/devnet/index';
import { parseConfig } from 'ckb-pool/pool/config';
import { type RunningPool, startPool } from 'ckb-pool/pool/server';
import { decodeAuthoritySecret } from 'ckb-pool/sv2/noise/keys';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Deployment, makeDeployment, testDeps } from '../../test/support/deploy-fixture.js';
import { FakeBin } from '../../test/support/fake-bin.js';
import { runDown } from '../commands/down.js';
import { runStatus } from '../commands/status.js';
import { runUp } from '../commands/up.js';
import { DEFAULT_IMAGES } from '../config/fields.js';
import { createRunner } from '../process/runner.js';
import { verifySv2Handshake } from './verify.js';
import { readState, workDir, writeState } from './workdir.js';

let devnet: Devnet;
let pool: RunningPool;
let d: Deployment;
let sv2Port: number;
let apiPort: number;

beforeAll(async () => {
  d = makeDeployment({ cloud: 'local' });
  devnet = await startDevnet({ rpcPort: 0 });
  pool = await startPool(
    parseConfig({
      chain: 'dev',
      node: { rpcUrl: devnet.rpcUrl, subscribeAddress: devnet.subscribeAddress, pollIntervalMs: 200 },
      sv2: { listen: '127.0.0.1:0', authorityKeyFile: '/nonexistent' },
      api: { listen: '127.0.0.1:0' },
      ledger: { path: join(mkdtempSync(join(tmpdir(), 'ledger-')), 'ledger.sqlite'), flushIntervalMs: 50 },
      jobs: { minUpdateIntervalMs: 0 },
    }),
    { logger: pino({ level: 'silent' }), authoritySecret: decodeAuthoritySecret(d.authoritySecret) },
  );
  await pool.waitForJob();
  sv2Port = Number(pool.sv2Address.split(':').pop());
  apiPort = Number(new URL(pool.apiUrl).port);
  const text = readFileSync(d.configPath, 'utf8')
    .replace(/ {2}sv2: \d+/, `  sv2: ${sv2Port}`)
    .replace(/ {2}api: \d+/, `  api: ${apiPort}`);
  writeFileSync(d.configPath, text);
}, 60_000);

afterAll(async () => {
  await pool?.close();
  await devnet?.close();
});

describe('verifySv2Handshake against a real pool', () => {
  it('completes the Noise handshake against the deployment authority key', async () => {
    const attempts = await verifySv2Handshake({
      host: '127.0.0.1',
      port: sv2Port,
      authorityPubkey: d.authorityPublicKey,
      totalMs: 5_000,
      intervalMs: 50,
    });
    expect(attempts).toBe(1);
  });

  it('refuses at once when the pool is signed by a different authority', async () => {
    const other = makeDeployment({ cloud: 'local' });
    const problems: string[] = [];
    await expect(
      verifySv2Handshake({
        host: '127.0.0.1',
        port: sv2Port,
        authorityPubkey: other.authorityPublicKey,
        totalMs: 5_000,
        intervalMs: 50,
        onAttempt: (_n, p) => problems.push(p),
      }),
    ).rejects.toThrow(/not signed by this deployment's authority key/);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^wrong-authority/);
  });
});

/** `compose config` of a bundle whose override keeps Grafana from starting (as CI's does). */
const COMPOSE_CONFIG = `services:
  ckb:
    image: ${DEFAULT_IMAGES.ckb}
  pool:
    image: ${DEFAULT_IMAGES.pool}
  translator:
    image: ${DEFAULT_IMAGES.pool}
  grafana:
    image: ${DEFAULT_IMAGES.grafana}
    profiles:
    - not-started
`;

describe('up --cloud local', () => {
  it('renders, starts the bundle with docker-compose v1 when v2 is missing, waits for the API and verifies', async () => {
    const fake = FakeBin.create(['docker', 'docker-compose']).rules([
      { match: 'docker compose', exit: 1, stderr: "docker: 'compose' is not a docker command.\n" },
      { match: 'docker-compose version', stdout: 'docker-compose version 1.29.2\n' },
      { match: 'docker-compose', contains: ' config', stdout: COMPOSE_CONFIG },
      { match: 'docker-compose', stdout: 'Creating ckb-pool_pool_1 ... done\n' },
    ]);
    const deps = testDeps(fake.dir);
    const code = await runUp(['--config', d.configPath, '--cloud', 'local'], deps);
    expect(deps.err.text).toBe('');
    expect(code).toBe(0);
    const work = workDir(d.configPath, 'ckb-pool', 'local');
    expect(fake.commandLines()).toEqual([
      'docker compose version',
      'docker-compose version',
      `docker-compose --project-directory ${work.bundle} -p ckb-pool config`,
      // Each image once (pool and translator share one); grafana's profile is not enabled.
      `docker image inspect --format {{.Id}} ${DEFAULT_IMAGES.ckb}`,
      `docker image inspect --format {{.Id}} ${DEFAULT_IMAGES.pool}`,
      `docker-compose --project-directory ${work.bundle} -p ckb-pool up -d --remove-orphans`,
    ]);
    expect(fake.calls()[5].cwd).toBe(work.bundle);
    expect(deps.out.text).toContain('2 present');
    expect(readFileSync(join(work.bundle, 'compose.yaml'), 'utf8')).toContain(`${sv2Port}:${sv2Port}`);
    expect(deps.out.text).toContain(`stratum2+tcp://127.0.0.1:${sv2Port}/${d.authorityPublicKey}`);
    expect(deps.out.text).toContain('stratum+tcp://127.0.0.1:3333');
    expect(deps.out.text).toContain('open http://127.0.0.1:3000');
  });

  it('uses docker compose v2 when it exists, and down stops it; --purge needs confirmation', async () => {
    const fake = FakeBin.create(['docker', 'docker-compose']).rules([
      { match: 'docker compose version', stdout: 'Docker Compose version v2.29.7\n' },
    ]);
    const deps = testDeps(fake.dir);
    expect(await runUp(['--config', d.configPath, '--cloud', 'local'], deps)).toBe(0);
    const work = workDir(d.configPath, 'ckb-pool', 'local');
    const composeArgs = `--project-directory ${work.bundle} -p ckb-pool`;
    expect(fake.commandLines()).toEqual([
      'docker compose version',
      `docker compose ${composeArgs} config`,
      `docker compose ${composeArgs} up -d --remove-orphans`,
    ]);

    expect(await runDown(['--config', d.configPath, '--cloud', 'local'], deps)).toBe(0);
    expect(fake.commandLines().at(-1)).toBe(`docker compose ${composeArgs} down --remove-orphans`);

    const before = fake.calls().length;
    const refused = testDeps(fake.dir);
    expect(await runDown(['--config', d.configPath, '--cloud', 'local', '--purge'], refused)).toBe(1);
    expect(refused.err.text).toMatch(/DELETES its volumes.*re-run with --yes/s);
    expect(fake.calls()).toHaveLength(before);

    const declined = testDeps(fake.dir, { interactive: true, confirm: async () => false });
    expect(await runDown(['--config', d.configPath, '--cloud', 'local', '--purge'], declined)).toBe(1);
    expect(declined.out.text).toContain('Nothing changed.');
    expect(fake.calls()).toHaveLength(before);

    expect(await runDown(['--config', d.configPath, '--cloud', 'local', '--purge', '--yes'], deps)).toBe(0);
    expect(fake.commandLines().at(-1)).toBe(`docker compose ${composeArgs} down --remove-orphans --volumes`);
  });

  it('stops before starting anything when a third-party image can be neither found nor pulled, naming it, its registry and the remedies', async () => {
    const fake = FakeBin.create(['docker', 'docker-compose']).rules([
      { match: 'docker compose version', stdout: 'Docker Compose version v2.29.7\n' },
      { match: 'docker compose', contains: ' config', stdout: COMPOSE_CONFIG },
      { match: `docker image inspect --format {{.Id}} ${DEFAULT_IMAGES.ckb}`, exit: 1 },
      {
        match: `docker pull ${DEFAULT_IMAGES.ckb}`,
        exit: 1,
        stderr:
          'Error response from daemon: Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io: no such host\n',
      },
    ]);
    const deps = testDeps(fake.dir);
    expect(await runUp(['--config', d.configPath, '--cloud', 'local'], deps)).toBe(1);
    expect(deps.err.text).toContain(
      `${DEFAULT_IMAGES.ckb} (service ckb, images.ckb) from Docker Hub (docker.io): Error response from daemon`,
    );
    expect(deps.err.text).toContain('up --image-archive images.tar.gz');
    expect(deps.err.text).toContain('mirror');
    expect(fake.commandLines().some((l) => l.includes(' up -d'))).toBe(false);
    expect(fake.commandLines().some((l) => l.includes(DEFAULT_IMAGES.grafana))).toBe(false);
  });

  it('builds the pool image from the installed ckb-pool when it cannot be pulled, and says so', async () => {
    const fake = FakeBin.create(['docker', 'docker-compose']).rules([
      { match: 'docker compose version', stdout: 'Docker Compose version v2.29.7\n' },
      { match: 'docker compose', contains: ' config', stdout: COMPOSE_CONFIG },
      { match: `docker image inspect --format {{.Id}} ${DEFAULT_IMAGES.pool}`, exit: 1 },
      { match: `docker pull ${DEFAULT_IMAGES.pool}`, exit: 1, stderr: 'manifest unknown\n' },
    ]);
    const base = testDeps(fake.dir);
    // npm is real: the build context holds the installed package as npm packs it.
    const PATH = [fake.dir, dirname(process.execPath), '/usr/bin', '/bin'].join(':');
    const deps = { ...base, runner: createRunner({ ...base.env, PATH }) };
    const code = await runUp(
      ['--config', d.configPath, '--cloud', 'local', '--node-image', 'mirror.example/node:22'],
      deps,
    );
    expect(deps.err.text).toBe('');
    expect(code).toBe(0);
    const lines = fake.commandLines();
    const build = lines.findIndex((l) =>
      l.startsWith(`docker build -t ${DEFAULT_IMAGES.pool} --build-arg NODE_IMAGE=mirror.example/node:22 /`),
    );
    expect(build).toBeGreaterThan(lines.indexOf(`docker pull ${DEFAULT_IMAGES.pool}`));
    expect(build).toBeLessThan(lines.findIndex((l) => l.includes(' up -d')));
    expect(deps.out.text).toContain(
      `${DEFAULT_IMAGES.pool} cannot be pulled (manifest unknown); building it from the installed ckb-pool`,
    );
    expect(deps.out.text).toContain(`built ${DEFAULT_IMAGES.pool} from the installed ckb-pool`);
  });
});

describe('status', () => {
  it('reads pool height, node tip, workers and blocks from the local pool API', async () => {
    const deps = testDeps(FakeBin.create([]).dir);
    expect(await runStatus(['--config', d.configPath, '--cloud', 'local'], deps)).toBe(0);
    const tip = (await (await fetch(`${pool.apiUrl}/api/v1/pool`)).json()) as {
      nodeTip: string;
      height: string;
    };
    expect(deps.out.text).toContain(`height      pool ${tip.height} / node tip ${tip.nodeTip} (in step)`);
    expect(deps.out.text).toMatch(/ready {7}(yes|no: )/);
    expect(deps.out.text).toContain('workers     0 online');
    expect(deps.out.text).toContain('blocks      none found yet');
  });

  it('reaches a remote pool through an SSH tunnel to the recorded host', async () => {
    const fake = FakeBin.create(['ssh']).rules([{ match: 'ssh -N', forward: true }]);
    const work = workDir(d.configPath, 'ckb-pool', 'aws');
    writeState(work, {
      target: 'aws',
      host: { address: '198.51.100.9', user: 'ubuntu', port: 22, region: 'us-east-1' },
      completed: {},
    });
    const deps = testDeps(fake.dir);
    expect(await runStatus(['--config', d.configPath, '--cloud', 'aws'], deps)).toBe(0);
    const [call] = fake.calls();
    expect(call.args).toEqual([
      '-N',
      '-o',
      'ExitOnForwardFailure=yes',
      '-o',
      'BatchMode=yes',
      '-o',
      'ConnectTimeout=10',
      '-o',
      'IdentitiesOnly=yes',
      '-o',
      'StrictHostKeyChecking=yes',
      '-o',
      `UserKnownHostsFile=${work.knownHosts}`,
      '-i',
      d.privateKeyPath,
      '-p',
      '22',
      '-L',
      expect.stringMatching(new RegExp(`^\\d+:127\\.0\\.0\\.1:${apiPort}$`)),
      'ubuntu@198.51.100.9',
    ]);
    expect(deps.out.text).toContain('host        ubuntu@198.51.100.9 (aws us-east-1), chain dev');
    expect(deps.out.text).toMatch(/height {6}pool \d+ \/ node tip \d+/);
    expect(readState(work, 'aws').host?.address).toBe('198.51.100.9');
  });

  it('says what to do when no deployment is recorded or the tunnel fails', async () => {
    const fake = FakeBin.create(['ssh']).rules([{ match: 'ssh', exit: 255, stderr: 'Connection refused\n' }]);
    const none = testDeps(fake.dir);
    expect(await runStatus(['--config', d.configPath, '--cloud', 'alicloud'], none)).toBe(1);
    expect(none.err.text).toContain('run `ckb-pool-deploy up` first');
    const failing = testDeps(fake.dir);
    expect(await runStatus(['--config', d.configPath, '--host', 'root@198.51.100.10'], failing)).toBe(1);
    expect(failing.err.text).toContain(
      'could not open an SSH tunnel to root@198.51.100.10:22 (Connection refused)',
    );
  });
});
