#!/usr/bin/env zx
// The Ansible role over real SSH against a disposable Debian 12 host (issue 8, "Tests").
//
//   npx zx ci/ansible-e2e.mjs          (as root, from the repository; .ci/run runs it)
//
// 1. ansible-playbook ansible/site.yml against a systemd+sshd container (ci/lib/host.mjs):
//    Docker installed by the distribution method, the REAL rendered bundle with the CI override
//    (compose.override.yaml inside the bundle folder, so it travels with the copy; see
//    ci/lib/bundle.mjs), images from `docker save` archives, health must pass; a CPU miner
//    then mines a block through the SV2 port the host publishes; a second run must report
//    changed=0.
// 2. The same path through the CLI, `ckb-pool-deploy up --host root@127.0.0.1:PORT`, against a
//    fresh host container (skipped with the reason when the command is missing).
// Both hosts and their volumes are removed at the end. Exits 0 with SKIP only when Docker,
// ansible-playbook or ssh cannot run here at all.
//
// Environment: CKB_POOL_E2E_KEEP=1 keeps the host containers (for debugging).
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { $ } from 'zx';
import { initAndRender, OVERRIDE_FILE, TESTNET_PAYOUT, writeCiOverride } from './lib/bundle.mjs';
import {
  baseImages,
  buildMonitoringImages,
  buildPoolImage,
  ensureDocker,
  freePorts,
  IMAGE,
  logged,
  ROOT,
} from './lib/docker.mjs';
import { removeHost, startHost } from './lib/host.mjs';
import { mineUntilBlock } from './lib/mining.mjs';
import { finish, info, note, scratch, skip, step, waitFor } from './lib/steps.mjs';

$.verbose = false;
$.quiet = true;
const TITLE = 'ansible-e2e';
const work = scratch('ckb-pool-ansible-e2e-');
const logs = join(work, 'logs');
mkdirSync(logs);
console.log(`== ${TITLE}: work folder ${work} (logs in ${logs})`);

const engine = await step('Docker engine', ensureDocker);
if (!engine.ok) {
  skip('Ansible end-to-end test', `no Docker engine can run here: ${engine.reason}`);
  finish(TITLE, false);
}
for (const [tool, pkg] of [
  ['ansible-playbook', 'ansible-core'],
  ['ssh', 'openssh-client'],
  ['ssh-keygen', 'openssh-client'],
]) {
  if ((await $`command -v ${tool}`.nothrow()).exitCode !== 0) {
    skip('Ansible end-to-end test', `${tool} is not installed (apt-get install ${pkg})`);
    finish(TITLE, false);
  }
}
info((await $`ansible-playbook --version`).stdout.split('\n')[0]);

