#!/usr/bin/env node
// The bundle with the REAL images, end to end: the pinned nervos/ckb on a dev chain with real
// Eaglesong PoW, the pool mining real blocks into it, real Prometheus, Alertmanager,
// node_exporter and Grafana. Needs Docker and Docker Hub; run `node ci/real-node-e2e.mjs --help`.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parse as parseToml } from 'smol-toml';
import { parse as parseYaml, stringify } from 'yaml';
import { $ } from 'zx';
import { initAndRender, OVERRIDE_FILE, TESTNET_PAYOUT } from './lib/bundle.mjs';
import {
  checkImageFiles,
  composeCommand,
  ensureDocker,
  freePorts,
  logged,
  projectHealth,
  projectLeftovers,
  ROOT,
} from './lib/docker.mjs';
import { checkGrafana } from './lib/grafana-api.mjs';
import { mineUntilBlock } from './lib/mining.mjs';
import { packages } from './lib/packed.mjs';
import {
  cellbaseLock,
  DEV_COMPACT_TARGET,
  DEV_DIR,
  devChainSpec,
  devCkbToml,
  imagesToPull,
  MAINNET_PAYOUT,
  NODE_BASE_IMAGE,
  pullFailure,
  realNodeOverride,
} from './lib/real-node.mjs';
import { finish, info, scratch, step, waitFor } from './lib/steps.mjs';

const HELP = `Usage: node ci/real-node-e2e.mjs [--keep] [--node-image IMAGE]

The compose bundle end to end with the REAL images (CircleCI runs it on every commit, job
real-node-e2e on a machine executor; you can run it anywhere with Docker and Docker Hub):

  1. init --yes + render a mainnet bundle, as an operator does;
  2. pull the pinned images (nervos/ckb, Prometheus, Alertmanager, Grafana, node_exporter);
     no registry → it stops at once, naming the images it could not pull;
  3. build the pool image from this commit's packed ckb-pool (\`ckb-pool-deploy image build\`);
  4. run the real node on a dev chain: the spec is the pinned node's own \`ckb init --chain
     dev\` with [pow] func = "Eaglesong" and a genesis difficulty of 2^20 (a few seconds per
     block for one CPU thread); a compose.override.yaml mounts it and ckb.toml — the rendered
     one, pointed at that spec, without bootnodes;
  5. wait until every service is healthy, mine with \`ckb-pool mine\` through the SV2 port and
     through the V1 translator until the node's tip holds blocks the pool submitted;
  6. every Prometheus target up (the node's own metrics included), every alert rule evaluated;
  7. Grafana's HTTP API: every provisioned dashboard loads, every datasource it names answers
     its health check, every panel query runs;
  8. down -v, and nothing of the project is left.

Options:
  --keep              keep the stack running after the checks (also CKB_POOL_E2E_KEEP=1)
  --node-image IMAGE  base image of the locally built pool image (default ${NODE_BASE_IMAGE})
  -h, --help          this help

Run it from the repository after \`npm ci\`, as a user who may use Docker. Exit 0: every check
passed; 1: a check failed or Docker/Docker Hub is not available (the first failing step says
which). Logs go to a temporary work folder printed at the start.`;

