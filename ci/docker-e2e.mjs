#!/usr/bin/env zx
// The compose bundle on a real Docker engine, end to end (issue 6, "CI on real Docker").
//
//   npx zx ci/docker-e2e.mjs          (as root, from the repository; .ci/run runs it)
//
// Builds the images locally (no image registry is reachable in CI), renders a testnet bundle
// with `init --yes` + `render`, applies ONE CI-only override (ci/lib/bundle.mjs: the CKB node
// becomes the dev chain, Prometheus and Alertmanager come from Debian's packages, Grafana is
// not started), starts it with whichever compose exists, waits for health, mines through the
// SV2 and the V1 port until the dev chain accepts a block, asks Prometheus that it scrapes the
// pool and evaluates the alert rules, checks Grafana's provisioning statically, and tears
// everything down. Exits 0 with SKIP only when no Docker engine can run at all.
//
// Environment: CKB_POOL_E2E_KEEP=1 keeps the stack running after the checks (for debugging).
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { $ } from 'zx';
import { initAndRender, OVERRIDE_FILE, TESTNET_PAYOUT, writeCiOverride } from './lib/bundle.mjs';
import {
  baseImages,
  buildMonitoringImages,
  buildPoolImage,
  checkImageFiles,
  composeCommand,
  ensureDocker,
  freePorts,
  IMAGE,
  projectHealth,
  projectLeftovers,
} from './lib/docker.mjs';
import { mineUntilBlock, poolCommands } from './lib/mining.mjs';
import { installPacked, packages } from './lib/packed.mjs';
import { exportedNames, forPrometheus, metricNames } from './lib/promql.mjs';
import { finish, info, note, scratch, skip, step, waitFor } from './lib/steps.mjs';

$.verbose = false;
$.quiet = true;
const TITLE = 'docker-e2e';
const PROJECT = `ckbpoolci${process.pid}`;
const work = scratch('ckb-pool-docker-e2e-');
const logs = join(work, 'logs');
await $`mkdir -p ${logs}`;
console.log(`== ${TITLE}: work folder ${work} (logs in ${logs})`);

const engine = await step('Docker engine', ensureDocker);
if (!engine.ok) {
  skip('Docker end-to-end test', `no Docker engine can run here: ${engine.reason}`);
  finish(TITLE, false);
}
info(`Docker engine ${engine.version}`);
const compose = await step('Compose command', async () => {
  const cmd = await composeCommand();
  if (!cmd)
    throw new Error('neither `docker compose` nor `docker-compose` works (apt-get install docker-compose)');
  info(`using ${cmd.join(' ')} (${(await $`${cmd} version --short`.nothrow()).stdout.trim()})`);
  return cmd;
});