const hosts = [];
let failed = false;
try {
  await step('Base images (debootstrap Debian 12: Node, systemd host)', () => baseImages(logs, 'all'));

  // Path 1: the role, driven by ansible-playbook directly.
  const [sshPort, sv2, v1] = await freePorts(3);
  const host = await step('Start the disposable Debian host (systemd + sshd)', async () => {
    const h = { name: `ckb-pool-ci-host-${process.pid}`, volume: `ckb-pool-ci-host-${process.pid}-docker` };
    hosts.push(h); // removed at the end even if starting fails half-way
    return Object.assign(h, await startHost({ ...h, work, sshPort, publish: [sv2, v1] }));
  });
  const project = 'ckbpoolansible';
  const bundle = await step('init --yes + render a testnet bundle, CI override inside it', async () => {
    const dir = join(work, 'ansible');
    mkdirSync(dir);
    // publicCidrs: only the gateway (where this machine's connections arrive from), so the
    // firewall must let this machine mine and keep another container on the network out.
    const b = await initAndRender(dir, {
      project,
      ports: { sv2, v1 },
      adminCidr: `${host.gateway}/32`,
      extra: ['--public-cidr', `${host.gateway}/32`],
    });
    writeCiOverride(b.bundleDir);
    info(
      `bundle ${b.bundleDir} (+ ${OVERRIDE_FILE}); admin and public CIDR ${host.gateway}/32 (where this machine's connections arrive from)`,
    );
    return b;
  });
  const { config } = bundle;

  await step(`Images: ${config.images.pool}, Prometheus, Alertmanager`, async () => {
    await buildPoolImage(config.images.pool, logs);
    await buildMonitoringImages(logs);
  });
  // One archive for the four images: their shared Debian layers travel once.
  const archives = await step('docker save the images into an archive', async () => {
    const file = join(work, 'ckb-pool-images.tar');
    const images = [config.images.pool, IMAGE.prometheus, IMAGE.alertmanager, IMAGE.nodeExporter];
    await $`docker save -o ${file} ${images}`;
    info(`${images.join(', ')} → ${file} (${(statSync(file).size / 2 ** 20).toFixed(0)} MiB)`);
    return [file];
  });

  const inventory = join(work, 'inventory.ini');
  writeFileSync(
    inventory,
    `[ckb_pool]\n${host.name} ansible_host=127.0.0.1 ansible_port=${sshPort} ansible_user=root ` +
      `ansible_ssh_private_key_file=${host.key} ` +
      `ansible_ssh_common_args='-o UserKnownHostsFile=${host.knownHosts} -o StrictHostKeyChecking=accept-new'\n`,
  );
  const extraVars = join(work, 'extra-vars.json');
  const vars = (over = {}) =>
    `${JSON.stringify(
      {
        ckb_pool_bundle_dir: bundle.bundleDir,
        ckb_pool_compose_project: project,
        ckb_pool_docker_install_method: 'distro',
        ckb_pool_image_archives: archives,
        ckb_pool_admin_cidrs: config.adminCidrs,
        ckb_pool_public_cidrs: config.publicCidrs,
        ckb_pool_public_ports: [config.ports.sv2, config.ports.v1, config.ports.p2p],
        ckb_pool_ssh_port: sshPort,
        // /health: 200 only when the pool has a fresh template from a synced node (the dev chain).
        ckb_pool_health_url: `http://127.0.0.1:${config.ports.api}/health`,
        ckb_pool_health_wait: 'ready',
        ...over,
      },
      null,
      2,
    )}\n`;
  writeFileSync(extraVars, vars());
  const playbook = async (n, varsFile = extraVars, { expectFailure = false } = {}) => {
    const logFile = join(logs, `ansible-playbook-${n}.log`);
    const args = ['-i', inventory, '-e', `@${varsFile}`, join(ROOT, 'ansible/site.yml')];
    const env = { ...process.env, ANSIBLE_NOCOLOR: '1', ANSIBLE_FORCE_COLOR: '0' };
    if (expectFailure) {
      await $({ cwd: join(ROOT, 'ansible'), env, nothrow: true })`ansible-playbook ${args} >${logFile} 2>&1`;
    } else {
      await logged(logFile, 'ansible-playbook', args, { cwd: join(ROOT, 'ansible'), env });
    }
    return { ...recap((await $`cat ${logFile}`).stdout, host.name), log: (await $`cat ${logFile}`).stdout };
  };
  const hostIp = (
    await $`docker inspect --format ${'{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}'} ${host.name}`
  ).stdout.trim();
  /** Whether a TCP connection to the host's published port opens, from this machine or from another container. */
  const opens = async (port, from) => {
    const probe = `timeout 5 bash -c 'exec 3<>/dev/tcp/${hostIp}/${port}' && echo OPEN || echo CLOSED`;
    const out =
      from === 'container'
        ? await $`docker run --rm --entrypoint bash ${IMAGE.debian} -c ${probe}`.nothrow()
        : await $`bash -c ${probe}`.nothrow();
    return out.stdout.trim() === 'OPEN';
  };

  await step('ansible-playbook site.yml (first run: install Docker, deploy, health)', async () => {
    const r = await playbook(1);
    info(`PLAY RECAP ${host.name}: ${r.line}`);
    if (r.failed || r.unreachable) throw new Error(`first run: ${r.line}`);
  });

  await step('The stack on the host: services healthy, dev chain as the node, no Grafana', async () => {
    const fmt = '{{.Label "com.docker.compose.service"}} {{.Image}} {{.Status}}';
    const ps = await waitFor(
      'healthy ckb, pool, prometheus, alertmanager on the host',
      async () => {
        const out = (
          await host.ssh([
            'docker',
            'ps',
            '--filter',
            `label=com.docker.compose.project=${project}`,
            '--format',
            `'${fmt}'`,
          ])
        ).stdout;
        const rows = out.split('\n').filter(Boolean);
        const healthy = (s) => rows.some((r) => r.startsWith(`${s} `) && r.includes('(healthy)'));
        return ['ckb', 'pool', 'prometheus', 'alertmanager'].every(healthy) ? rows : null;
      },
      { timeoutMs: 120_000, intervalMs: 3000 },
    );
    for (const row of ps) info(row);
    if (ps.some((r) => r.startsWith('grafana '))) throw new Error('grafana was started');
    if (!ps.some((r) => r.startsWith(`ckb ${config.images.pool} `))) {
      throw new Error(
        'the ckb service does not run the dev chain: the override did not travel with the bundle',
      );
    }
    const unit = (await host.ssh(['systemctl', 'is-enabled', 'ckb-pool.service'])).stdout.trim();
    info(`systemd unit ckb-pool.service: ${unit}`);
    const rootMode = (await host.ssh(['stat', '-c', '%a', '/opt/ckb-pool'])).stdout.trim();
    if (rootMode !== '750') throw new Error(`/opt/ckb-pool is ${rootMode}, not 750: secrets/ is exposed`);
    info('/opt/ckb-pool: 750 (other host users cannot reach secrets/)');
  });

  await step('Mine through the SV2 port the host publishes until the dev chain accepts a block', async () => {
    const blocksOnHost = async () => {
      const py = `import urllib.request,sys; sys.stdout.write(urllib.request.urlopen('http://127.0.0.1:${config.ports.api}/api/v1/blocks').read().decode())`;
      return JSON.parse((await host.ssh(['python3', '-c', `"${py}"`])).stdout);
    };
    const block = await mineUntilBlock({
      url: `stratum2+tcp://127.0.0.1:${config.ports.sv2}/${bundle.authorityPublicKey}`,
      // accounts.mode address (the default): workers are named by the payout address.
      user: `${TESTNET_PAYOUT}.ansible`,
      fetchBlocks: blocksOnHost,
      logFile: join(logs, 'miner-ansible.log'),
    });
    info(`block ${block.height} ${block.hash} by ${block.worker}: ${block.status}`);
  });

  await step('ansible-playbook site.yml (second run: changed=0)', async () => {
    const r = await playbook(2);
    info(`PLAY RECAP ${host.name}: ${r.line}`);
    if (r.failed || r.unreachable) throw new Error(`second run: ${r.line}`);
    if (r.changed !== 0) {
      const changedTasks = (
        await $`grep -B1 -E ${'^changed:'} ${join(logs, 'ansible-playbook-2.log')}`.nothrow()
      ).stdout;
      throw new Error(`second run changed ${r.changed} task(s), expected 0:\n${changedTasks}`);
    }
  });

  await step(
    'publicCidrs hold on the ports Docker publishes (forward chain), from two source addresses',
    async () => {
      const from = async (who) => ({
        sv2: await opens(config.ports.sv2, who),
        v1: await opens(config.ports.v1, who),
      });
      const inside = await from('machine');
      const outside = await from('container');
      info(
        `from this machine (${host.gateway}, in publicCidrs): sv2 ${inside.sv2 ? 'open' : 'closed'}, v1 ${inside.v1 ? 'open' : 'closed'}`,
      );
      info(
        `from another container (outside publicCidrs): sv2 ${outside.sv2 ? 'open' : 'closed'}, v1 ${outside.v1 ? 'open' : 'closed'}`,
      );
      if (!inside.sv2 || !inside.v1)
        throw new Error('a source inside publicCidrs cannot reach the published ports');
      if (outside.sv2 || outside.v1)
        throw new Error('a source outside publicCidrs reaches the published ports');
      const widened = join(work, 'extra-vars-wide.json');
      const gw = host.gateway.split('.');
      writeFileSync(widened, vars({ ckb_pool_public_cidrs: [`${gw[0]}.${gw[1]}.0.0/16`] }));
      const r = await playbook('3-wide', widened);
      if (r.failed || r.unreachable) throw new Error(`run with publicCidrs widened: ${r.line}`);
      const after = await from('container');
      info(
        `publicCidrs widened to the bridge network: from the other container sv2 ${after.sv2 ? 'open' : 'closed'}`,
      );
      if (!after.sv2 || !after.v1)
        throw new Error('the other container cannot reach the ports after publicCidrs took it in');
      const verify = await host
        .ssh(['systemd-analyze', 'verify', 'ckb-pool-firewall.service', 'ckb-pool.service'])
        .nothrow();
      if (verify.exitCode !== 0 || `${verify.stdout}${verify.stderr}`.trim() !== '') {
        throw new Error(`systemd-analyze verify on the host: ${verify.stdout}${verify.stderr}`);
      }
      info('systemd-analyze verify ckb-pool-firewall.service ckb-pool.service: clean');
    },
  );

  await step('The role refuses a firewall that would lock this controller out', async () => {
    const locked = join(work, 'extra-vars-locked.json');
    writeFileSync(locked, vars({ ckb_pool_admin_cidrs: ['198.51.100.0/24'] }));
    const r = await playbook('4-lockout', locked, { expectFailure: true });
    if (!r.failed) throw new Error(`the playbook did not fail with adminCidrs 198.51.100.0/24: ${r.line}`);
    if (!r.log.includes(`connects from ${host.gateway}, which is`)) {
      throw new Error('the failure does not name the controller address and adminCidrs');
    }
    // The firewall the last good run applied is still in place: SSH still works.
    await host.ssh(['true']);
    info(`refused, naming ${host.gateway}; SSH still works`);
    writeFileSync(extraVars, vars());
  });

  await step(
    'An image the host can neither find nor pull stops the role before compose, named with its remedies',
    async () => {
      // A copy of the bundle whose override names an image nobody has, for Alertmanager.
      const absent = 'ckb-pool-ci/absent:never';
      const copy = join(work, 'bundle-absent-image');
      await $`cp -a ${bundle.bundleDir} ${copy}`;
      const overridePath = join(copy, OVERRIDE_FILE);
      const o = parseYaml(readFileSync(overridePath, 'utf8'));
      o.services.alertmanager.image = absent;
      writeFileSync(overridePath, stringifyYaml(o));
      const absentVars = join(work, 'extra-vars-absent.json');
      writeFileSync(absentVars, vars({ ckb_pool_bundle_dir: copy, ckb_pool_image_pull_retries: 0 }));
      const containers = async () =>
        (await host.ssh(['docker', 'ps', '-q', '--filter', `label=com.docker.compose.project=${project}`]))
          .stdout;
      const before = await containers();
      const r = await playbook('5-absent-image', absentVars, { expectFailure: true });
      if (!r.failed) throw new Error(`the playbook did not fail with an unpullable image: ${r.line}`);
      const named = `${absent} (service alertmanager; images.alertmanager) from Docker Hub (docker.io)`;
      if (!r.log.includes(named) || !r.log.includes('--image-archive'))
        throw new Error(
          `the failure does not name the image, its registry and the remedies:\n${r.log.slice(-2500)}`,
        );
      if ((await containers()) !== before)
        throw new Error('the stack changed although the role stopped before compose');
      info(`refused before compose, naming: ${named}`);
    },
  );

  // Path 2: the CLI.
  await cliPath();
} catch (err) {
  failed = true;
  if (!(err && typeof err === 'object' && 'message' in err)) console.error(err);
  for (const h of hosts) await dumpHost(h);
} finally {
  if (process.env.CKB_POOL_E2E_KEEP === '1') {
    console.log(`\nCKB_POOL_E2E_KEEP=1: host containers kept: ${hosts.map((h) => h.name).join(', ')}`);
  } else if (hosts.length) {
    try {
      await step('Remove the host containers and their volumes', async () => {
        const left = [];
        for (const h of hosts) left.push(...(await removeHost(h)));
        if (left.length) throw new Error(`left behind: ${left.join(', ')}`);
        info(`removed ${hosts.map((h) => `${h.name} (+ volume ${h.volume})`).join(', ')}`);
      });
    } catch {
      failed = true;
    }
  }
}
finish(TITLE, failed);

