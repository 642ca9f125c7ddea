#!/usr/bin/env zx
// The two-pool rehearsal of `pool.hosts: 2` on one Docker engine (issue 17, deliverable 4):
//
//   npx zx ci/cluster-e2e.mjs          (as root, from the repository; .ci/run runs it)
//
// One PostgreSQL ledger (a throwaway cluster from Debian's postgresql, on the Docker host: no
// image registry is reachable in CI), one CKB dev chain (`ckb-pool devnet` in the pool image),
// and two pool containers from the pool image built from the packed ckb-pool tarball, each
// with its own sv2.instanceId, both on that ledger and notified by the node, as the pool hosts
// of a cluster are. A CPU miner mines on each pool until the dev chain took a block; then each
// worker's shares in the ledger must equal what its pool acknowledged (SubmitShares.Success is
// batched, so a miner that stops may not hear the last batch: it must never have heard more),
// and every found block must be recorded exactly once and listed alike by both pools.
// Exits 0 with SKIP only when no Docker engine or PostgreSQL can run.
//
// Environment: CKB_POOL_E2E_KEEP=1 keeps the containers and the database after the checks.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, cpSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { $ } from 'zx';
import { initAndRender, TESTNET_PAYOUT } from './lib/bundle.mjs';
import { baseImages, buildPoolImage, composeCommand, ensureDocker, freePorts, ROOT } from './lib/docker.mjs';
import { LEDGER, postgresBin, startLedger } from './lib/postgres.mjs';
import { finish, info, scratch, skip, step, waitFor } from './lib/steps.mjs';

$.verbose = false;
$.quiet = true;
const TITLE = 'cluster-e2e';
const PROJECT = `ckbpoolcl${process.pid}`;
const POOLS = 2;
const MIN_SHARES = 20;
const COMPOSE_FILE = 'cluster-compose.yaml';
const work = scratch('ckb-pool-cluster-e2e-');
const logs = join(work, 'logs');
await $`mkdir -p ${logs}`;
console.log(`== ${TITLE}: work folder ${work} (logs in ${logs})`);

/**
 * The cluster's compose file in the bundle folder: the node, and pool-0..N-1 made from the
 * rendered `pool` service, each with its own pool.yaml (node over the network, the shared
 * ledger, its instance id), its own published SV2 and API ports and the ledger password file.
 */