let failed = false;
let started = false;
let bundle;
try {
  bundle = await step('init --yes + render a testnet bundle', async () => {
    const [sv2, v1, p2p, api, prometheus, grafana] = await freePorts(6);
    const b = await initAndRender(work, {
      project: PROJECT,
      ports: { sv2, v1, p2p, api, prometheus, grafana },
    });
    info(`bundle ${b.bundleDir}: services ${Object.keys(b.compose.services).join(', ')}`);
    info(`ports: sv2 ${sv2}, v1 ${v1}, p2p ${p2p}, api 127.0.0.1:${api}, prometheus 127.0.0.1:${prometheus}`);
    return b;
  });
  const { config, bundleDir, authorityPublicKey } = bundle;

  await step('Base images (debootstrap Debian 12, Node)', () => baseImages(logs, 'node'));
  await step(`Pool image ${config.images.pool} from the packed ckb-pool tarball`, () =>
    buildPoolImage(config.images.pool, logs),
  );
  await step("Prometheus, Alertmanager and host exporter images from Debian's packages", () =>
    buildMonitoringImages(logs),
  );

  const override = await step(`CI override ${OVERRIDE_FILE}`, async () => {
    const o = writeCiOverride(bundleDir);
    info(`ckb → ${o.services.ckb.image} ${o.services.ckb.command.join(' ')}`);
    info(`prometheus → ${o.services.prometheus.image}, alertmanager → ${o.services.alertmanager.image}`);
    if (o.services.grafana) info('grafana → not started (profile grafana-not-in-ci)');
    return o;
  });

  const commands = await poolCommands(config.images.pool);
  info(`ckb-pool commands in the image: ${[...commands].join(', ')}`);
  // The image is built from this commit's ckb-pool: every role must be in it.
  const missing = ['serve', 'translate', 'mine', 'devnet'].filter((c) => !commands.has(c));
  if (missing.length) throw new Error(`the pool image lacks \`ckb-pool ${missing.join('`, `')}\``);

  await step(`${compose.join(' ')} up -d`, async () => {
    started = true;
    await $({ cwd: bundleDir })`${compose} up -d`;
  });

  // The translator reports healthy only once it holds a job, i.e. after a V1 miner opened a
  // channel through it (per-worker mode); it is checked while the V1 miner runs, below.
  await step(
    'Wait for health (ckb, pool, prometheus, alertmanager, node-exporter; translator running)',
    async () => {
      const required = ['ckb', 'pool', 'prometheus', 'alertmanager', 'node-exporter'];
      let last = {};
      try {
        await waitFor(
          `healthy ${required.join(', ')}`,
          async () => {
            last = await projectHealth(PROJECT);
            const translatorUp = ['starting', 'healthy', 'unhealthy'].includes(last.translator);
            return translatorUp && required.every((s) => last[s] === 'healthy');
          },
          { timeoutMs: 240_000, intervalMs: 3000 },
        );
      } finally {
        info(
          Object.entries(last)
            .map(([s, h]) => `${s}: ${h}`)
            .join(', '),
        );
      }
      if (last.grafana) throw new Error('grafana was started although the override disables it');
    },
  );

  const apiUrl = `http://127.0.0.1:${config.ports.api}`;
  // What the dashboards may name: the pool's /metrics (published on the host's loopback) and
  // the translator's (bundle network only: read from inside its container).
  const exported = await step('Metric names the pool and the translator export', async () => {
    const res = await fetch(`${apiUrl}/metrics`);
    if (!res.ok) throw new Error(`GET ${apiUrl}/metrics answered ${res.status}`);
    const pool = exportedNames(await res.text());
    info(`pool /metrics: ${pool.size} names`);
    const names = new Set(pool);
    {
      const tYaml = parseYaml(readFileSync(join(bundleDir, 'pool/translator.yaml'), 'utf8'));
      const port = String(tYaml.metrics?.listen ?? '')
        .split(':')
        .pop();
      if (!port) throw new Error('pool/translator.yaml has no metrics.listen');
      const script = `fetch('http://127.0.0.1:${port}/metrics').then((r) => r.text()).then((t) => process.stdout.write(t))`;
      const out = await $({ cwd: bundleDir })`${compose} exec -T translator node -e ${script}`;
      const translator = exportedNames(out.stdout);
      info(`translator /metrics: ${translator.size} names`);
      for (const n of translator) names.add(n);
    }
    return names;
  });

  const promUrl = `http://127.0.0.1:${config.ports.prometheus}`;
  const promApi = async (path) => {
    const res = await fetch(`${promUrl}${path}`);
    const body = await res.json();
    if (body.status !== 'success') throw new Error(`${path}: ${body.error ?? res.status}`);
    return body.data;
  };

  await step('Grafana provisioning (static; container not started)', async () => {
    await checkGrafanaProvisioning(bundleDir, bundle.compose, exported, promApi);
    note('Grafana', 'the Grafana container was not started: no Debian package and no registry here');
  });

  // Mining: SV2 straight to the pool, V1 through the translator, both from this machine.
  const chainHasBlock = async (hash) => {
    const script = `fetch('http://ckb:${parseRpcPort(override)}', {method: 'POST', headers: {'content-type': 'application/json'}, body: JSON.stringify({id: 1, jsonrpc: '2.0', method: 'get_block', params: [${JSON.stringify(hash)}]})}).then((r) => r.json()).then((j) => { process.stdout.write(JSON.stringify(j.result ? j.result.header : null)); })`;
    const out = await $({ cwd: bundleDir })`${compose} exec -T pool node -e ${script}`;
    const header = JSON.parse(out.stdout || 'null');
    return header ? Number(BigInt(header.number)) : null;
  };
  const translatorHealthy = async () => {
    await waitFor(
      'the translator container to be healthy',
      async () => (await projectHealth(PROJECT)).translator === 'healthy',
      { timeoutMs: 120_000, intervalMs: 3000 },
    );
    info('translator container: healthy (with a V1 miner connected)');
  };
  const paths = [
    {
      name: 'SV2',
      url: `stratum2+tcp://127.0.0.1:${config.ports.sv2}/${authorityPublicKey}`,
      // accounts.mode address (the default): workers are named by the payout address.
      user: `${TESTNET_PAYOUT}.sv2`,
    },
    { name: 'V1', url: `stratum+tcp://127.0.0.1:${config.ports.v1}`, user: `${TESTNET_PAYOUT}.v1` },
  ];
  for (const p of paths) {
    const title = `Mine through the ${p.name} port until the dev chain accepts a block`;
    await step(title, async () => {
      const block = await mineUntilBlock({
        url: p.url,
        user: p.user,
        apiUrl,
        logFile: join(logs, `miner-${p.name}.log`),
        whileMining: p.name === 'V1' ? translatorHealthy : undefined,
      });
      info(`block ${block.height} ${block.hash} by ${block.worker}: ${block.status}`);
      const height = await waitFor('the block on the dev chain', () => chainHasBlock(block.hash), {
        timeoutMs: 30_000,
      });
      info(`the dev chain (get_block through the pool container) has it at height ${height}`);
    });
  }

  await step(
    'Prometheus scrapes the pool and the host exporter (up == 1), which reports the disks',
    async () => {
      for (const job of ['ckb-pool', 'host']) {
        await waitFor(
          `up{job="${job}"} == 1`,
          async () => {
            const data = await promApi(`/api/v1/query?query=${encodeURIComponent(`up{job="${job}"}`)}`);
            return data.result.length > 0 && data.result.every((r) => r.value[1] === '1');
          },
          { timeoutMs: 90_000, intervalMs: 3000 },
        );
      }
      const disks = await promApi(
        `/api/v1/query?query=${encodeURIComponent('node_filesystem_avail_bytes{fstype!~"tmpfs|overlay"}')}`,
      );
      if (disks.result.length === 0)
        throw new Error('the host exporter reports no filesystem: DiskSpaceLow could never fire');
      info(
        `host filesystems: ${disks.result.map((r) => `${r.metric.mountpoint} (${r.metric.fstype})`).join(', ')}`,
      );
      const targets = await promApi('/api/v1/targets');
      for (const t of targets.activeTargets) info(`target ${t.labels.job} ${t.scrapeUrl}: ${t.health}`);
    },
  );

  await step('Alert rules loaded and evaluated (/api/v1/rules)', async () => {
    const rendered = parseYaml(readFileSync(join(bundleDir, 'prometheus/alerts.yml'), 'utf8'));
    const expected = rendered.groups.flatMap((g) => g.rules.map((r) => r.alert));
    const rules = await waitFor(
      'every rule evaluated',
      async () => {
        const data = await promApi('/api/v1/rules');
        const all = data.groups.flatMap((g) => g.rules);
        const evaluated = all.filter((r) => r.health === 'ok' && !r.lastEvaluation.startsWith('0001-'));
        return evaluated.length === expected.length && all.length === expected.length ? all : null;
      },
      { timeoutMs: 90_000, intervalMs: 3000 },
    );
    const missing = expected.filter((a) => !rules.some((r) => r.name === a));
    if (missing.length) throw new Error(`rules not loaded: ${missing.join(', ')}`);
    for (const r of rules) info(`${r.name}: health ${r.health}, state ${r.state ?? 'n/a'}`);
  });
} catch (err) {
  failed = true;
  if (started) await dumpLogs();
  if (!(err && typeof err === 'object' && 'message' in err)) console.error(err);
} finally {
  if (started && process.env.CKB_POOL_E2E_KEEP === '1') {
    console.log(`\nCKB_POOL_E2E_KEEP=1: the stack keeps running in ${bundle?.bundleDir}`);
  } else if (started || bundle) {
    try {
      await step('Tear down (down -v) and check nothing is left', async () => {
        await $({ cwd: bundle.bundleDir })`${compose} down -v --remove-orphans --timeout 20`.nothrow();
        const left = await projectLeftovers(PROJECT);
        if (left.containers.length || left.volumes.length) {
          throw new Error(
            `left behind: containers ${left.containers.join(' ')} volumes ${left.volumes.join(' ')}`,
          );
        }
        info(`no container and no volume of project ${PROJECT} left`);
      });
    } catch {
      failed = true;
    }
  }
}
if (!failed && bundle && process.env.CKB_POOL_E2E_KEEP !== '1') {
  try {
    await cliLocalPath();
  } catch {
    failed = true;
  }
}
finish(TITLE, failed);

