#!/usr/bin/env zx
// What a user installs, end to end (issue 11): both npm packages packed from this checkout,
// installed into an empty folder that cannot see the repository, and run from there.
//
//   npx zx ci/packed-e2e.mjs          (.ci/run runs it; CKB_POOL_PACK_DIR reuses its tarballs)
//
// Checks: the tarballs carry no tests, fixtures or benchmarks; tsx is not installed; both
// bins answer --help; init --yes, render, synth for AWS and Alibaba Cloud; `dev --no-miner` plus
// `ckb-pool mine` against the SV2 URL it prints until the dev chain accepts a block; and plain
// `dev` (its own CPU miner) showing blocks — the README's promise for a user.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { $ } from 'zx';
import { forbiddenFiles, installPacked, packages, ROOT, tarballFiles } from './lib/packed.mjs';
import { finish, info, scratch, step, waitFor } from './lib/steps.mjs';

// accounts.mode address (the default): the miner is named by a dev-chain (ckt) address.
const MINER =
  'ckt1qzda0cr08m85hc8jlnfp3zer7xulejywt49kt2rr0vthywaa50xwsqtyqlpwlx7ed68pftzv69wcvr5nxxqzzus2zxwa6.cpu';

$.verbose = false;
$.quiet = true;
const TITLE = 'packed-e2e';
const work = scratch('ckb-pool-packed-e2e-');
console.log(`== ${TITLE}: logs in ${work}`);
const TESTNET_PAYOUT =
  'ckt1qzda0cr08m85hc8jlnfp3zer7xulejywt49kt2rr0vthywaa50xwsqtyqlpwlx7ed68pftzv69wcvr5nxxqzzus2zxwa6';

