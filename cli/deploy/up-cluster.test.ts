import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import {
  type Deployment,
  type Listener,
  makeDeployment,
  startSv2Responder,
  startTcpListener,
  testDeps,
} from '../../test/support/deploy-fixture.js';
import { FakeBin, type FakeRule } from '../../test/support/fake-bin.js';
import { runUp } from '../commands/up.js';
import { PLAYBOOK } from './paths.js';
import { hostPaths } from './up-cluster.js';
import { readState, workDir } from './workdir.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function listener(start: () => Promise<Listener>): Promise<Listener> {
  const l = await start();
  cleanups.push(() => l.close());
  return l;
}

const RDS_PASSWORD = 'rds-Generated!pa$$word-0123456789';
const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-0a1b2c-AbCdEf';
const NODE_PRIVATE = '10.42.1.10';
const POOL_PRIVATE = ['10.42.1.20', '10.42.1.21'];

/** `terraform output -json` of a two-pool-host stack whose hosts (and LB) all answer on 127.0.0.1. */
function clusterOutputs(cloud: 'aws' | 'alicloud', pools = 2): string {
  const o = (value: unknown, type: unknown = 'string') => ({ value, type, sensitive: false });
  return JSON.stringify({
    public_ip: o('127.0.0.1'),
    ssh_user: o(cloud === 'aws' ? 'ubuntu' : 'ecs-user'),
    instance_id: o('i-0123456789abcdef0'),
    region: o(cloud === 'aws' ? 'us-east-1' : 'cn-hangzhou'),
    lb_address: o('127.0.0.1'),
    node_private_ip: o(NODE_PRIVATE),
    pool_public_ips: o(Array(pools).fill('127.0.0.1'), ['list', 'string']),
    pool_private_ips: o(POOL_PRIVATE.slice(0, pools), ['list', 'string']),
    database_host: o(cloud === 'aws' ? 'ckb-pool-ledger.abc.us-east-1.rds.amazonaws.com' : NODE_PRIVATE),
    ...(cloud === 'aws' ? { database_secret_arn: o(SECRET_ARN) } : {}),
  });
}

interface Setup {
  d: Deployment;
  fake: FakeBin;
  sv2: Listener;
  sshd: Listener;
}

async function setup(cloud: 'aws' | 'alicloud', own: FakeRule[] = [], pools = 2): Promise<Setup> {
  const sshd = await listener(startTcpListener);
  const region = cloud === 'aws' ? 'us-east-1' : 'cn-hangzhou';
  const draft = makeDeployment({ cloud, region, extra: 'pool:\n  hosts: 2' });
  // The load balancer's address answers SV2 with the deployment's authority key.
  const sv2 = await listener(() => startSv2Responder(draft.authoritySecret));
  const text = readFileSync(draft.configPath, 'utf8').replace(/ {2}sv2: \d+/, `  sv2: ${sv2.port}`);
  const { writeFileSync } = await import('node:fs');
  writeFileSync(draft.configPath, text);
  const fake = FakeBin.create(['terraform', 'ansible-playbook', 'ssh', 'aws']);
  fake.rules([
    { match: 'terraform version', stdout: '{"terraform_version":"1.11.4"}' },
    { match: 'ansible-playbook --version', stdout: 'ansible-playbook [core 2.14.18]\n' },
    { match: 'ssh', contains: 'uname -m', stdout: 'x86_64\n' },
    ...own,
    { match: 'terraform output', stdout: clusterOutputs(cloud, pools) },
    { match: 'terraform show', stdout: JSON.stringify({ format_version: '1.2', resource_changes: [] }) },
    {
      match: 'aws secretsmanager get-secret-value',
      stdout: `${JSON.stringify({ username: 'ckbpool', password: RDS_PASSWORD })}\n`,
    },
    { match: 'ssh -N', exit: 255, stderr: 'fake ssh: no tunnel here\n' },
    { match: 'ansible-playbook', stdout: 'PLAY RECAP\npool-host : ok=30 changed=0 failed=0\n' },
  ]);
  return { d: draft, fake, sv2, sshd };
}