/**
 * `ckb-pool-deploy up --cloud local` and `down --cloud local --purge --yes` as an operator runs
 * them, on the same config. The CI override goes into the CLI's own bundle folder first
 * (<config dir>/.ckb-pool-deploy/<project>/local/bundle, cli/deploy/workdir.ts): `up` re-renders
 * its own files there and leaves the override alone, and Compose loads it by convention.
 */
async function cliLocalPath() {
  // The packed install, as a user has it: `up` builds the pool image from this ckb-pool.
  const prefix = await step('The packed packages installed into an empty folder', async () => {
    const dir = await installPacked(await packages(), join(logs, 'npm-install-packed.log'));
    info(`installed in ${dir}`);
    return dir;
  });
  const cli = join(prefix, 'node_modules/ckb-pool-deploy/bin/ckb-pool-deploy.js');
  const project = bundle.config.project;
  const upBundle = join(dirname(bundle.configPath), '.ckb-pool-deploy', project, 'local', 'bundle');
  try {
    await upLocalBuildsPoolImage(cli, project, upBundle);
    await upLocal(cli, project, upBundle);
    await upAgainAfterConfigChange(cli, project, upBundle);
  } finally {
    await downLocal(cli, project);
  }
}

/**
 * Issue 11: `up` always has its images or says why not. With the pool image removed (nothing
 * can pull it here), `doctor` says `up` will build it; an override naming an image nobody has
 * stops `up` before anything starts, naming the image, its registry and the remedies; then
 * `up` builds the pool image from the installed ckb-pool itself.
 */