const children = new Set();
/** A bin of the installed folder as a background process, output in a log file. */
function startBin(prefix, bin, args, log) {
  const fd = openSync(join(work, log), 'a');
  const child = spawn(join(prefix, 'node_modules/.bin', bin), args, {
    cwd: prefix,
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  child.exited = new Promise((r) => child.on('exit', (code, signal) => r({ code, signal })));
  children.add(child);
  return child;
}
async function stop(child, what) {
  child.kill('SIGINT');
  const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
  const { code, signal } = await child.exited;
  clearTimeout(t);
  children.delete(child);
  if (code !== 0) throw new Error(`${what} did not exit 0 on Ctrl-C (${code ?? signal})`);
}
const tail = (log) => readFileSync(join(work, log), 'utf8').split('\n').slice(-25).join('\n');

async function acceptedBlocks(apiUrl, worker) {
  const res = await fetch(`${apiUrl}/api/v1/blocks`);
  if (!res.ok) throw new Error(`GET /api/v1/blocks answered ${res.status}`);
  const { blocks } = await res.json();
  return blocks.filter((b) => b.status === 'accepted' && (!worker || b.worker === worker));
}

async function endpoints(file, child, log) {
  return waitFor(
    `${file}`,
    async () => {
      if (child.exitCode !== null) throw new Error(`dev exited early (${child.exitCode}):\n${tail(log)}`);
      return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : null;
    },
    { timeoutMs: 90_000, intervalMs: 500 },
  );
}

let failed = false;
try {
  const tarballs = await step('npm pack both packages (prepack builds dist/)', async () => {
    const t = await packages();
    info(`${t.pool}\n  ${t.deploy}`);
    return t;
  });

  await step('The tarballs carry the compiled CLI and no tests, fixtures or benchmarks', async () => {
    const pool = await tarballFiles(tarballs.pool);
    const deploy = await tarballFiles(tarballs.deploy);
    const bad = [
      ...forbiddenFiles(pool).map((f) => `ckb-pool: ${f}`),
      ...forbiddenFiles(deploy).map((f) => `ckb-pool-deploy: ${f}`),
    ];
    if (bad.length > 0) throw new Error(`files that must not ship:\n  ${bad.join('\n  ')}`);
    for (const f of ['dist/cli/main.js', 'dist/miner/worker.js', 'bin/ckb-pool.js', 'Dockerfile']) {
      if (!pool.includes(f)) throw new Error(`ckb-pool lacks ${f}`);
    }
    for (const f of [
      'dist/cli/main.js',
      'bin/ckb-pool-deploy.js',
      'ansible/site.yml',
      'ansible/roles/ckb_pool/tasks/main.yml',
    ]) {
      if (!deploy.includes(f)) throw new Error(`ckb-pool-deploy lacks ${f}`);
    }
    if (pool.some((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')))
      throw new Error('ckb-pool ships TypeScript sources');
    info(`ckb-pool: ${pool.length} files, ckb-pool-deploy: ${deploy.length} files`);
  });

  const prefix = await step(
    'npm install ./ckb-pool-*.tgz ./ckb-pool-deploy-*.tgz in an empty folder',
    async () => {
      const p = await installPacked(tarballs, join(work, 'npm-install.log'));
      info(`installed in ${p}`);
      if (existsSync(join(p, 'node_modules/tsx')))
        throw new Error('tsx was installed: it must be a development dependency only');
      const resolved = (
        await $({ cwd: p })`node -p ${"require.resolve('ckb-pool/package.json')"}`
      ).stdout.trim();
      if (!resolved.startsWith(p)) throw new Error(`ckb-pool resolves outside the folder: ${resolved}`);
      if (resolved.includes(ROOT)) throw new Error(`the install sees the repository (${resolved})`);
      return p;
    },
  );
  const deployer = join(prefix, 'node_modules/.bin/ckb-pool-deploy');
  const pool = join(prefix, 'node_modules/.bin/ckb-pool');

  await step('ckb-pool-deploy --help and ckb-pool --help run the compiled JavaScript', async () => {
    const d = await $({ cwd: prefix })`${deployer} --help`;
    const p = await $({ cwd: prefix })`${pool} --help`;
    for (const c of ['init', 'render', 'synth', 'up', 'dev', 'image'])
      if (!d.stdout.includes(`  ${c} `)) throw new Error(`deployer --help lacks ${c}`);
    for (const c of ['serve', 'translate', 'mine', 'devnet', 'keys'])
      if (!p.stdout.includes(`  ${c} `)) throw new Error(`ckb-pool --help lacks ${c}`);
    const v = (await $({ cwd: prefix })`${deployer} --version`).stdout.trim();
    info(`ckb-pool-deploy ${v}`);
  });

  await step('init --yes, render, synth --cloud aws and --cloud alicloud', async () => {
    await $({ cwd: prefix })`ssh-keygen -q -t ed25519 -N ${''} -f ${join(prefix, 'id_ed25519')}`;
    const common = [
      '--yes',
      '--chain',
      'testnet',
      '--payout-address',
      TESTNET_PAYOUT,
      '--admin-cidr',
      '203.0.113.7/32',
      '--ssh-public-key',
      join(prefix, 'id_ed25519.pub'),
      '--ssh-private-key',
      join(prefix, 'id_ed25519'),
    ];
    await $({
      cwd: prefix,
    })`${deployer} init --config aws.yaml --project packed --cloud aws --region us-east-1 ${common}`;
    await $({
      cwd: prefix,
    })`${deployer} init --config ali.yaml --project packed --cloud alicloud --region ap-southeast-1 ${common}`;
    await $({ cwd: prefix })`${deployer} render --config aws.yaml --out bundle`;
    for (const f of ['compose.yaml', 'ckb/ckb.toml', 'pool/pool.yaml', 'pool/translator.yaml']) {
      if (!existsSync(join(prefix, 'bundle', f))) throw new Error(`render wrote no bundle/${f}`);
    }
    for (const [cloud, cfg, resource] of [
      ['aws', 'aws.yaml', 'aws_instance'],
      ['alicloud', 'ali.yaml', 'alicloud_instance'],
    ]) {
      await $({ cwd: prefix })`${deployer} synth --cloud ${cloud} --config ${cfg} --out tf`;
      const tf = JSON.parse(readFileSync(join(prefix, `tf/stacks/packed-${cloud}/cdk.tf.json`), 'utf8'));
      if (!tf.resource?.[resource]) throw new Error(`synth --cloud ${cloud} has no ${resource}`);
      info(`synth --cloud ${cloud}: ${Object.keys(tf.resource).length} resource types`);
    }
  });

  await step(
    'dev --no-miner, then ckb-pool mine against its SV2 URL until the dev chain accepts a block',
    async () => {
      const file = join(work, 'endpoints-no-miner.json');
      const dev = startBin(
        prefix,
        'ckb-pool-deploy',
        ['dev', '--no-miner', '--endpoints-file', file],
        'dev-no-miner.log',
      );
      const e = await endpoints(file, dev, 'dev-no-miner.log');
      info(`SV2 ${e.sv2_url}`);
      const miner = startBin(
        prefix,
        'ckb-pool',
        ['mine', '--url', e.sv2_url, '--user', MINER, '--threads', '1'],
        'mine.log',
      );
      try {
        const [block] = await waitFor(
          'an accepted block by the packed miner',
          async () => {
            if (miner.exitCode !== null)
              throw new Error(`the miner exited (${miner.exitCode}):\n${tail('mine.log')}`);
            const b = await acceptedBlocks(e.api_url, MINER);
            return b.length > 0 ? b : null;
          },
          { timeoutMs: 180_000, intervalMs: 1000 },
        );
        info(`block ${block.height ?? block.number ?? ''} ${block.hash ?? ''} accepted`);
      } catch (err) {
        err.message += `\nminer:\n${tail('mine.log')}\ndev:\n${tail('dev-no-miner.log')}`;
        throw err;
      } finally {
        await stop(miner, 'ckb-pool mine');
        await stop(dev, 'ckb-pool-deploy dev');
      }
    },
  );

  await step('dev (its own CPU miner) shows blocks', async () => {
    const file = join(work, 'endpoints-dev.json');
    const dev = startBin(prefix, 'ckb-pool-deploy', ['dev', '--endpoints-file', file], 'dev.log');
    try {
      const e = await endpoints(file, dev, 'dev.log');
      const blocks = await waitFor(
        'an accepted block',
        async () => (await acceptedBlocks(e.api_url)).length,
        {
          timeoutMs: 180_000,
          intervalMs: 1000,
        },
      );
      info(
        `${blocks} accepted block(s); dev's summary: ${tail('dev.log').split('\n').filter(Boolean).at(-1)}`,
      );
      // The web page's files ship in the packed ckb-pool (pool/web, uPlot from its dependency).
      for (const path of [
        '/',
        `/miners/${e.miner_address}`,
        '/assets/app.js',
        '/assets/style.css',
        '/assets/uPlot.iife.min.js',
      ]) {
        const r = await fetch(`${e.web_url}${path}`);
        if (r.status !== 200) throw new Error(`web page ${path}: HTTP ${r.status}`);
      }
      info(`web page and its assets served at ${e.web_url}`);
    } finally {
      await stop(dev, 'ckb-pool-deploy dev');
    }
  });
} catch (err) {
  failed = true;
  console.error(err?.stack ?? err);
} finally {
  for (const c of children) c.kill('SIGKILL');
}
finish(TITLE, failed);