/**
 * `up --host` as an operator runs it, with the CI override placed in the CLI's bundle folder
 * beforehand: `up` re-renders the same files into it and leaves files it did not write alone,
 * so the role copies the override along (the same mechanism as path 1).
 */
async function cliPath() {
  const [sshPort, sv2, v1] = await freePorts(3);
  const host = await step('Start a fresh Debian host for `up --host`', async () => {
    const h = { name: `ckb-pool-ci-cli-${process.pid}`, volume: `ckb-pool-ci-cli-${process.pid}-docker` };
    hosts.push(h);
    return Object.assign(h, await startHost({ ...h, work, sshPort, publish: [sv2, v1] }));
  });
  const dir = join(work, 'cli');
  mkdirSync(dir);
  const project = 'ckbpoolcli';
  const bundle = await step(
    'init --yes (ssh key of the host) + the CI override in the CLI bundle folder',
    async () => {
      const b = await initAndRender(dir, {
        project,
        ports: { sv2, v1 },
        adminCidr: `${host.gateway}/32`,
        // diskGb: `up` makes the role insist on that much free space on a first deploy; the
        // host container shares this machine's disk, so ask for the schema's minimum (30).
        extra: ['--ssh-private-key', host.key, '--ssh-public-key', `${host.key}.pub`, '--disk-gb', '30'],
      });
      // up renders into <config dir>/.ckb-pool-deploy/<project>/ssh/bundle (cli/deploy/workdir.ts).
      const upBundle = join(dir, '.ckb-pool-deploy', project, 'ssh', 'bundle');
      await $`node ${join(ROOT, 'bin/ckb-pool-deploy.js')} render --config ${b.configPath} --out ${upBundle}`;
      writeCiOverride(upBundle);
      info(`override written to ${upBundle}/${OVERRIDE_FILE}`);
      return { ...b, upBundle };
    },
  );
  // The pool image is not in the archive: `up` must supply it itself (nothing can pull it here).
  const archives = await step('docker save the monitoring images only (not the pool image)', async () => {
    const file = join(work, 'ckb-pool-monitoring-images.tar');
    await $`docker save -o ${file} ${[IMAGE.prometheus, IMAGE.alertmanager, IMAGE.nodeExporter]}`;
    return [file];
  });
  const registryAnswers = await fetch('https://ghcr.io/v2/', { signal: AbortSignal.timeout(5000) }).then(
    () => true,
    () => false,
  );
  await step(`ckb-pool-deploy up --host root@127.0.0.1:${sshPort} --docker-install distro`, async () => {
    const args = [
      'up',
      '--config',
      bundle.configPath,
      '--host',
      `root@127.0.0.1:${sshPort}`,
      '--docker-install',
      'distro',
      ...archives.flatMap((a) => ['--image-archive', a]),
    ];
    const logFile = join(logs, 'up-host.log');
    try {
      await logged(logFile, 'node', [join(ROOT, 'bin/ckb-pool-deploy.js'), ...args], { cwd: dir });
    } finally {
      info((await $`tail -n 25 ${logFile}`.nothrow()).stdout.trimEnd().split('\n').join('\n  '));
    }
    const upOut = readFileSync(logFile, 'utf8');
    const pool = bundle.config.images.pool;
    const shipped = `${pool} (linux/amd64) taken from this machine’s Docker, shipped to the host`;
    if (registryAnswers) note('pool image path', 'a registry answers here: the path up chose is not checked');
    else if (!upOut.includes(shipped))
      throw new Error(`up did not ship the pool image from this machine ("${shipped}")`);
    else info(`pool image: ${shipped}`);
    const out = (await host.ssh(['docker', 'ps', '--format', `'{{.Names}} {{.Image}} {{.Status}}'`])).stdout;
    for (const row of out.split('\n').filter(Boolean)) info(row);
    // compose v1 names containers <project>_ckb_1, v2 <project>-ckb-1.
    const ckbRow = out.split('\n').find((r) => /^\S+[-_]ckb[-_]1 /.test(r));
    if (!ckbRow?.includes(` ${bundle.config.images.pool} `)) {
      throw new Error('the ckb service does not run the dev chain: the override did not reach the host');
    }
  });
}