let opts;
try {
  opts = parseArgs({
    options: {
      keep: { type: 'boolean', default: process.env.CKB_POOL_E2E_KEEP === '1' },
      'node-image': { type: 'string', default: NODE_BASE_IMAGE },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  }).values;
} catch (err) {
  console.error(`${err.message}\n\n${HELP}`);
  process.exit(2);
}
if (opts.help) {
  console.log(HELP);
  process.exit(0);
}

$.verbose = false;
$.quiet = true;
const TITLE = 'real-node-e2e';
const PROJECT = `ckbpoolreal${process.pid}`;
const work = scratch('ckb-pool-real-node-e2e-');
const logs = join(work, 'logs');
mkdirSync(logs);
console.log(`== ${TITLE}: work folder ${work} (logs in ${logs})`);

let failed = false;
let compose;
let bundle;
let started = false;
try {
  const engine = await step('Docker engine', ensureDocker);
  if (!engine.ok) throw new Error(`this test needs a Docker engine: ${engine.reason}`);
  info(`Docker engine ${engine.version}`);
  compose = await step('Compose command', async () => {
    const cmd = await composeCommand();
    if (!cmd) throw new Error('neither `docker compose` nor `docker-compose` works');
    return cmd;
  });

  bundle = await step('init --yes + render a mainnet bundle', async () => {
    const [sv2, v1, p2p, api, prometheus, grafana] = await freePorts(6);
    return initAndRender(work, {
      project: PROJECT,
      ports: { sv2, v1, p2p, api, prometheus, grafana },
      // Later flags win: a mainnet pool checks plain Eaglesong, the dev spec's PoW.
      extra: ['--chain', 'mainnet', '--payout-address', MAINNET_PAYOUT],
      // `image pin` against the real registries: every third-party image gets the digest its
      // tag names today, and the run below pulls by digest. The pool image is this commit's,
      // built here (no registry has it yet): the only image left a tag, hence --allow-unpinned.
      afterInit: async (configPath) => {
        const pin =
          await $`node ${join(ROOT, 'bin/ckb-pool-deploy.js')} image pin --config ${configPath}`.nothrow();
        info(pin.stdout.trim());
        const pinned = parseYaml(readFileSync(configPath, 'utf8')).images ?? {};
        const names = ['ckb', 'prometheus', 'alertmanager', 'grafana', 'nodeExporter'];
        const missing = names.filter((n) => !/@sha256:[0-9a-f]{64}$/.test(pinned[n] ?? ''));
        if (missing.length)
          throw new Error(
            `image pin left ${missing.join(', ')} without a digest (this test needs Docker Hub):\n${pin.stdout}${pin.stderr}`,
          );
        if (!/^unpinned +images\.pool:/m.test(pin.stdout))
          throw new Error(`image pin should report the unpublished pool image as unpinned:\n${pin.stdout}`);
      },
      renderArgs: ['--allow-unpinned'],
    });
  });
  const { config, bundleDir } = bundle;

  await step('Pull the pinned images (fails fast without Docker Hub)', async () => {
    const failures = [];
    for (const image of imagesToPull(config.images, opts['node-image'])) {
      const out = await $`docker pull ${image}`.nothrow();
      if (out.exitCode !== 0) failures.push({ image, output: `${out.stdout}\n${out.stderr}` });
      else info(`pulled ${image}`);
      if (failures.length && image === config.images.ckb) break; // listed first: stop at once
    }
    if (failures.length) throw pullFailure(failures);
  });

  await step(`Pool image ${config.images.pool} from this commit's packed ckb-pool`, async () => {
    const { pool } = await packages();
    await logged(join(logs, 'pool-image.log'), 'node', [
      join(ROOT, 'bin/ckb-pool-deploy.js'),
      ...['image', 'build', '--tarball', pool, '--node-image', opts['node-image']],
      ...['--tag', config.images.pool],
    ]);
    await checkImageFiles(config.images.pool);
  });

  await step(`Dev chain spec from ${config.images.ckb} (\`ckb init --chain dev\`), Eaglesong`, async () => {
    const script =
      'mkdir -p /tmp/dev && /bin/ckb init --chain dev -C /tmp/dev >/dev/null && cat /tmp/dev/specs/dev.toml';
    const template = (await $`docker run --rm --entrypoint /bin/sh ${config.images.ckb} -c ${script}`).stdout;
    const dir = join(bundleDir, DEV_DIR);
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'dev.toml'),
      devChainSpec(template, { chain: config.chain, timestampMs: Date.now() }),
    );
    writeFileSync(join(dir, 'ckb.toml'), devCkbToml(readFileSync(join(bundleDir, 'ckb/ckb.toml'), 'utf8')));
    const override = realNodeOverride(bundle.compose);
    writeFileSync(
      join(bundleDir, OVERRIDE_FILE),
      `# CI ONLY (ci/real-node-e2e.mjs): the real node on a dev chain.\n${stringify(override)}`,
    );
    info(
      `genesis compact_target 0x${DEV_COMPACT_TARGET.toString(16)}; ${OVERRIDE_FILE}: ckb mounts ${DEV_DIR}/`,
    );
  });

  await step(`${compose.join(' ')} up -d`, async () => {
    started = true;
    await $({ cwd: bundleDir })`${compose} up -d`;
  });

  await step('Every service healthy (translator: running until a V1 miner connects)', async () => {
    const required = ['ckb', 'pool', 'prometheus', 'alertmanager', 'grafana', 'node-exporter'];
    let last = {};
    try {
      await waitFor(
        `healthy ${required.join(', ')}`,
        async () => {
          last = await projectHealth(PROJECT);
          return required.every((s) => last[s] === 'healthy') && last.translator !== undefined;
        },
        { timeoutMs: 300_000, intervalMs: 5000 },
      );
    } finally {
      info(
        Object.entries(last)
          .map(([s, h]) => `${s}: ${h}`)
          .join(', '),
      );
    }
  });

  const ckbToml = parseToml(readFileSync(join(bundleDir, 'ckb/ckb.toml'), 'utf8'));
  const rpcPort = ckbToml.rpc.listen_address.split(':').pop();
  const rpc = (method, params = []) => nodeRpc(bundleDir, rpcPort, method, params);

  await step('The node runs the dev chain with our spec, out of initial block download', async () => {
    const chain = await rpc('get_blockchain_info');
    const genesis = await rpc('get_header_by_number', ['0x0']);
    info(`chain ${chain.chain}, ibd ${chain.is_initial_block_download}, genesis ${genesis.hash}`);
    if (chain.chain !== 'ckb_dev') throw new Error(`the node runs '${chain.chain}', not the dev chain`);
    if (Number(genesis.compact_target) !== DEV_COMPACT_TARGET)
      throw new Error(`genesis compact_target ${genesis.compact_target}, not our spec's`);
    if (chain.is_initial_block_download) throw new Error('the node is in initial block download');
  });

  const translatorHealthy = () =>
    waitFor(
      'the translator to be healthy',
      async () => (await projectHealth(PROJECT)).translator === 'healthy',
      {
        timeoutMs: 120_000,
        intervalMs: 3000,
      },
    );
  for (const p of [
    {
      name: 'SV2',
      url: `stratum2+tcp://127.0.0.1:${config.ports.sv2}/${bundle.authorityPublicKey}`,
      // accounts.mode address (the default): workers are named by the payout address.
      user: `${TESTNET_PAYOUT}.sv2`,
    },
    {
      name: 'V1',
      url: `stratum+tcp://127.0.0.1:${config.ports.v1}`,
      user: `${TESTNET_PAYOUT}.v1`,
      whileMining: translatorHealthy,
    },
  ]) {
    await step(
      `Mine through the ${p.name} port until the real node's main chain holds the pool's block`,
      async () => {
        const before = Number(await rpc('get_tip_block_number'));
        const block = await mineUntilBlock({
          ...p,
          apiUrl: `http://127.0.0.1:${config.ports.api}`,
          logFile: join(logs, `miner-${p.name}.log`),
          timeoutMs: 300_000,
        });
        info(`the pool reports block ${block.height} ${block.hash} by ${block.worker}: ${block.status}`);
        await checkOnMainChain(rpc, block.hash, before, ckbToml.block_assembler);
      },
    );
  }

  const promUrl = `http://127.0.0.1:${config.ports.prometheus}`;
  const promApi = async (path) => {
    const body = await (await fetch(`${promUrl}${path}`)).json();
    if (body.status !== 'success') throw new Error(`${path}: ${body.error}`);
    return body.data;
  };
  await step('Prometheus: every target up (the real node included), every alert rule evaluated', async () => {
    const targets = await waitFor(
      'every target up',
      async () => {
        const t = (await promApi('/api/v1/targets')).activeTargets;
        return t.length > 0 && t.every((x) => x.health === 'up') ? t : null;
      },
      { timeoutMs: 120_000, intervalMs: 5000 },
    );
    for (const t of targets) info(`target ${t.labels.job} ${t.scrapeUrl}: ${t.health}`);
    const rendered = parseYaml(readFileSync(join(bundleDir, 'prometheus/alerts.yml'), 'utf8'));
    const expected = rendered.groups.flatMap((g) => g.rules.map((r) => r.alert)).length;
    await waitFor(
      `${expected} rules evaluated`,
      async () => {
        const rules = (await promApi('/api/v1/rules')).groups.flatMap((g) => g.rules);
        return (
          rules.length === expected &&
          rules.every((r) => r.health === 'ok' && !r.lastEvaluation.startsWith('0001-'))
        );
      },
      { timeoutMs: 120_000, intervalMs: 5000 },
    );
  });

  await step("Grafana's API: provisioned dashboards load, datasources healthy, panel queries run", () =>
    checkGrafana(bundleDir, config.ports.grafana),
  );
} catch (err) {
  failed = true;
  if (started) await dumpLogs();
  if (!(err && typeof err === 'object' && 'message' in err)) console.error(err);
} finally {
  if (started && opts.keep) {
    console.log(`\n--keep: the stack keeps running in ${bundle.bundleDir}`);
  } else if (started) {
    try {
      await step('Tear down (down -v) and check nothing is left', async () => {
        await $({ cwd: bundle.bundleDir })`${compose} down -v --remove-orphans --timeout 30`.nothrow();
        const left = await projectLeftovers(PROJECT);
        if (left.containers.length || left.volumes.length)
          throw new Error(`left behind: ${[...left.containers, ...left.volumes].join(' ')}`);
      });
    } catch {
      failed = true;
    }
  }
}
finish(TITLE, failed, { keep: opts.keep });

