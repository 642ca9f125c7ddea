// Docker plumbing shared by ci/docker-e2e.mjs and ci/ansible-e2e.mjs: the engine, the local
// images (no image registry is reachable in CI), compose, and free ports.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { $ } from 'zx';
import { forbiddenFiles, packages } from './packed.mjs';
import { info, waitFor } from './steps.mjs';

$.verbose = false;
$.quiet = true;

export const ROOT = new URL('../..', import.meta.url).pathname.replace(/\/$/, '');

export const IMAGE = {
  debian: 'ckb-pool-ci/debian:bookworm',
  node: 'ckb-pool-ci/node:bookworm',
  host: 'ckb-pool-ci/host:bookworm',
  prometheus: 'ckb-pool-ci/prometheus:debian',
  alertmanager: 'ckb-pool-ci/alertmanager:debian',
  nodeExporter: 'ckb-pool-ci/node-exporter:debian',
};

const have = async (cmd) => (await $`command -v ${cmd}`.nothrow()).exitCode === 0;

const dockerAnswers = async () => (await $`docker info --format {{.ServerVersion}}`.nothrow()).exitCode === 0;

/**
 * Why the running dockerd cannot run a healthcheck or `docker exec`, or null: a TMPDIR in its
 * environment that no longer exists (a daemon an earlier run started under its own TMPDIR).
 * Only root can read its environment; otherwise nothing is known and null is returned.
 */
async function staleDaemonTmp() {
  const pid = (await $`pgrep -xo dockerd`.nothrow()).stdout.trim();
  if (!pid) return null;
  let environ;
  try {
    environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
  } catch {
    return null;
  }
  const tmp = environ.find((e) => e.startsWith('TMPDIR='))?.slice('TMPDIR='.length);
  if (!tmp || existsSync(tmp)) return null;
  return (
    `the running dockerd (pid ${pid}) has TMPDIR=${tmp}, which no longer exists: every docker ` +
    'exec and healthcheck fails ("OCI runtime exec failed"). Restart it (pkill dockerd; ' +
    'ci/lib/docker.mjs starts a new one) and run this again.'
  );
}

/**
 * Makes sure a Docker engine answers: starts `dockerd` in the background when it is installed
 * but not running. Returns `{ ok: true, version }` or `{ ok: false, reason }` (the caller prints
 * SKIP with the reason and exits 0: only "no engine at all" is a skip).
 */
export async function ensureDocker() {
  if (!(await have('docker'))) {
    return {
      ok: false,
      reason: 'the docker CLI is not installed (apt-get install docker.io docker-compose)',
    };
  }
  if (await dockerAnswers()) {
    const stale = await staleDaemonTmp();
    if (stale) throw new Error(stale);
  } else {
    if (!(await have('dockerd'))) {
      return { ok: false, reason: 'no Docker engine answers and dockerd is not installed' };
    }
    const logFile = '/var/log/dockerd.log';
    info(`starting dockerd (log: ${logFile})`);
    const fd = openSync(logFile, 'a');
    // dockerd outlives this script and the run: never under the run's TMPDIR, which .ci/run
    // removes at the end (runc writes every exec's files there; each healthcheck would fail).
    const { TMPDIR: _runTmp, ...env } = process.env;
    const child = spawn('dockerd', [], { detached: true, stdio: ['ignore', fd, fd], env });
    child.unref();
    closeSync(fd);
    try {
      await waitFor('the Docker engine', dockerAnswers, { timeoutMs: 60_000, intervalMs: 1000 });
    } catch {
      const tail = (await $`tail -n 15 ${logFile}`.nothrow()).stdout;
      return { ok: false, reason: `dockerd did not start within 60 s; last lines of ${logFile}:\n${tail}` };
    }
  }
  const version = (await $`docker info --format {{.ServerVersion}}`).stdout.trim();
  return { ok: true, version };
}

/** `docker compose` (v2) when the plugin exists, else `docker-compose` (v1.29); null if neither. */
export async function composeCommand() {
  if ((await $`docker compose version`.nothrow()).exitCode === 0) return ['docker', 'compose'];
  if ((await $`docker-compose version --short`.nothrow()).exitCode === 0) return ['docker-compose'];
  return null;
}

/** Runs a command with its output in a log file; on failure the error carries the log's tail. */
export async function logged(logFile, cmd, args, opts = {}) {
  const p = await $({ ...opts, nothrow: true })`${cmd} ${args} >${logFile} 2>&1`;
  if (p.exitCode !== 0) {
    const tail = (await $`tail -n 40 ${logFile}`.nothrow()).stdout;
    throw new Error(`${cmd} ${args.slice(0, 3).join(' ')} … exited ${p.exitCode}; log ${logFile}:\n${tail}`);
  }
}

export async function baseImages(logDir, which = 'all') {
  await logged(join(logDir, `debian-images-${which}.log`), 'bash', [
    join(ROOT, 'ci/debian-images.sh'),
    which,
  ]);
}

/**
 * Builds the pool image the way a user's machine does (`ckb-pool-deploy image build`) from the
 * PACKED ckb-pool tarball (ci/lib/packed.mjs; .ci/run packs once), on the local Node base.
 * npm inside the build trusts NODE_EXTRA_CA_CERTS when set (this machine's egress proxy
 * re-signs TLS); `image build` passes it through the Dockerfile's NPM_CA_FILE.
 */