function writeClusterCompose(bundleDir, pgPort, ports) {
  const compose = parseYaml(readFileSync(join(bundleDir, 'compose.yaml'), 'utf8'));
  const ckbToml = parseToml(readFileSync(join(bundleDir, 'ckb/ckb.toml'), 'utf8'));
  const poolYaml = parseYaml(readFileSync(join(bundleDir, 'pool/pool.yaml'), 'utf8'));
  const pool = compose.services.pool;
  const notify = new URL(ckbToml.block_assembler.notify[0]);
  const rpcPort = new URL(poolYaml.node.rpcUrl).port;
  const subscribePort = poolYaml.node.subscribeAddress.split(':').pop();
  const apiPort = poolYaml.api.listen.split(':').pop();
  const sv2Port = poolYaml.sv2.listen.split(':').pop();
  const services = {
    ckb: {
      image: pool.image,
      entrypoint: ['/usr/bin/tini', '--', 'ckb-pool'],
      command: [
        'devnet',
        '--rpc',
        `0.0.0.0:${rpcPort}`,
        '--subscribe',
        `0.0.0.0:${subscribePort}`,
        '--pow',
        'eaglesong-blake2b',
        // ~1 M hashes a block (seconds for two CPU miners, tens of seconds on a loaded machine):
        // at the dev chain's genesis 256 hashes every share would be a block.
        '--compact-target',
        '0x1e100000',
        '--lock-args',
        ckbToml.block_assembler.args,
        ...Array.from({ length: POOLS }, (_, i) => [
          '--notify',
          `http://pool-${i}:${notify.port}${notify.pathname}`,
        ]).flat(),
      ],
      networks: ['cluster'],
      stop_grace_period: '10s',
    },
  };
  for (let i = 0; i < POOLS; i++) {
    const dir = join(bundleDir, `pool-${i}`);
    cpSync(join(bundleDir, 'pool'), dir, { recursive: true });
    const own = {
      ...poolYaml,
      node: { ...poolYaml.node, notifyListen: `0.0.0.0:${notify.port}` },
      sv2: { ...poolYaml.sv2, instanceId: i },
      // Five shares a second per miner, down to 1,000 hashes a share (the default floor is a
      // million, this dev chain's block): the totals below compare tens of shares, and a
      // block (~1 M hashes) is many shares, whatever the machine's hashrate.
      vardiff: { ...poolYaml.vardiff, targetShareIntervalSeconds: 0.2, minDifficulty: 1000 },
      ledger: {
        url: `postgres://${LEDGER.user}@ledger:${pgPort}/${LEDGER.database}`,
        passwordFile: '/run/secrets/ledger-password',
      },
    };
    writeFileSync(join(dir, 'pool.yaml'), stringifyYaml(own));
    services[`pool-${i}`] = {
      ...pool,
      restart: 'no',
      depends_on: ['ckb'],
      networks: ['cluster'],
      extra_hosts: ['ledger:host-gateway'],
      ports: [`127.0.0.1:${ports[i].sv2}:${sv2Port}`, `127.0.0.1:${ports[i].api}:${apiPort}`],
      secrets: [...pool.secrets, 'ledger-password'],
      volumes: pool.volumes.map((v) =>
        v.startsWith('pool-data:')
          ? v.replace('pool-data:', `pool-data-${i}:`)
          : v.replace('./pool/', `./pool-${i}/`),
      ),
    };
  }
  const file = {
    ...(compose.version ? { version: compose.version } : {}),
    services,
    networks: { cluster: { driver: 'bridge' } },
    volumes: Object.fromEntries(Array.from({ length: POOLS }, (_, i) => [`pool-data-${i}`, {}])),
    secrets: { ...compose.secrets, 'ledger-password': { file: './secrets/ledger-password' } },
  };
  // YAML 1.1 as compose v1 reads it: 1.2's plain `no` would be a boolean there.
  writeFileSync(join(bundleDir, COMPOSE_FILE), stringifyYaml(file, { version: '1.1' }));
}

/** Sum of a Prometheus counter over the given `outcome` labels (any other labels summed too). */
function metricSum(text, name, outcomes) {
  let sum = 0;
  for (const line of text.split('\n')) {
    const m = /^(\w+)\{([^}]*)\} (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const outcome = /outcome="([^"]*)"/.exec(m[2])?.[1];
    if (outcomes.includes(outcome)) sum += Number(m[3]);
  }
  return sum;
}

const worker = (i) => `${TESTNET_PAYOUT}.rig${i}`;

/** A CPU miner on one pool; `stop()` ends it with SIGINT and resolves to its JSON summary. */
function startMiner(url, user, logFile) {
  const err = openSync(logFile, 'a');
  const miner = spawn(
    process.execPath,
    // The dev chain hashes as testnet does (eaglesong-blake2b), as the testnet pools expect.
    [
      join(ROOT, 'pool/bin/ckb-pool.js'),
      'mine',
      '--url',
      url,
      '--user',
      user,
      '--threads',
      '1',
      '--chain',
      'testnet',
    ],
    { stdio: ['ignore', 'pipe', err] },
  );
  closeSync(err);
  let out = '';
  miner.stdout.on('data', (b) => {
    out += b;
  });
  const exited = new Promise((r) => miner.on('exit', (code) => r(code)));
  return {
    user,
    logFile,
    running: () => miner.exitCode === null,
    async stop() {
      miner.kill('SIGINT');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 20_000))]);
      if (miner.exitCode === null) miner.kill('SIGKILL');
      const line = out.trim().split('\n').pop();
      if (!line) throw new Error(`the miner ${user} printed no summary (log ${logFile})`);
      return JSON.parse(line);
    },
  };
}

const engine = await step('Docker engine', ensureDocker);
if (!engine.ok) {
  skip('cluster end-to-end test', `no Docker engine can run here: ${engine.reason}`);
  finish(TITLE, false);
}
const bin = postgresBin();
if (!bin) {
  skip('cluster end-to-end test', 'PostgreSQL is not installed (apt-get install postgresql)');
  finish(TITLE, false);
}
const compose = await step('Compose command', async () => {
  const cmd = await composeCommand();
  if (!cmd) throw new Error('neither `docker compose` nor `docker-compose` works');
  return cmd;
});

