/**
 * How `up` gets the pool image to a host that cannot pull it: the registry is asked first,
 * then this machine's Docker builds and ships it, else the role is handed a build context.
 * Docker, ssh and ansible-playbook are fakes at the process boundary; npm, tar and gzip are
 * real, so the archive and the build context are the files the role would receive.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type Deployment,
  type Listener,
  makeDeployment,
  startSv2Responder,
  startTcpListener,
  type TestDeps,
  testDeps,
} from '../../test/support/deploy-fixture.js';
import { FakeBin, type FakeRule } from '../../test/support/fake-bin.js';
import { runUp } from '../commands/up.js';
import { DEFAULT_IMAGES } from '../config/fields.js';
import { createRunner } from '../process/runner.js';
import { workDir } from './workdir.js';

const POOL = DEFAULT_IMAGES.pool;
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Host {
  d: Deployment;
  sshd: Listener;
}

async function host(): Promise<Host> {
  const sshd = await startTcpListener();
  const draft = makeDeployment({ cloud: 'ssh' });
  const sv2 = await startSv2Responder(draft.authoritySecret);
  cleanups.push(
    () => sshd.close(),
    () => sv2.close(),
  );
  writeFileSync(
    draft.configPath,
    readFileSync(draft.configPath, 'utf8').replace(/ {2}sv2: \d+/, `  sv2: ${sv2.port}`),
  );
  return { d: draft, sshd };
}

/** Fakes first on PATH, then node/npm, tar, gzip and sh as they are. */
function depsWith(fake: FakeBin, over: Partial<TestDeps> = {}): TestDeps {
  const base = testDeps(fake.dir, over);
  const PATH = [fake.dir, dirname(process.execPath), '/usr/bin', '/bin'].join(':');
  return { ...base, runner: createRunner({ ...base.env, PATH }), ...over } as TestDeps;
}

const HOST_RULES: FakeRule[] = [
  { match: 'ansible-playbook --version', stdout: 'ansible-playbook [core 2.14.18]\n' },
  { match: 'ssh', contains: 'uname -m', stdout: 'aarch64\n' },
  { match: 'ssh -N', exit: 255, stderr: 'no tunnel here\n' },
  { match: 'ansible-playbook', stdout: 'PLAY RECAP\n' },
];

async function upHost(h: Host, deps: TestDeps, extra: string[] = []): Promise<Record<string, unknown>> {
  const code = await runUp(
    ['--config', h.d.configPath, '--host', `admin@127.0.0.1:${h.sshd.port}`, ...extra],
    deps,
  );
  expect(deps.err.text).toBe('');
  expect(code).toBe(0);
  return JSON.parse(readFileSync(workDir(h.d.configPath, 'ckb-pool', 'ssh').extraVars, 'utf8'));
}