async function upLocalBuildsPoolImage(cli, project, upBundle) {
  const pool = bundle.config.images.pool;
  await step(
    `Without ${pool}: doctor and up say what they will do, an unpullable image stops up`,
    async () => {
      await $`node ${cli} render --config ${bundle.configPath} --out ${upBundle}`;
      writeCiOverride(upBundle);
      await $`docker image rm ${pool}`;
      const doctor = await $`node ${cli} doctor --config ${bundle.configPath} --cloud local`.nothrow();
      writeFileSync(join(logs, 'doctor-local.log'), `${doctor.stdout}\n${doctor.stderr}`);
      const poolLine = doctor.stdout.split('\n').find((l) => l.includes(`image ${pool}:`)) ?? '';
      info(`doctor: ${poolLine.trim()}`);
      if (doctor.exitCode !== 0 || !poolLine.includes('`up` builds it from the installed ckb-pool'))
        throw new Error(
          `doctor --cloud local (exit ${doctor.exitCode}) does not say up builds the pool image:\n${doctor.stdout}`,
        );

      const absent = 'ckb-pool-ci/absent:never';
      const extra = join(upBundle, OVERRIDE_FILE);
      const saved = readFileSync(extra, 'utf8');
      const o = parseYaml(saved);
      o.services.alertmanager.image = absent;
      writeFileSync(extra, stringifyYaml(o));
      const refused = await $`node ${cli} up --config ${bundle.configPath} --cloud local`.nothrow();
      writeFileSync(join(logs, 'up-local-absent.log'), `${refused.stdout}\n${refused.stderr}`);
      writeFileSync(extra, saved);
      const named = `${absent} (service alertmanager, images.alertmanager) from Docker Hub (docker.io)`;
      if (
        refused.exitCode === 0 ||
        !refused.stderr.includes(named) ||
        !refused.stderr.includes('--image-archive')
      )
        throw new Error(
          `up with an unpullable image: exit ${refused.exitCode}, stderr:\n${refused.stderr.slice(-1500)}`,
        );
      const running = (
        await $`docker ps -q --filter label=com.docker.compose.project=${project}`
      ).stdout.trim();
      if (running) throw new Error('up started containers although an image was missing');
      info(
        `refused before starting anything: ${refused.stderr
          .split('\n')
          .find((l) => l.includes(absent))
          ?.trim()}`,
      );
    },
  );
}