export async function buildPoolImage(tag, logDir) {
  const { pool } = await packages();
  info(`from ${pool}`);
  await logged(join(logDir, 'pool-image.log'), 'node', [
    join(ROOT, 'bin/ckb-pool-deploy.js'),
    'image',
    'build',
    '--tarball',
    pool,
    '--node-image',
    IMAGE.node,
    '--tag',
    tag,
  ]);
  await checkImageFiles(tag);
}

/** Dev dependencies that must never be in the image. */
const DEV_ONLY = ['tsx', 'typescript', 'vitest', 'fast-check', '@biomejs', 'zx', 'smol-toml'];

/**
 * In the image: each dev-only package that is installed, and which installed package (if any)
 * requires it as a non-optional peer. npm installs required peers even with --omit=dev, so a
 * dev tool can arrive legitimately through a production dependency (typescript through
 * @ckb-ccc/core → @joyid/common → abitype); anything else is a leak.
 */
const DEV_PROBE = `
const fs = require('fs'), path = require('path');
const dev = ${JSON.stringify(DEV_ONLY)};
const pkgs = [];
for (const e of fs.readdirSync('node_modules')) {
  const dirs = e.startsWith('@') ? fs.readdirSync(path.join('node_modules', e)).map((s) => e + '/' + s) : [e];
  for (const d of dirs) {
    try { pkgs.push(JSON.parse(fs.readFileSync(path.join('node_modules', d, 'package.json'), 'utf8'))); } catch {}
  }
}
for (const d of dev) {
  if (!fs.existsSync(path.join('node_modules', d))) continue;
  const by = pkgs.find((p) => p.peerDependencies && d in p.peerDependencies && !(p.peerDependenciesMeta?.[d]?.optional));
  console.log(by ? 'PEER:' + d + ':' + by.name + '@' + by.version : 'DEV:' + d);
}`;

/**
 * Lists the image's /app and fails on anything that is not production: our tests, test
 * clients, arbitraries, fixtures, benchmarks or TypeScript sources, or a dev dependency that no
 * production package requires.
 */
export async function checkImageFiles(tag) {
  const script = `cd /app && node -e "$DEV_PROBE"; cd node_modules/ckb-pool && find . -type f`;
  const out = (await $`docker run --rm -e DEV_PROBE=${DEV_PROBE} --entrypoint sh ${tag} -c ${script}`).stdout
    .split('\n')
    .filter(Boolean);
  const dev = out.filter((l) => l.startsWith('DEV:')).map((l) => `node_modules/${l.slice(4)}`);
  for (const l of out.filter((x) => x.startsWith('PEER:'))) {
    const [, name, by] = l.split(':');
    info(`node_modules/${name} is in the image as a required peer of ${by} (a production dependency)`);
  }
  const files = out.filter((l) => l.startsWith('./')).map((l) => l.slice(2));
  const bad = [...forbiddenFiles(files), ...files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))];
  if (bad.length > 0 || dev.length > 0) {
    throw new Error(`the image carries non-production files: ${[...bad, ...dev].join(', ')}`);
  }
  if (!files.includes('dist/cli/main.js'))
    throw new Error('the image has no node_modules/ckb-pool/dist/cli/main.js');
  info(
    `image /app/node_modules/ckb-pool: ${files.length} files, no tests, fixtures or benchmarks; no dev dependencies`,
  );
}

/** Prometheus, Alertmanager and the host exporter from Debian's packages on the local Debian base. */
export async function buildMonitoringImages(logDir) {
  for (const [name, dir] of [
    ['prometheus', 'prometheus'],
    ['alertmanager', 'alertmanager'],
    ['nodeExporter', 'node-exporter'],
  ]) {
    await logged(join(logDir, `${name}-image.log`), 'docker', [
      'build',
      '--build-arg',
      `BASE_IMAGE=${IMAGE.debian}`,
      '-t',
      IMAGE[name],
      join(ROOT, 'ci/images', dir),
    ]);
  }
}

/** `n` distinct TCP ports free on every interface right now. */
export async function freePorts(n) {
  const servers = [];
  try {
    for (let i = 0; i < n; i++) {
      const s = net.createServer();
      await new Promise((resolve, reject) => s.listen(0, '0.0.0.0', resolve).on('error', reject));
      servers.push(s);
    }
    return servers.map((s) => s.address().port);
  } finally {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  }
}

/** Containers and volumes labelled with a compose project (to assert a clean teardown). */
export async function projectLeftovers(project) {
  const filter = `label=com.docker.compose.project=${project}`;
  const containers = (await $`docker ps -aq --filter ${filter}`).stdout.split('\n').filter(Boolean);
  const labelled = (await $`docker volume ls -q --filter ${filter}`).stdout.split('\n').filter(Boolean);
  const named = (await $`docker volume ls -q`).stdout.split('\n').filter((v) => v.startsWith(`${project}_`));
  return { containers, volumes: [...new Set([...labelled, ...named])] };
}

/** Health of every container of a compose project: { service: 'healthy' | 'starting' | state }. */
export async function projectHealth(project) {
  const ids = (await $`docker ps -aq --filter label=com.docker.compose.project=${project}`).stdout
    .split('\n')
    .filter(Boolean);
  const out = {};
  if (ids.length === 0) return out;
  const fmt =
    '{{index .Config.Labels "com.docker.compose.service"}} {{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}';
  const lines = (await $`docker inspect --format ${fmt} ${ids}`).stdout.split('\n').filter(Boolean);
  for (const line of lines) {
    const [service, state, health] = line.split(' ');
    out[service] = state === 'running' ? health : state;
  }
  return out;
}
