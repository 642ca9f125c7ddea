#!/usr/bin/env zx
// An in-place upgrade under mining load, on a real Docker engine (issue 12, item 8).
//
//   npx zx ci/upgrade-e2e.mjs          (as root, from the repository)
//
// `ckb-pool-deploy up --cloud local` starts a testnet bundle (monitoring off; the CKB node
// replaced by the dev chain, as in ci/docker-e2e.mjs), an SV2 miner mines on the pool and a V1
// miner through the translator. Then the pool image is rebuilt with a changed label under a new
// tag (the same package: what matters is that its container is recreated), `images.pool` is
// moved to it while `images.translator` (written by init) stays on the old tag, as
// docs/operations.md describes, and `up` runs again while both miners mine. Checked afterwards:
//   - exactly the pool container was recreated (translator and node kept running);
//   - the V1 miner never saw a disconnect (one TCP connection for its whole run);
//   - the SV2 miner was moved by Reconnect and mines on the new pool;
//   - every share the pool acknowledged is in the ledger (per worker, ledger ≥ heard, less the
//     V1 shares the translator answered itself because they met only the miner's own target);
//   - the ledger in the new container is at the current schema version;
//   - `backup`, taken while both miners mine, is a consistent 0600 archive; after down --purge,
//     `restore` into a new folder brings config and secrets, `up` deploys them, a second
//     `restore` puts the ledger back with the same workers and share totals, and a third is
//     refused (the ledger is not empty).
// Exits 0 with SKIP only when no Docker engine can run at all.
//
// Environment: CKB_POOL_E2E_KEEP=1 keeps the stack running (for debugging).
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { parse as parseYaml, stringify } from 'yaml';
import { $ } from 'zx';
import { initAndRender, OVERRIDE_FILE, TESTNET_PAYOUT } from './lib/bundle.mjs';

// accounts.mode address (the default since 0x4CCB long names): workers are named by an address.
const OPS_SV2 = `${TESTNET_PAYOUT}.sv2`;
const OPS_V1 = `${TESTNET_PAYOUT}.v1`;

import {
  baseImages,
  buildPoolImage,
  composeCommand,
  ensureDocker,
  freePorts,
  projectHealth,
  projectLeftovers,
  ROOT,
} from './lib/docker.mjs';
import { finish, info, scratch, skip, step, waitFor } from './lib/steps.mjs';

$.verbose = false;
$.quiet = true;
const TITLE = 'upgrade-e2e';
const PROJECT = `ops-upgrade-${process.pid}`;
const CLI = join(ROOT, 'bin/ckb-pool-deploy.js');
/** Dev chain difficulty: 2^22 hashes per block, a block every minute or two for the CPU miners. */
const DEV_CHAIN_COMPACT_TARGET = '0x1e040000';
/** CPU miners hash ~50 kH/s: shares must be far easier than the pool's 10^6 minimum. */
const CI_VARDIFF = { minDifficulty: 1024, initialDifficulty: 16384 };
const work = scratch('ckb-pool-upgrade-e2e-');
const logs = join(work, 'logs');
await $`mkdir -p ${logs}`;
console.log(`== ${TITLE}: work folder ${work} (logs in ${logs})`);

const engine = await step('Docker engine', ensureDocker);
if (!engine.ok) {
  skip('upgrade end-to-end test', `no Docker engine can run here: ${engine.reason}`);
  finish(TITLE, false);
}
info(`Docker engine ${engine.version}`);
const compose = await step('Compose command', async () => {
  const cmd = await composeCommand();
  if (!cmd) throw new Error('neither `docker compose` nor `docker-compose` works');
  info(`using ${cmd.join(' ')}`);
  return cmd;
});