async function upLocal(cli, project, upBundle) {
  await step(
    'ckb-pool-deploy up --cloud local: builds the pool image from the installed ckb-pool',
    async () => {
      await $`node ${cli} render --config ${bundle.configPath} --out ${upBundle}`;
      writeCiOverride(upBundle);
      const out =
        await $`node ${cli} up --config ${bundle.configPath} --cloud local --node-image ${IMAGE.node}`.nothrow();
      writeFileSync(join(logs, 'up-local.log'), `${out.stdout}\n${out.stderr}`);
      info(out.stdout.trimEnd().split('\n').slice(-12).join('\n  '));
      if (out.exitCode !== 0)
        throw new Error(`up --cloud local exited ${out.exitCode}: ${out.stderr.trim().slice(-600)}`);
      if (!out.stdout.includes(`stratum2+tcp://`)) throw new Error('up --cloud local printed no SV2 URL');
      const pool = bundle.config.images.pool;
      if (!out.stdout.includes(`built ${pool} from the installed ckb-pool`))
        throw new Error(`up --cloud local did not say it built ${pool} from the installed ckb-pool`);
      await checkImageFiles(pool);
      info(`up built ${pool} from the installed ckb-pool; its /app holds production files only`);
      // up returns once the pool API answers and the handshake verified; Docker's own health
      // check needs a few more intervals to say so.
      const health = await waitFor(
        'the pool container to be healthy',
        async () => {
          const h = await projectHealth(project);
          return h.pool === 'healthy' ? h : null;
        },
        { timeoutMs: 120_000, intervalMs: 3000 },
      );
      info(
        `services: ${Object.entries(health)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')}`,
      );
    },
  );
}

/** `service → container id` of the running project. */
async function containerIds(project) {
  const fmt = '{{.Label "com.docker.compose.service"}} {{.ID}}';
  const out = await $`docker ps --filter label=com.docker.compose.project=${project} --format ${fmt}`;
  return Object.fromEntries(
    out.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split(' ')),
  );
}

/**
 * The second `up` (issue 12, "config reaches the host"): a new payout address, alert webhook
 * and share interval (pool.shareIntervalSeconds → pool.yaml) in ckb-pool.yaml must reach the
 * node, Alertmanager and the pool (its share target, and the payout lock it checks every
 * template against) — recreated, reading the new files — while the services whose files did
 * not change (the translator among them) keep running untouched.
 */