/**
 * The node itself holds the block on its main chain above the tip it had before mining (it
 * checked the Eaglesong PoW on submit), and the block's cellbase pays the lock of ckb.toml's
 * [block_assembler]: the rendered payout address.
 */
async function checkOnMainChain(rpc, hash, tipBefore, assembler) {
  const header = await rpc('get_header', [hash]);
  if (!header) throw new Error(`the node does not know block ${hash}`);
  const height = Number(header.number);
  if ((await rpc('get_block_hash', [header.number])) !== hash)
    throw new Error(`block ${hash} is not on the main chain at ${height}`);
  const tip = Number(await rpc('get_tip_block_number'));
  if (!(height > tipBefore && tip >= height)) throw new Error(`block ${height}, tip ${tipBefore} → ${tip}`);
  const lock = cellbaseLock((await rpc('get_block', [hash])).transactions[0].witnesses[0]);
  const want = { code_hash: assembler.code_hash, hash_type: assembler.hash_type, args: assembler.args };
  if (JSON.stringify(lock) !== JSON.stringify(want))
    throw new Error(
      `the cellbase pays ${JSON.stringify(lock)}, not the block assembler ${JSON.stringify(want)}`,
    );
  info(
    `the node: block ${height} on its main chain (tip ${tipBefore} → ${tip}), cellbase paying ${lock.args}`,
  );
}

/** A JSON-RPC call to the node from inside the pool container (the RPC port is never published). */
async function nodeRpc(bundleDir, port, method, params) {
  const body = JSON.stringify({ id: 1, jsonrpc: '2.0', method, params });
  const script = `fetch('http://ckb:${port}', {method: 'POST', headers: {'content-type': 'application/json'}, body: ${JSON.stringify(body)}}).then((r) => r.json()).then((j) => process.stdout.write(JSON.stringify(j)))`;
  const out = await $({ cwd: bundleDir })`${compose} exec -T pool node -e ${script}`;
  const answer = JSON.parse(out.stdout);
  if (answer.error) throw new Error(`${method}: ${JSON.stringify(answer.error)}`);
  return answer.result;
}

async function dumpLogs() {
  console.log('\n== container state and logs (last 150 lines per service)');
  const cwd = bundle.bundleDir;
  console.log((await $({ cwd })`${compose} ps`.nothrow()).stdout);
  const out = await $({ cwd })`${compose} logs --no-color --tail=150`.nothrow();
  console.log(out.stdout, out.stderr);
}