/** Parses one host's PLAY RECAP line: `ok=N changed=N unreachable=N failed=N …`. */
function recap(log, hostName) {
  const lines = log.split('\n');
  const start = lines.findIndex((l) => l.startsWith('PLAY RECAP'));
  const line = start >= 0 ? lines.slice(start + 1).find((l) => l.startsWith(hostName)) : undefined;
  if (!line) throw new Error(`no PLAY RECAP line for ${hostName} in the ansible-playbook output`);
  const n = (k) => Number(new RegExp(`${k}=(\\d+)`).exec(line)?.[1] ?? Number.NaN);
  return {
    line: line.replace(/^\S+\s*:\s*/, '').replace(/\s+/g, ' '),
    ok: n('ok'),
    changed: n('changed'),
    unreachable: n('unreachable'),
    failed: n('failed'),
  };
}

async function dumpHost(h) {
  if (!h.ssh) return;
  console.log(`\n== ${h.name}: containers, unit status and logs`);
  const run = async (cmd) => {
    const out = await h.ssh(cmd).nothrow();
    console.log(out.stdout, out.stderr);
  };
  await run(['docker', 'ps', '-a']);
  await run(['systemctl', 'status', '--no-pager', 'ckb-pool.service', 'docker.service']);
  await run([
    'sh',
    '-c',
    `'for c in $(docker ps -aq); do echo "--- $(docker inspect --format {{.Name}} $c)"; docker logs --tail 60 $c 2>&1; done'`,
  ]);
}