let failed = false;
let bundle;
let upBundle;
/** The config whose stack runs (the restore phase moves to a second folder). */
let activeConfig;
let newTag;
const miners = [];
try {
  bundle = await step('init --yes a testnet config (monitoring off)', async () => {
    const [sv2, v1, p2p, api, prometheus, grafana] = await freePorts(6);
    const b = await initAndRender(work, {
      project: PROJECT,
      ports: { sv2, v1, p2p, api, prometheus, grafana },
      // A share every 2 s per miner (pool.shareIntervalSeconds): enough to count in a minute.
      extra: ['--monitoring', 'false', '--share-interval', '2'],
    });
    // init writes images.translator explicitly: a later change of images.pool leaves it alone.
    if (b.config.images.translator !== b.config.images.pool) {
      throw new Error(`init wrote images.translator ${b.config.images.translator}, not the pool's image`);
    }
    upBundle = join(dirname(b.configPath), '.ckb-pool-deploy', PROJECT, 'local', 'bundle');
    info(`pool and translator image ${b.config.images.pool}; ports sv2 ${sv2}, v1 ${v1}, api ${api}`);
    return b;
  });
  const { config, configPath, authorityPublicKey } = bundle;
  const oldTag = config.images.pool;
  newTag = `${oldTag.slice(0, oldTag.lastIndexOf(':'))}:${oldTag.slice(oldTag.lastIndexOf(':') + 1)}-upgrade-ci`;

  await step('Base image (debootstrap Debian 12 + Node)', () => baseImages(logs, 'node'));
  await step(`Pool image ${oldTag} from the packed ckb-pool tarball`, () => buildPoolImage(oldTag, logs));

  await step('ckb-pool-deploy up --cloud local (dev chain override in its bundle folder)', () =>
    upLocal(configPath, oldTag, 'up-1'),
  );

  const apiUrl = `http://127.0.0.1:${config.ports.api}`;
  const sv2 = startMiner(
    'sv2',
    `stratum2+tcp://127.0.0.1:${config.ports.sv2}/${authorityPublicKey}`,
    OPS_SV2,
  );
  const v1 = startMiner('v1', `stratum+tcp://127.0.0.1:${config.ports.v1}`, OPS_V1);
  miners.push(sv2, v1);
  await step('Both miners get shares accepted (SV2 on the pool, V1 through the translator)', async () => {
    const rows = await waitFor(
      'accepted shares of ops.sv2 and ops.v1 in the pool API',
      async () => {
        const w = await workers(apiUrl);
        return shares(w, OPS_SV2) > 0 && shares(w, OPS_V1) > 0 ? w : null;
      },
      { timeoutMs: 180_000, intervalMs: 2000 },
    );
    info(rows.map((r) => `${r.name}: ${r.acceptedShares} accepted`).join(', '));
  });

  const backupFile = join(work, 'pool-backup.tar.gz');
  const backup = await step(
    'ckb-pool-deploy backup while both miners mine (online ledger copy)',
    async () => {
      const out =
        await $`node ${CLI} backup --config ${configPath} --cloud local --out ${backupFile}`.nothrow();
      writeFileSync(join(logs, 'backup.log'), `${out.stdout}\n${out.stderr}`);
      if (out.exitCode !== 0)
        throw new Error(`backup exited ${out.exitCode}: ${out.stderr.trim().slice(-600)}`);
      const mode = (statSync(backupFile).mode & 0o777).toString(8);
      if (mode !== '600')
        throw new Error(`the backup has mode ${mode}, not 600 (it holds the authority key)`);
      const manifest = JSON.parse((await $`tar -xzOf ${backupFile} backup.json`).stdout);
      const { shares: n, acceptedShares, workers: w } = manifest.ledger;
      info(`backup: ${n} shares, ${w} workers; worker totals say ${acceptedShares}`);
      // Shares and worker totals are written in one transaction: a torn copy would differ.
      if (n === 0 || acceptedShares !== n) throw new Error('the ledger copy is empty or not consistent');
      return manifest;
    },
  );

  const before = await containerIds(PROJECT);
  await step(`Rebuild the pool image as ${newTag} (same package, changed label)`, async () => {
    const dockerfile = `FROM ${oldTag}\nLABEL io.ckb-pool.upgrade-ci="${new Date().toISOString()}"\n`;
    await $({ input: dockerfile })`docker build -t ${newTag} -`;
    const [a, b] = await Promise.all([oldTag, newTag].map(imageId));
    if (a === b) throw new Error('the rebuilt image has the same id: the upgrade would recreate nothing');
  });

  await step(
    'Upgrade: images.pool → the new tag, up --cloud local again while both miners mine',
    async () => {
      await $`node ${CLI} init --yes --config ${configPath} --pool-image ${newTag}`;
      const t0 = Date.now();
      await upLocal(configPath, oldTag, 'up-2');
      info(`second up took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      const after = await containerIds(PROJECT);
      const recreated = Object.keys(after).filter((s) => before[s] !== after[s]);
      info(
        `recreated: ${recreated.join(', ') || 'none'}; kept: ${Object.keys(after)
          .filter((s) => before[s] === after[s])
          .join(', ')}`,
      );
      if (recreated.join(',') !== 'pool') {
        throw new Error(`expected exactly the pool to be recreated, got: ${recreated.join(', ') || 'none'}`);
      }
      const image = (await $`docker inspect --format {{.Config.Image}} ${after.pool}`).stdout.trim();
      if (image !== newTag) throw new Error(`the new pool container runs ${image}, not ${newTag}`);
    },
  );

  await step('Both miners get shares accepted by the new pool', async () => {
    const start = await workers(apiUrl);
    await waitFor(
      'more accepted shares of both workers after the upgrade',
      async () => {
        const w = await workers(apiUrl);
        return shares(w, OPS_SV2) > shares(start, OPS_SV2) && shares(w, OPS_V1) > shares(start, OPS_V1);
      },
      { timeoutMs: 120_000, intervalMs: 2000 },
    );
  });

  const heard = await step('Stop the miners and read what each heard acknowledged', async () => {
    const out = {};
    for (const m of miners.splice(0)) out[m.user] = await m.stop();
    for (const [user, s] of Object.entries(out)) {
      info(
        `${user}: ${s.accepted} acknowledged, ${s.rejected} rejected ${JSON.stringify(s.rejectReasons)}, ${s.connections} connection(s)`,
      );
    }
    return out;
  });

  await step('The V1 miner never saw a disconnect; the SV2 miner was moved by Reconnect', async () => {
    if (heard[OPS_V1].connections !== 1) {
      throw new Error(`the V1 miner connected ${heard[OPS_V1].connections} times: it saw a disconnect`);
    }
    if (heard[OPS_SV2].connections < 2) {
      throw new Error('the SV2 miner never reconnected: the pool was not replaced under it');
    }
    // The old pool container is gone with its logs; the translator heard its drain.
    const tlog = await $({ cwd: upBundle })`${compose} -p ${PROJECT} logs --no-color translator`.nothrow();
    if (!`${tlog.stdout}${tlog.stderr}`.includes('upstream asked us to reconnect')) {
      throw new Error('the translator log shows no Reconnect from the old pool: it was not drained');
    }
    info('translator log: "upstream asked us to reconnect" (the old pool drained with SV2 Reconnect)');
  });

  await step('Every share the pool acknowledged is in the ledger', async () => {
    // The last batch of shares reaches the ledger within its flush interval (1 s).
    await new Promise((r) => setTimeout(r, 3000));
    const w = await workers(apiUrl);
    // The translator answers true itself for a V1 share that meets the miner's own target but
    // not its pool channel's (share-relay.ts): the pool never sees it, so it is in no ledger.
    // The new pool's channels start at their initial difficulty, so this happens around the
    // upgrade. One V1 miner here: the translator's counter is all its.
    const local = { [OPS_SV2]: 0, [OPS_V1]: await translatorLocalShares() };
    for (const user of [OPS_SV2, OPS_V1]) {
      const inLedger = shares(w, user);
      const byPool = heard[user].accepted - local[user];
      info(
        `${user}: ledger ${inLedger}, acknowledged ${heard[user].accepted}` +
          (local[user] ? ` (${local[user]} by the translator itself, ${byPool} by the pool)` : '') +
          ` (recorded but not heard: ${inLedger - byPool})`,
      );
      if (inLedger < byPool) {
        throw new Error(
          `${user}: ${byPool - inLedger} shares the pool acknowledged are missing from the ledger`,
        );
      }
    }
  });

  await step('The new pool runs on the migrated ledger (schema version)', async () => {
    const script =
      "const D=require(require.resolve('better-sqlite3',{paths:['/app']}));" +
      "const d=new D('/var/lib/ckb-pool/ledger.sqlite',{readonly:true});" +
      'process.stdout.write(d.prepare("SELECT value FROM meta WHERE key=\'schema_version\'").get().value)';
    const v = (
      await $({ cwd: upBundle })`${compose} -p ${PROJECT} exec -T pool node -e ${script}`
    ).stdout.trim();
    // The version this checkout's ledger migrates to (the image is built from this checkout).
    const want = /export const SCHEMA_VERSION = (\d+);/.exec(
      readFileSync(new URL('../pool/src/ledger/sqlite-schema.ts', import.meta.url), 'utf8'),
    )?.[1];
    if (!want) throw new Error('SCHEMA_VERSION not found in pool/src/ledger/sqlite-schema.ts');
    info(`meta.schema_version = ${v} (this checkout migrates to ${want})`);
    if (v !== want) throw new Error(`the ledger is at schema version '${v}', expected '${want}'`);
  });

  await step(
    'Restore the backup onto a fresh site: restore, up, restore again (docs/operations.md)',
    async () => {
      const down = await $`node ${CLI} down --config ${configPath} --cloud local --purge --yes`.nothrow();
      if (down.exitCode !== 0) throw new Error(`down exited ${down.exitCode}`);
      const site = join(work, 'new-site');
      await $`mkdir -p ${site}`;
      const config2 = join(site, 'ckb-pool.yaml');
      const restore = async (name) => {
        const out =
          await $`node ${CLI} restore --from ${backupFile} --config ${config2} --cloud local`.nothrow();
        writeFileSync(join(logs, `${name}.log`), `${out.stdout}\n${out.stderr}`);
        return out;
      };
      const first = await restore('restore-1');
      if (first.exitCode !== 0 || !first.stdout.includes('Run `ckb-pool-deploy up`')) {
        throw new Error(`the first restore (config and secrets) failed: ${first.stderr.trim().slice(-400)}`);
      }
      info('config and secrets restored into a new folder; nothing deployed there yet');
      activeConfig = config2;
      upBundle = join(site, '.ckb-pool-deploy', PROJECT, 'local', 'bundle');
      await upLocal(config2, oldTag, 'up-3');
      const fresh = await workers(apiUrl);
      if (fresh.length !== 0)
        throw new Error(`the fresh stack's ledger already has workers: ${fresh.map((r) => r.name)}`);
      const second = await restore('restore-2');
      if (second.exitCode !== 0)
        throw new Error(`restore exited ${second.exitCode}: ${second.stderr.trim().slice(-600)}`);
      info(second.stdout.trim().split('\n').pop());
      const restored = await waitFor(
        'the pool API on the restored ledger',
        async () => {
          const w = await workers(apiUrl).catch(() => null);
          return w && w.length > 0 ? w : null;
        },
        { timeoutMs: 60_000, intervalMs: 2000 },
      );
      const total = restored.reduce((n, r) => n + r.acceptedShares, 0);
      info(
        `restored ledger: ${restored.length} workers, ${total} accepted shares (backup: ${backup.ledger.acceptedShares})`,
      );
      if (total !== backup.ledger.acceptedShares || restored.length !== backup.ledger.workers) {
        throw new Error('the restored ledger does not hold what the backup held');
      }
      const third = await restore('restore-3');
      if (third.exitCode === 0 || !third.stderr.includes('is not empty')) {
        throw new Error('a restore over the now non-empty ledger was not refused');
      }
      info('restoring again without --force is refused: the ledger is not empty');
    },
  );
} catch (err) {
  failed = true;
  if (!(err && typeof err === 'object' && 'message' in err)) console.error(err);
  if (upBundle) {
    const out = await $({ cwd: upBundle })`${compose} -p ${PROJECT} logs --no-color --tail=80`.nothrow();
    writeFileSync(join(logs, 'compose-logs.txt'), `${out.stdout}\n${out.stderr}`);
    console.log(`compose logs: ${join(logs, 'compose-logs.txt')}`);
  }
} finally {
  for (const m of miners.splice(0)) await m.stop().catch(() => {});
  if (process.env.CKB_POOL_E2E_KEEP === '1') {
    console.log(`\nCKB_POOL_E2E_KEEP=1: the stack keeps running in ${upBundle}`);
  } else if (bundle) {
    try {
      await step('down --cloud local --purge --yes leaves nothing behind', async () => {
        const out =
          await $`node ${CLI} down --config ${activeConfig ?? bundle.configPath} --cloud local --purge --yes`.nothrow();
        writeFileSync(join(logs, 'down.log'), `${out.stdout}\n${out.stderr}`);
        if (newTag) await $`docker image rm ${newTag}`.nothrow();
        const left = await projectLeftovers(PROJECT);
        if (out.exitCode !== 0 || left.containers.length || left.volumes.length) {
          throw new Error(
            `down exited ${out.exitCode}; left: containers ${left.containers.join(' ')} volumes ${left.volumes.join(' ')}`,
          );
        }
      });
    } catch {
      failed = true;
    }
  }
}
finish(TITLE, failed);

/** render → dev chain override → `up --cloud local`, then wait for the pool to be healthy. */
async function upLocal(configPath, devChainImage, name) {
  await $`node ${CLI} render --config ${configPath} --out ${upBundle}`;
  writeDevChainOverride(upBundle, devChainImage);
  const out = await $`node ${CLI} up --config ${configPath} --cloud local`.nothrow();
  writeFileSync(join(logs, `${name}.log`), `${out.stdout}\n${out.stderr}`);
  if (out.exitCode !== 0) throw new Error(`up exited ${out.exitCode}: ${out.stderr.trim().slice(-600)}`);
  await waitFor(
    'the pool container to be healthy',
    async () => (await projectHealth(PROJECT)).pool === 'healthy',
    {
      timeoutMs: 120_000,
      intervalMs: 3000,
    },
  );
}

/**
 * The CI-only override this test needs: the CKB node becomes the dev chain (no registry serves
 * nervos/ckb here), on a FIXED image — the pool's tag moves during the test, and the node must
 * not be recreated by a pool upgrade — at a difficulty well above the shares' (otherwise every
 * share is a block and the test measures block submission, not shares); and the pool reads a
 * copy of its rendered pool.yaml with share difficulties a CPU reaches. Like ci/lib/bundle.mjs,
 * minus monitoring.
 */
function writeDevChainOverride(dir, image) {
  const composeFile = parseYaml(readFileSync(join(dir, 'compose.yaml'), 'utf8'));
  const ckbToml = parseToml(readFileSync(join(dir, 'ckb/ckb.toml'), 'utf8'));
  const poolYaml = parseYaml(readFileSync(join(dir, 'pool/pool.yaml'), 'utf8'));
  poolYaml.vardiff = { ...poolYaml.vardiff, ...CI_VARDIFF };
  writeFileSync(join(dir, 'pool/pool.ci.yaml'), stringify(poolYaml), { mode: 0o644 });
  const port = (address) => /:(\d+)$/.exec(address ?? '')?.[1];
  const assembler = ckbToml.block_assembler ?? {};
  const command = [
    'devnet',
    '--rpc',
    `0.0.0.0:${port(ckbToml.rpc?.listen_address)}`,
    '--subscribe',
    `0.0.0.0:${port(ckbToml.rpc?.tcp_listen_address)}`,
    '--pow',
    'eaglesong-blake2b',
    '--compact-target',
    DEV_CHAIN_COMPACT_TARGET,
    ...(assembler.args ? ['--lock-args', assembler.args] : []),
    ...(assembler.notify ?? []).flatMap((url) => ['--notify', url]),
  ];
  const override = {
    version: composeFile.version,
    services: {
      ckb: { image, entrypoint: ['/usr/bin/tini', '--', 'ckb-pool'], command, stop_grace_period: '10s' },
      // Compose merges volumes by container path: this replaces the pool.yaml mount only.
      pool: { volumes: ['./pool/pool.ci.yaml:/etc/ckb-pool/pool.yaml:ro'] },
    },
  };
  writeFileSync(
    join(dir, OVERRIDE_FILE),
    `# CI ONLY (ci/upgrade-e2e.mjs): the dev chain as the node\n${stringify(override)}`,
  );
}

/** `ckb-pool mine` on this machine; `stop()` sends SIGINT and resolves to its final JSON summary. */
function startMiner(name, url, user) {
  const outFile = join(logs, `miner-${name}.json`);
  const errFile = join(logs, `miner-${name}.log`);
  const [out, err] = [openSync(outFile, 'w'), openSync(errFile, 'w')];
  const args = [
    'mine',
    '--url',
    url,
    '--user',
    user,
    '--threads',
    '1',
    '--chain',
    'testnet',
    '--interval',
    '5',
  ];
  const child = spawn(process.execPath, [join(ROOT, 'pool/bin/ckb-pool.js'), ...args], {
    stdio: ['ignore', out, err],
  });
  closeSync(out);
  closeSync(err);
  info(`ckb-pool ${args.join(' ')} (log ${errFile})`);
  const exited = new Promise((resolve) => child.on('exit', resolve));
  return {
    user,
    async stop() {
      child.kill('SIGINT');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
      const text = readFileSync(outFile, 'utf8').trim();
      if (!text) throw new Error(`the ${name} miner printed no summary; log ${errFile}`);
      return JSON.parse(text.split('\n').pop());
    },
  };
}

async function workers(apiUrl) {
  const res = await fetch(`${apiUrl}/api/v1/workers`, { signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`GET /api/v1/workers answered ${res.status}`);
  const body = await res.json();
  return Array.isArray(body) ? body : (body.workers ?? []);
}

/**
 * V1 shares the translator answered true without forwarding (ckb_translator_local_shares_total),
 * read from its /metrics inside its container (the port is not published).
 */
async function translatorLocalShares() {
  const script =
    "const Y=require(require.resolve('yaml',{paths:['/app']}));" +
    "const c=Y.parse(require('fs').readFileSync('/etc/ckb-pool/translator.yaml','utf8'));" +
    "fetch('http://127.0.0.1:'+c.metrics.listen.split(':').pop()+'/metrics').then(r=>r.text())" +
    ".then(t=>process.stdout.write((/^ckb_translator_local_shares_total (\\d+)$/m.exec(t)||[])[1]||'absent'))";
  const out = (
    await $({ cwd: upBundle })`${compose} -p ${PROJECT} exec -T translator node -e ${script}`
  ).stdout.trim();
  if (!/^\d+$/.test(out)) throw new Error(`the translator's /metrics has no local-shares counter (${out})`);
  return Number(out);
}

/** Accepted shares credited to `user` (the translator may credit it inside its own account). */
function shares(rows, user) {
  return rows
    .filter((r) => r.name === user || r.name.endsWith(`.${user}`))
    .reduce((n, r) => n + r.acceptedShares, 0);
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

async function imageId(tag) {
  return (await $`docker image inspect --format {{.Id}} ${tag}`).stdout.trim();
}