/** Every file of a folder with its mode and content: what a re-run must leave as it was. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[relative(dir, p)] = `${(statSync(p).mode & 0o777).toString(8)} ${readFileSync(p, 'utf8')}`;
    }
  };
  walk(dir);
  return out;
}

/** Calls after the preflight's version checks; the tunnel's local port is picked fresh each run. */
const deployLines = (fake: FakeBin) =>
  fake
    .commandLines()
    .filter((l) => !/ (version -json|--version)$/.test(l))
    .map((l) => l.replace(/ -L \d+:/, ' -L <port>:'));

/**
 * The pool hosts run in parallel, so their calls interleave: everything up to the node host's
 * playbook keeps its order, what follows is compared as a set of calls.
 */
function inHostOrder(lines: string[]): string[] {
  const node = lines.findIndex((l) => l.startsWith('ansible-playbook -i') && l.includes('/hosts/node/'));
  return [...lines.slice(0, node + 1), ...lines.slice(node + 1).sort()];
}

const varsOf = (root: string, name: string) =>
  JSON.parse(readFileSync(hostPaths(root, name).extraVars, 'utf8')) as Record<string, unknown>;

describe('up --cloud aws with pool.hosts: 2', () => {
  it('configures the node host first, then each pool host with its own bundle, and proves SV2 through the LB', async () => {
    const { d, fake, sv2, sshd } = await setup('aws');
    const deps = testDeps(fake.dir, { cloudSshPort: sshd.port });
    const code = await runUp(['--config', d.configPath, '--cloud', 'aws'], deps);
    expect(deps.err.text).toBe('');
    expect(code).toBe(0);

    const work = workDir(d.configPath, 'ckb-pool', 'aws');
    const lines = deployLines(fake);
    const ansible = lines.filter((l) => l.startsWith('ansible-playbook'));
    expect([ansible[0], ...ansible.slice(1).sort()]).toEqual(
      ['node', 'pool-0', 'pool-1'].map(
        (n) =>
          `ansible-playbook -i ${hostPaths(work.root, n).inventory} ${PLAYBOOK} -e @${hostPaths(work.root, n).extraVars}`,
      ),
    );
    // The password is read after the apply and before any host is configured.
    const read = lines.findIndex((l) => l.startsWith('aws secretsmanager get-secret-value'));
    expect(read).toBeGreaterThan(lines.findIndex((l) => l.startsWith('terraform output')));
    expect(read).toBeLessThan(lines.findIndex((l) => l.startsWith('ansible-playbook')));
    expect(lines[read]).toContain(`--secret-id ${SECRET_ARN} --region us-east-1`);
    // Only pool hosts get the pool image: the architecture probe runs on them, not the node.
    expect(lines.filter((l) => l.endsWith('uname -m'))).toHaveLength(2);
    expect(sv2.accepted).toBeGreaterThanOrEqual(1);

    const node = varsOf(work.root, 'node');
    expect(node).toMatchObject({
      ckb_pool_host_part: 'node',
      ckb_pool_public_ports: [8115],
      ckb_pool_private_flows: [{ ports: [8114, 18114], cidrs: ['10.42.1.20/32', '10.42.1.21/32'] }],
      ckb_pool_bundle_dir: hostPaths(work.root, 'node').bundle,
    });
    const pool1 = varsOf(work.root, 'pool-1');
    expect(pool1).toMatchObject({
      ckb_pool_host_part: 'pool',
      ckb_pool_public_ports: [sv2.port, 3333],
      ckb_pool_public_cidrs: ['0.0.0.0/0'],
      ckb_pool_private_flows: [{ ports: [8888, 9100, 9101], cidrs: ['10.42.1.10/32'] }],
      ckb_pool_min_free_disk_gb: 32,
    });

    const poolBundle = hostPaths(work.root, 'pool-1').bundle;
    const poolYaml = parseYaml(readFileSync(join(poolBundle, 'pool/pool.yaml'), 'utf8'));
    expect(poolYaml.sv2.instanceId).toBe(1);
    expect(poolYaml.ledger.url).toBe(
      'postgres://ckbpool@ckb-pool-ledger.abc.us-east-1.rds.amazonaws.com:5432/ckbpool?sslmode=no-verify',
    );
    expect(poolYaml.node.rpcUrl).toBe('http://10.42.1.10:8114');
    const pwFile = join(poolBundle, 'secrets/ledger-password');
    expect(readFileSync(pwFile, 'utf8')).toBe(`${RDS_PASSWORD}\n`);
    expect(statSync(join(poolBundle, 'secrets')).mode & 0o777).toBe(0o700);
    expect(existsSync(join(hostPaths(work.root, 'node').bundle, 'secrets/ledger-password'))).toBe(false);

    // The password is in the pool bundles only: not the log, the state, any argv or extra vars.
    const state = readState(work, 'aws');
    expect(state.cluster?.lbAddress).toBe('127.0.0.1');
    expect(state.cluster?.pools).toHaveLength(2);
    const log = readFileSync(state.lastRun?.log ?? '', 'utf8');
    for (const text of [
      log,
      readFileSync(work.stateFile, 'utf8'),
      JSON.stringify(fake.calls().map((c) => c.args)),
    ])
      expect(text).not.toContain(RDS_PASSWORD);
    for (const n of ['node', 'pool-0', 'pool-1'])
      expect(readFileSync(hostPaths(work.root, n).extraVars, 'utf8')).not.toContain(RDS_PASSWORD);
    expect(deps.out.text).toContain(`stratum2+tcp://127.0.0.1:${sv2.port}/${d.authorityPublicKey}`);
    expect(deps.out.text).toContain('2 pool hosts behind 127.0.0.1');
  }, 60_000);

  it('renders the same bundles on a second run and runs the same steps, the node host first', async () => {
    const { d, fake, sshd } = await setup('aws');
    const deps = testDeps(fake.dir, { cloudSshPort: sshd.port });
    expect(await runUp(['--config', d.configPath, '--cloud', 'aws'], deps)).toBe(0);
    const work = workDir(d.configPath, 'ckb-pool', 'aws');
    const hostsDir = join(work.root, 'hosts');
    const bundles = ['node', 'pool-0', 'pool-1'].map((n) => snapshot(hostPaths(work.root, n).bundle));
    const first = deployLines(fake);
    const firstVars = ['node', 'pool-0', 'pool-1'].map((n) => varsOf(work.root, n));

    const again = testDeps(fake.dir, { cloudSshPort: sshd.port });
    expect(await runUp(['--config', d.configPath, '--cloud', 'aws'], again)).toBe(0);
    expect(again.err.text).toBe('');
    expect(['node', 'pool-0', 'pool-1'].map((n) => snapshot(hostPaths(work.root, n).bundle))).toEqual(
      bundles,
    );
    expect(readdirSync(hostsDir).sort()).toEqual(['node', 'pool-0', 'pool-1']);
    expect(inHostOrder(deployLines(fake).slice(first.length))).toEqual(inHostOrder(first));
    // Only the free-disk floor differs: a re-run needs no room for a new chain.
    const secondVars = ['node', 'pool-0', 'pool-1'].map((n) => varsOf(work.root, n));
    expect(secondVars.map((v) => ({ ...v, ckb_pool_min_free_disk_gb: 0 }))).toEqual(
      firstVars.map((v) => ({ ...v, ckb_pool_min_free_disk_gb: 0 })),
    );
    expect(secondVars.map((v) => v.ckb_pool_min_free_disk_gb)).toEqual([20, 20, 20]);
  }, 120_000);

  it('configures the pool hosts at the same time, each with its own log, and lists each result', async () => {
    const { d, fake, sshd } = await setup('aws', [
      // pool-0's playbook is slow: pool-1 must not wait for it.
      { match: 'ansible-playbook -i', contains: '/hosts/pool-0/', delayMs: 4_000, stdout: 'PLAY RECAP\n' },
    ]);
    const deps = testDeps(fake.dir, { cloudSshPort: sshd.port });
    expect(await runUp(['--config', d.configPath, '--cloud', 'aws'], deps)).toBe(0);
    const out = deps.out.text.split('\n');
    const pool0Playbook = out.indexOf('[pool-0] ==> ansible-playbook (pool-0)');
    const pool0Done = out.findIndex((l, i) => i > pool0Playbook && l.startsWith('[pool-0]     ok'));
    const pool1Playbook = out.indexOf('[pool-1] ==> ansible-playbook (pool-1)');
    expect(pool0Playbook).toBeGreaterThan(-1);
    expect(pool1Playbook).toBeGreaterThan(-1);
    expect(pool1Playbook).toBeLessThan(pool0Done);

    const runLog = readState(workDir(d.configPath, 'ckb-pool', 'aws'), 'aws').lastRun?.log ?? '';
    for (const n of ['pool-0', 'pool-1']) {
      const hostLog = runLog.replace(/\.log$/, `.${n}.log`);
      expect(readFileSync(hostLog, 'utf8')).toContain(`==== ansible-playbook (${n})`);
      expect(readFileSync(runLog, 'utf8')).toContain(`${n}: log ${hostLog}`);
      const row = deps.out.text.split('\n').find((l) => l.startsWith(`  ${n}  `)) ?? '';
      expect(row).toMatch(/ ok \(\d+s\); log /);
      expect(row.endsWith(`log ${hostLog}`)).toBe(true);
    }
    expect(readFileSync(runLog, 'utf8')).not.toContain('==== ansible-playbook (pool-0)');
  }, 60_000);

  it('fails up naming the pool host that failed and its log, while the other pool host completes', async () => {
    const { d, fake, sv2, sshd } = await setup('aws', [
      {
        match: 'ansible-playbook -i',
        contains: '/hosts/pool-1/',
        exit: 2,
        stdout: 'fatal: [pool-host]: UNREACHABLE! => {"msg": "Connection timed out"}\n',
      },
    ]);
    const deps = testDeps(fake.dir, { cloudSshPort: sshd.port });
    expect(await runUp(['--config', d.configPath, '--cloud', 'aws'], deps)).toBe(1);
    const state = readState(workDir(d.configPath, 'ckb-pool', 'aws'), 'aws');
    const pool1Log = state.lastRun?.log ?? '';
    expect(pool1Log).toMatch(/\.pool-1\.log$/);
    expect(deps.err.text).toContain("step 'configure pool hosts' failed");
    expect(deps.err.text).toContain(`pool-1 failed at 'ansible-playbook (pool-1)'`);
    expect(deps.err.text).toContain(`Full output: ${pool1Log}`);
    expect(readFileSync(pool1Log, 'utf8')).toContain('UNREACHABLE');
    expect(state.completed['ansible-playbook (pool-0)']).toBeDefined();
    expect(state.completed['ansible-playbook (pool-1)']).toBeUndefined();
    expect(deps.out.text).toMatch(/ {2}pool-0 {2}ok /);
    expect(deps.out.text).toContain("  pool-1  FAILED at 'ansible-playbook (pool-1)'");
    // Nothing after the pool hosts runs: the LB is not declared working.
    expect(sv2.accepted).toBe(0);
  }, 60_000);

  it('stops before configuring any host when Secrets Manager refuses, naming the permission', async () => {
    const { d, fake, sshd } = await setup('aws', [
      {
        match: 'aws secretsmanager',
        exit: 254,
        stderr: 'An error occurred (AccessDeniedException) when calling the GetSecretValue operation\n',
      },
    ]);
    const deps = testDeps(fake.dir, { cloudSshPort: sshd.port });
    expect(await runUp(['--config', d.configPath, '--cloud', 'aws'], deps)).toBe(1);
    expect(deps.err.text).toContain("step 'ledger password' failed");
    expect(deps.err.text).toContain('secretsmanager:GetSecretValue');
    expect(fake.commandLines().some((l) => l.startsWith('ansible-playbook -i'))).toBe(false);
    const log = readFileSync(
      readState(workDir(d.configPath, 'ckb-pool', 'aws'), 'aws').lastRun?.log ?? '',
      'utf8',
    );
    expect(log).toContain('AccessDeniedException');
  });

  it('refuses before creating anything when the AWS CLI is missing', async () => {
    const { d, fake, sshd } = await setup('aws');
    const { rmSync } = await import('node:fs');
    rmSync(join(fake.dir, 'aws'));
    const deps = testDeps(fake.dir, { cloudSshPort: sshd.port });
    expect(await runUp(['--config', d.configPath, '--cloud', 'aws'], deps)).toBe(1);
    expect(deps.err.text).toContain('aws cli: aws not found on PATH');
    expect(deployLines(fake)).toEqual([]);
  });

  it('names the mismatch when Terraform reports fewer pool hosts than the config asks for', async () => {
    const { d, fake, sshd } = await setup('aws', [], 1);
    const deps = testDeps(fake.dir, { cloudSshPort: sshd.port });
    expect(await runUp(['--config', d.configPath, '--cloud', 'aws'], deps)).toBe(1);
    expect(deps.err.text).toContain('pool.hosts is 2 but Terraform reported 1 pool hosts');
    expect(fake.commandLines().some((l) => l.startsWith('ansible-playbook -i'))).toBe(false);
  });
});