async function upAgainAfterConfigChange(cli, project, upBundle) {
  await step(
    'Second up after a config change: changed services recreated with the new files, the rest untouched',
    async () => {
      const before = await containerIds(project);
      const payout =
        'ckt1qzda0cr08m85hc8jlnfp3zer7xulejywt49kt2rr0vthywaa50xwsqwgx292hnvmn68xf779vmzrshpmm6epn4c0cgwga';
      const webhook = 'http://127.0.0.1:9/ckb-pool-ci-hook';
      const shareInterval = 17;
      await $`node ${cli} init --yes --config ${bundle.configPath} --payout-address ${payout} --alert-webhook-url ${webhook} --share-interval ${shareInterval}`;
      await $`node ${cli} render --config ${bundle.configPath} --out ${upBundle}`;
      writeCiOverride(upBundle);
      const out = await $`node ${cli} up --config ${bundle.configPath} --cloud local`.nothrow();
      writeFileSync(join(logs, 'up-local-2.log'), `${out.stdout}\n${out.stderr}`);
      if (out.exitCode !== 0)
        throw new Error(`second up exited ${out.exitCode}: ${out.stderr.trim().slice(-600)}`);
      const after = await containerIds(project);
      const recreated = Object.keys(after)
        .filter((s) => before[s] !== after[s])
        .sort();
      info(
        `recreated: ${recreated.join(', ') || 'none'}; kept: ${Object.keys(after)
          .filter((s) => before[s] === after[s])
          .join(', ')}`,
      );
      if (recreated.join(',') !== 'alertmanager,ckb,pool') {
        throw new Error(
          `expected exactly alertmanager, ckb and pool to be recreated, got: ${recreated.join(', ') || 'none'}`,
        );
      }
      const inside = async (service, file) =>
        (await $({ cwd: upBundle })`${compose} -p ${project} exec -T ${service} cat ${file}`).stdout;
      const ckbToml = await inside('ckb', '/var/lib/ckb/ckb.toml');
      if (ckbToml !== readFileSync(join(upBundle, 'ckb/ckb.toml'), 'utf8') || !ckbToml.includes(payout)) {
        throw new Error(
          'the running node does not read the re-rendered ckb.toml with the new payout address',
        );
      }
      const am = await inside('alertmanager', '/etc/alertmanager/alertmanager.yml');
      if (!am.includes(webhook))
        throw new Error('the running Alertmanager does not read the new webhook URL');
      // What the running pool parsed: `ckb-pool serve --check` in its container prints the
      // config it would run with, from the same mounted file its process started on.
      const checked = JSON.parse(
        (
          await $({
            cwd: upBundle,
          })`${compose} -p ${project} exec -T pool ckb-pool serve --config /etc/ckb-pool/pool.yaml --check`
        ).stdout,
      );
      if (checked.vardiff?.targetShareIntervalSeconds !== shareInterval) {
        throw new Error(
          `the running pool reads vardiff.targetShareIntervalSeconds ${checked.vardiff?.targetShareIntervalSeconds}, not ${shareInterval}`,
        );
      }
      info(
        `inside the containers: ckb.toml pays the new address, alertmanager.yml has the new webhook, the pool runs with a ${shareInterval} s share interval`,
      );
    },
  );
}

async function downLocal(cli, project) {
  await step('ckb-pool-deploy down --cloud local --purge --yes leaves nothing behind', async () => {
    const out = await $`node ${cli} down --config ${bundle.configPath} --cloud local --purge --yes`.nothrow();
    writeFileSync(join(logs, 'down-local.log'), `${out.stdout}\n${out.stderr}`);
    if (out.exitCode !== 0)
      throw new Error(`down --cloud local exited ${out.exitCode}: ${out.stderr.trim().slice(-600)}`);
    const left = await projectLeftovers(project);
    if (left.containers.length || left.volumes.length) {
      throw new Error(
        `left behind: containers ${left.containers.join(' ')} volumes ${left.volumes.join(' ')}`,
      );
    }
    info(`no container and no volume of project ${project} left`);
  });
}

function parseRpcPort(override) {
  const rpc = override.services.ckb.command[override.services.ckb.command.indexOf('--rpc') + 1];
  return rpc.split(':').pop();
}

async function dumpLogs() {
  console.log('\n== container state and logs (last 150 lines per service)');
  const cwd = bundle.bundleDir;
  console.log((await $({ cwd })`${compose} ps`.nothrow()).stdout);
  const out = await $({ cwd })`${compose} logs --no-color --tail=150`.nothrow();
  console.log(out.stdout, out.stderr);
}

/**
 * Grafana cannot run here, so its provisioning is checked as Grafana would read it: the
 * datasource points at the bundle's Prometheus service, the dashboard provider at the folder
 * compose mounts, every dashboard JSON loads, every panel uses the provisioned datasource,
 * every query names metrics the running pool exports (node metrics are listed apart: no CKB
 * node runs in CI) and Prometheus parses every query.
 */