describe('up --host: the pool image', () => {
  it('leaves the pull to the host when the registry has the image for its architecture', async () => {
    const h = await host();
    const fake = FakeBin.create(['ansible-playbook', 'ssh', 'docker']).rules(HOST_RULES);
    const asked: string[] = [];
    const deps = depsWith(fake, {
      probeImage: async (image, platform) => {
        asked.push(`${image} ${platform}`);
        return { status: 'available', detail: 'published' };
      },
    });
    const vars = await upHost(h, deps);
    expect(asked).toEqual([`${POOL} linux/arm64`]);
    expect(vars.ckb_pool_image_archives).toEqual([]);
    expect(vars.ckb_pool_pool_image_build).toEqual({});
    expect(fake.commandLines().filter((l) => l.startsWith('docker'))).toEqual([]);
    expect(deps.out.text).toContain('the host pulls it from ghcr.io');
  });

  it('builds it here for the host’s architecture and ships it as an archive when the registry lacks it', async () => {
    const h = await host();
    const inspect = `docker image inspect --format {{.Os}}/{{.Architecture}} {{.Id}} ${POOL}`;
    const fake = FakeBin.create(['ansible-playbook', 'ssh', 'docker']).rules([
      ...HOST_RULES,
      { match: 'docker info --format {{.ServerVersion}}', stdout: '28.2.2\n' },
      { match: 'docker info --format {{.Architecture}}', stdout: 'x86_64\n' },
      // Here only for this machine's own architecture until the build makes the arm64 one.
      { match: inspect, times: 1, stdout: 'linux/amd64 sha256:aaaa\n' },
      { match: inspect, stdout: 'linux/arm64 sha256:bbbb\n' },
    ]);
    const deps = depsWith(fake, {
      probeImage: async () => ({ status: 'missing', detail: `${POOL} does not exist` }),
    });
    const vars = await upHost(h, deps, ['--node-image', 'mirror.example/node:22-bookworm-slim']);

    const build = fake.commandLines().find((l) => l.startsWith('docker build'));
    expect(build).toMatch(
      new RegExp(
        `^docker build -t ${POOL.replace(/[.]/g, '\\.')} --platform linux/arm64 --build-arg NODE_IMAGE=mirror\\.example/node:22-bookworm-slim /`,
      ),
    );
    const context = (build ?? '').split(' ').pop() ?? '';
    expect(existsSync(context)).toBe(false); // the temporary build context is removed
    const archives = vars.ckb_pool_image_archives as string[];
    expect(archives).toHaveLength(1);
    expect(archives[0]).toMatch(/ckb-pool_0\.1\.0-linux-arm64\.tar\.gz$/);
    // Made by the real `docker save … | gzip` pipeline (the fake docker writes no bytes).
    expect(readFileSync(archives[0]).subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    expect(readFileSync(`${archives[0]}.id`, 'utf8')).toBe('sha256:bbbb');
    expect(deps.out.text).toMatch(/cannot be pulled .*does not exist/);
    expect(deps.out.text).toContain('built on this machine from the installed ckb-pool, shipped to the host');

    // The second run: the image is here for arm64 with the same id, so nothing is built or saved.
    const again = depsWith(fake, {
      probeImage: async () => ({ status: 'missing', detail: `${POOL} does not exist` }),
    });
    const vars2 = await upHost(h, again);
    expect(vars2.ckb_pool_image_archives).toEqual(archives);
    const count = (prefix: string) => fake.commandLines().filter((l) => l.startsWith(prefix)).length;
    expect(count('docker build')).toBe(1);
    expect(count('docker save')).toBe(1);
    expect(again.out.text).toContain('taken from this machine’s Docker, shipped to the host');
  });

  it('hands the role a build context when Docker does not run here', async () => {
    const h = await host();
    const fake = FakeBin.create(['ansible-playbook', 'ssh', 'docker']).rules([
      ...HOST_RULES,
      { match: 'docker info', exit: 1, stderr: 'Cannot connect to the Docker daemon\n' },
    ]);
    const deps = depsWith(fake, {
      probeImage: async () => ({ status: 'unreachable', detail: 'ghcr.io did not answer (ENOTFOUND)' }),
    });
    const vars = await upHost(h, deps, ['--node-image', 'mirror.example/node:22']);
    const build = vars.ckb_pool_pool_image_build as { image: string; context: string; build_args: string[] };
    expect(build.image).toBe(POOL);
    expect(build.build_args).toEqual(['NODE_IMAGE=mirror.example/node:22']);
    expect(readdirSync(build.context).sort()).toEqual(['Dockerfile', 'ckb-pool.tgz']);
    // The tarball is the installed package as npm packs it: package.json names ckb-pool.
    const listing = execFileSync('tar', ['-tzf', join(build.context, 'ckb-pool.tgz')], { encoding: 'utf8' });
    expect(listing.split('\n')).toContain('package/package.json');
    expect(vars.ckb_pool_image_archives).toEqual([]);
    expect(deps.out.text).toContain('is built on the host from the installed ckb-pool');
  });

  it('asks no registry when the operator’s own --image-archive holds the pool image', async () => {
    const h = await host();
    const dir = mkdtempSync(join(tmpdir(), 'archive-'));
    writeFileSync(
      join(dir, 'manifest.json'),
      JSON.stringify([{ RepoTags: [POOL, 'prom/prometheus:v3.5.0'] }]),
    );
    const archive = join(dir, 'images.tar');
    execFileSync('tar', ['-cf', archive, '-C', dir, 'manifest.json']);
    const fake = FakeBin.create(['ansible-playbook', 'ssh', 'docker']).rules(HOST_RULES);
    const deps = depsWith(fake, {
      probeImage: async () => {
        throw new Error('the registry must not be asked');
      },
    });
    const vars = await upHost(h, deps, ['--image-archive', archive]);
    expect(vars.ckb_pool_image_archives).toEqual([archive]);
    expect(vars.ckb_pool_pool_image_build).toEqual({});
    expect(deps.out.text).toContain(`${POOL} from your archive ${archive}`);
  });
});