describe('up --cloud alicloud with pool.hosts: 2', () => {
  it('generates the ledger password once, runs PostgreSQL on the node host, and keeps it on a re-run', async () => {
    const { d, fake, sshd } = await setup('alicloud');
    const deps = testDeps(fake.dir, { cloudSshPort: sshd.port });
    expect(await runUp(['--config', d.configPath, '--cloud', 'alicloud'], deps)).toBe(0);
    expect(deps.err.text).toBe('');
    expect(fake.commandLines().some((l) => l.startsWith('aws '))).toBe(false);

    const pwPath = join(d.secretsDir, 'ledger-password');
    expect(statSync(pwPath).mode & 0o777).toBe(0o600);
    const password = readFileSync(pwPath, 'utf8').trim();
    expect(password).toMatch(/^[A-Za-z0-9_-]{32}$/);

    const work = workDir(d.configPath, 'ckb-pool', 'alicloud');
    const nodeBundle = hostPaths(work.root, 'node').bundle;
    const compose = parseYaml(readFileSync(join(nodeBundle, 'compose.yaml'), 'utf8'));
    expect(compose.services.postgres.ports).toEqual(['10.42.1.10:5432:5432']);
    expect(readFileSync(join(nodeBundle, 'secrets/ledger-password'), 'utf8')).toBe(`${password}\n`);
    expect(varsOf(work.root, 'node').ckb_pool_private_flows).toEqual([
      { ports: [8114, 18114, 5432], cidrs: ['10.42.1.20/32', '10.42.1.21/32'] },
    ]);
    // Alibaba's NLB connects from the VPC: that is who reaches SV2/V1 on a pool host.
    expect(varsOf(work.root, 'pool-0').ckb_pool_public_cidrs).toEqual(['10.42.0.0/16']);
    const poolYaml = parseYaml(
      readFileSync(join(hostPaths(work.root, 'pool-0').bundle, 'pool/pool.yaml'), 'utf8'),
    );
    expect(poolYaml.ledger.url).toBe('postgres://ckbpool@10.42.1.10:5432/ckbpool');
    expect(readFileSync(readState(work, 'alicloud').lastRun?.log ?? '', 'utf8')).not.toContain(password);

    const again = testDeps(fake.dir, { cloudSshPort: sshd.port });
    expect(await runUp(['--config', d.configPath, '--cloud', 'alicloud'], again)).toBe(0);
    expect(readFileSync(pwPath, 'utf8').trim()).toBe(password);
    expect(again.out.text).toContain('kept from the secrets folder');
  }, 120_000);
});