let failed = false;
let ledger;
let bundleDir;
const miners = [];
try {
  const [pgPort, ...hostPorts] = await freePorts(1 + 2 * POOLS);
  const ports = Array.from({ length: POOLS }, (_, i) => ({
    sv2: hostPorts[2 * i],
    api: hostPorts[2 * i + 1],
  }));
  const password = randomBytes(24).toString('base64url');

  const bundle = await step('init --yes + render a testnet bundle', () =>
    initAndRender(work, { project: PROJECT }),
  );
  bundleDir = bundle.bundleDir;
  writeFileSync(join(bundleDir, 'secrets/ledger-password'), `${password}\n`, { mode: 0o444 });

  ledger = await step(`PostgreSQL ledger on port ${pgPort} (${bin})`, () =>
    startLedger(bin, pgPort, password),
  );
  await step('Base images (debootstrap Debian 12, Node)', () => baseImages(logs, 'node'));
  await step(`Pool image ${bundle.config.images.pool} from the packed ckb-pool tarball`, () =>
    buildPoolImage(bundle.config.images.pool, logs),
  );
  await step(`${COMPOSE_FILE}: the node and ${POOLS} pools on one ledger`, async () => {
    writeClusterCompose(bundleDir, pgPort, ports);
    await $({ cwd: bundleDir })`${compose} -f ${COMPOSE_FILE} -p ${PROJECT} up -d`;
  });
  await step('Both pools answer their API (schema migrated once, each on the shared ledger)', async () => {
    for (const p of ports) {
      await waitFor(
        `the pool API on 127.0.0.1:${p.api}`,
        async () => {
          // A pool that exited (e.g. refused by the ledger) fails now, with its last log lines.
          const filter = [
            '--filter',
            `label=com.docker.compose.project=${PROJECT}`,
            '--filter',
            'status=exited',
          ];
          const exited = (await $`docker ps -a -q ${filter}`).stdout.trim().split('\n').filter(Boolean);
          if (exited.length > 0) {
            const tail = (await $`docker logs --tail 5 ${exited[0]} 2>&1`.nothrow()).stdout;
            throw Object.assign(new Error(`a container exited:\n${tail}`), { fatal: true });
          }
          return (await fetch(`http://127.0.0.1:${p.api}/api/v1/pool`)).ok;
        },
        { timeoutMs: 120_000, intervalMs: 2000 },
      );
    }
    info(`schema version ${ledger.query("SELECT value FROM meta WHERE key = 'schema_version';").trim()}`);
  });

  await step('A miner on each pool until the dev chain took a block', async () => {
    ports.forEach((p, i) => {
      const url = `stratum2+tcp://127.0.0.1:${p.sv2}/${bundle.authorityPublicKey}`;
      // accounts.mode address (the default): each worker is named by the payout address.
      miners.push(startMiner(url, worker(i), join(logs, `miner-${i}.log`)));
    });
    await waitFor(
      'an accepted block in the shared ledger',
      async () => {
        for (const m of miners)
          if (!m.running()) throw new Error(`the miner ${m.user} exited early (log ${m.logFile})`);
        return Number(ledger.query("SELECT count(*) FROM blocks WHERE status = 'accepted';")) > 0;
      },
      { timeoutMs: 150_000, intervalMs: 2000 },
    );
    // Both pools must have had shares: wait until each worker has tens before stopping.
    await waitFor(
      `${MIN_SHARES} shares from each miner`,
      async () =>
        Number(
          ledger.query(
            `SELECT count(*) FROM (SELECT worker FROM shares GROUP BY worker HAVING count(*) >= ${MIN_SHARES}) w;`,
          ),
        ) >= POOLS,
      { timeoutMs: 90_000, intervalMs: 1000 },
    );
  });

  const acknowledged = await step('Stop the miners and read what each heard acknowledged', async () => {
    const stats = await Promise.all(miners.map((m) => m.stop()));
    miners.length = 0;
    for (const [i, s] of stats.entries()) info(`${worker(i)}: accepted ${s.accepted}, blocks ${s.blocks}`);
    return stats;
  });

  await step('Ledger totals equal what the pools acknowledged; each block recorded once', async () => {
    // The pools write shares in batches (flush interval 1 s): wait until the ledger holds what
    // the pools acknowledged (or stops growing: then the check below names the difference).
    let last = -1;
    await waitFor(
      'the ledger to take the last share batches',
      async () => {
        const n = Number(ledger.query('SELECT count(*) FROM shares;'));
        const settled = n === last;
        last = n;
        return settled;
      },
      { timeoutMs: 30_000, intervalMs: 2000 },
    );
    const inLedger = Object.fromEntries(
      ledger
        .query('SELECT worker, count(*) FROM shares GROUP BY worker;')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split('|'))
        .map(([w, c]) => [w, Number(c)]),
    );
    const workers = Object.fromEntries(
      ledger
        .query('SELECT name, accepted_shares FROM workers;')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split('|'))
        .map(([w, c]) => [w, Number(c)]),
    );
    let foundByPools = 0;
    for (const [i, p] of ports.entries()) {
      const user = worker(i);
      const metrics = await (await fetch(`http://127.0.0.1:${p.api}/metrics`)).text();
      // Every share this pool took was acknowledged (batched: SubmitShares.Success).
      const acked = metricSum(metrics, 'ckb_pool_shares_total', ['accepted', 'block']);
      // A share that meets the network target is a block: the pool records it as one.
      foundByPools += metricSum(metrics, 'ckb_pool_shares_total', ['block']);
      const heard = acknowledged[i].accepted;
      info(
        `${user} on pool-${i}: ledger ${inLedger[user] ?? 0}, workers.accepted_shares ${workers[user] ?? 0}, acknowledged by the pool ${acked}, heard by the miner ${heard} (acks in flight when it stopped: ${acked - heard})`,
      );
      if (inLedger[user] !== acked || workers[user] !== acked)
        throw new Error(
          `${user}: the ledger holds ${inLedger[user]} shares (workers: ${workers[user]}), pool-${i} acknowledged ${acked}`,
        );
      // A miner that stops cannot hear the last batch of acks; it never hears more than was recorded.
      if (heard > acked)
        throw new Error(`${user} heard ${heard} acknowledgements, more than the ${acked} recorded`);
    }
    const dupes = ledger.query('SELECT hash FROM blocks GROUP BY hash HAVING count(*) > 1;').trim();
    if (dupes) throw new Error(`blocks recorded more than once: ${dupes}`);
    const blocks = Number(ledger.query('SELECT count(*) FROM blocks;'));
    const heardBlocks = acknowledged.reduce((a, s) => a + s.blocks, 0);
    info(`blocks: ledger ${blocks}, found by the pools ${foundByPools}, heard by the miners ${heardBlocks}`);
    if (blocks !== foundByPools)
      throw new Error(`the pools found ${foundByPools} blocks but the ledger records ${blocks}`);
    if (heardBlocks > blocks)
      throw new Error(`the miners heard ${heardBlocks} blocks, the ledger has ${blocks}`);
    // The shared ledger: both pools' APIs list the same blocks.
    const lists = await Promise.all(
      ports.map(async (p) => {
        const { blocks: b } = await (
          await fetch(`http://127.0.0.1:${p.api}/api/v1/blocks?limit=1000`)
        ).json();
        return b
          .map((x) => x.hash)
          .sort()
          .join(',');
      }),
    );
    if (new Set(lists).size !== 1) throw new Error('the two pools list different blocks from one ledger');
    info(`${blocks} block(s), each recorded once, listed alike by both pools`);
  });
} catch (err) {
  failed = true;
  if (bundleDir) {
    await $({
      cwd: bundleDir,
      nothrow: true,
    })`${compose} -f ${COMPOSE_FILE} -p ${PROJECT} logs --no-color --tail 60 > ${join(logs, 'compose.log')} 2>&1`;
    console.log(`  compose logs: ${join(logs, 'compose.log')}`);
  }
  console.error(err?.stack ?? err);
} finally {
  for (const m of miners) await m.stop().catch(() => {});
  if (process.env.CKB_POOL_E2E_KEEP !== '1') {
    if (bundleDir)
      await $({
        cwd: bundleDir,
        nothrow: true,
      })`${compose} -f ${COMPOSE_FILE} -p ${PROJECT} down -v --remove-orphans`;
    try {
      ledger?.stop();
    } catch (e) {
      console.error(`stopping PostgreSQL: ${e.message}`);
    }
  }
}
finish(TITLE, failed);