async function checkGrafanaProvisioning(bundleDir, composeFile, exported, promApi) {
  const grafana = composeFile.services.grafana;
  if (!grafana) throw new Error('the bundle has no grafana service (monitoring disabled?)');
  const mounts = Object.fromEntries(
    grafana.volumes.map((v) => v.split(':')).map(([src, dst]) => [dst, src.replace(/^\.\//, '')]),
  );
  const provisioning = join(bundleDir, 'grafana/provisioning');
  const dsFiles = readdirSync(join(provisioning, 'datasources'));
  const datasources = dsFiles.flatMap(
    (f) => parseYaml(readFileSync(join(provisioning, 'datasources', f), 'utf8')).datasources,
  );
  const prom = datasources.find((d) => d.type === 'prometheus');
  if (!prom) throw new Error('no Prometheus datasource is provisioned');
  const dsUrl = new URL(prom.url);
  const promService = composeFile.services[dsUrl.hostname];
  const promListen = promService?.command
    ?.find((c) => c.startsWith('--web.listen-address='))
    ?.split(':')
    .pop();
  if (!promService || promListen !== dsUrl.port) {
    throw new Error(`datasource URL ${prom.url} does not reach the bundle's Prometheus (port ${promListen})`);
  }
  info(`datasource '${prom.name}' (uid ${prom.uid}) → ${prom.url}: the prometheus service`);

  const providers = readdirSync(join(provisioning, 'dashboards')).flatMap(
    (f) => parseYaml(readFileSync(join(provisioning, 'dashboards', f), 'utf8')).providers,
  );
  const dashboards = [];
  for (const p of providers) {
    const hostDir = mounts[p.options.path];
    if (!hostDir) throw new Error(`dashboard provider path ${p.options.path} is not mounted into grafana`);
    for (const f of readdirSync(join(bundleDir, hostDir)).filter((n) => n.endsWith('.json'))) {
      const d = JSON.parse(readFileSync(join(bundleDir, hostDir, f), 'utf8'));
      if (!d.uid || !d.title || !Array.isArray(d.panels) || d.panels.length === 0) {
        throw new Error(`${f}: a dashboard needs uid, title and panels`);
      }
      dashboards.push({ file: f, ...d });
    }
  }
  if (dashboards.length === 0) throw new Error('no dashboard JSON found');

  const nodeMetrics = new Set();
  const hostMetrics = new Set();
  let queries = 0;
  const problems = [];
  for (const d of dashboards) {
    for (const panel of d.panels.flatMap((p) => (p.type === 'row' ? (p.panels ?? []) : [p]))) {
      if (panel.datasource?.uid && panel.datasource.uid !== prom.uid) {
        problems.push(
          `${d.file} "${panel.title}": datasource uid ${panel.datasource.uid} is not provisioned`,
        );
      }
      for (const t of panel.targets ?? []) {
        queries++;
        for (const name of metricNames(t.expr)) {
          if (exported.has(name) || name === 'up') continue;
          // The host exporter's (node_exporter, job host): the disk panels of the node dashboard.
          if (/^node_/.test(name)) {
            hostMetrics.add(name);
            continue;
          }
          // The CKB node's own exporter (ckb_chain_tip, …): CI runs the dev chain instead.
          if (/^ckb_/.test(name) && !/^ckb_(pool|translator)_/.test(name)) nodeMetrics.add(name);
          else
            problems.push(
              `${d.file} "${panel.title}": ${name} is exported by neither the pool nor the translator`,
            );
        }
        try {
          await promApi(`/api/v1/query?query=${encodeURIComponent(forPrometheus(t.expr))}`);
        } catch (err) {
          problems.push(`${d.file} "${panel.title}": Prometheus rejects ${t.expr}: ${err.message}`);
        }
      }
    }
  }
  if (problems.length) throw new Error(`Grafana provisioning:\n  ${problems.join('\n  ')}`);
  info(
    `${dashboards.length} dashboards (${dashboards.map((d) => d.title).join(', ')}), ${queries} queries: all parse in Prometheus, every pool/translator metric they name is exported`,
  );
  if (hostMetrics.size) {
    info(
      `host exporter metrics (node_exporter, not checked against the pool): ${[...hostMetrics].join(', ')}`,
    );
  }
  if (nodeMetrics.size) {
    info(
      `node metrics (exported by the CKB node, which CI replaces by the dev chain; not checked): ${[...nodeMetrics].join(', ')}`,
    );
  }
}
