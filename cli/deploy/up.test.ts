import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { MAINNET_ADDRESS } from '../../test/support/config-fixtures.js';
import {
  type Deployment,
  type Listener,
  makeDeployment,
  startForeignSv2Responder,
  startSv2Responder,
  startTcpListener,
  terraformOutputs,
  testDeps,
} from '../../test/support/deploy-fixture.js';
import { FakeBin, type FakeRule } from '../../test/support/fake-bin.js';
import { runUp } from '../commands/up.js';
import { ANSIBLE_CFG, PLAYBOOK, ROLES_DIR } from './paths.js';
import { CLOUD_INIT_WAIT } from './ssh.js';
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

/** Answers for up's preflight (tool versions), ahead of each test's own rules. */
const VERSION_RULES: FakeRule[] = [
  { match: 'terraform version', stdout: '{"terraform_version":"1.11.4"}' },
  { match: 'ansible-playbook --version', stdout: 'ansible-playbook [core 2.14.18]\n' },
  { match: 'ssh', contains: 'uname -m', stdout: 'x86_64\n' },
];

/** `terraform show -json` of a saved plan (format 1.2): the shape the replace guard reads. */
const planJson = (actions: string[], extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    format_version: '1.2',
    terraform_version: '1.11.4',
    resource_changes: [
      {
        address: 'aws_instance.host',
        mode: 'managed',
        type: 'aws_instance',
        name: 'host',
        change: { actions, ...extra },
      },
      {
        address: 'aws_vpc.vpc',
        mode: 'managed',
        type: 'aws_vpc',
        name: 'vpc',
        change: { actions: ['no-op'] },
      },
    ],
  });

function rules(fake: FakeBin, own: FakeRule[]): FakeBin {
  // Last, so a test's own `terraform show` answer wins: by default the plan creates the host.
  return fake.rules([...VERSION_RULES, ...own, { match: 'terraform show', stdout: planJson(['create']) }]);
}

/** Calls after the preflight's version checks. */
function deployCalls(fake: FakeBin): string[] {
  return fake.commandLines().filter((l) => !/ (version -json|--version)$/.test(l));
}

interface Setup {
  d: Deployment;
  fake: FakeBin;
  sv2: Listener;
  sshd: Listener;
}

async function setup(cloud: 'aws' | 'alicloud' | 'ssh', region?: string): Promise<Setup> {
  const sshd = await listener(startTcpListener);
  // The responder needs the deployment's key and the config needs the responder's port: make
  // the deployment, start the responder with its key, then rewrite the config with the port.
  const draft = makeDeployment({ cloud, region });
  const sv2 = await listener(() => startSv2Responder(draft.authoritySecret));
  const d = rewritePort(draft, sv2.port);
  const fake = FakeBin.create(['terraform', 'ansible-playbook', 'ssh']);
  rules(fake, [
    { match: 'terraform output', stdout: terraformOutputs('127.0.0.1', 'ubuntu', region) },
    // Tools may print anything, secrets included: the log must mask them.
    {
      match: 'terraform apply',
      stdout: `aws_instance.host: Creation complete\nleaked ${d.authoritySecret} and fake-aws-secret-access-key-0123456789\n`,
    },
    { match: 'ssh -N', exit: 255, stderr: 'fake ssh: no tunnel here\n' },
    { match: 'ansible-playbook', stdout: 'PLAY RECAP\npool-host : ok=30 changed=12 failed=0\n' },
  ]);
  return { d, fake, sv2, sshd };
}

function rewritePort(d: Deployment, sv2Port: number): Deployment {
  const text = readFileSync(d.configPath, 'utf8').replace(/ {2}sv2: \d+/, `  sv2: ${sv2Port}`);
  writeFileSync(d.configPath, text);
  return d;
}

/** A tool's calls after the preflight's version check. */
function callsOf(fake: FakeBin, tool: string) {
  return fake.calls().filter((c) => c.tool === tool && !['version', '--version'].includes(c.args[0]));
}

describe('up --cloud aws', () => {
  it('runs terraform, waits for SSH, runs the shipped playbook and verifies the SV2 handshake', async () => {
    const { d, fake, sv2, sshd } = await setup('aws', 'us-east-1');
    const deps = testDeps(fake.dir, { cloudSshPort: sshd.port });
    const code = await runUp(['--config', d.configPath, '--cloud', 'aws'], deps);
    expect(deps.err.text).toBe('');
    expect(code).toBe(0);

    const work = workDir(d.configPath, 'ckb-pool', 'aws');
    const stackDir = join(work.terraform, 'stacks', 'ckb-pool-aws');
    const lines = fake.commandLines();
    const key = d.privateKeyPath;
    const known = work.knownHosts;
    expect(lines).toEqual([
      'terraform version -json',
      'ansible-playbook --version',
      'terraform init -input=false -no-color',
      'terraform plan -input=false -no-color -out=ckb-pool.tfplan',
      'terraform show -json -no-color ckb-pool.tfplan',
      'terraform apply -input=false -no-color ckb-pool.tfplan',
      'terraform output -json -no-color',
      `ssh -o BatchMode=yes -o ConnectTimeout=10 -o IdentitiesOnly=yes -o StrictHostKeyChecking=accept-new -o UserKnownHostsFile=${known} -i ${key} -p ${sshd.port} ubuntu@127.0.0.1 true`,
      `ssh -o BatchMode=yes -o ConnectTimeout=10 -o IdentitiesOnly=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=${known} -i ${key} -p ${sshd.port} ubuntu@127.0.0.1 ${CLOUD_INIT_WAIT}`,
      // The host's architecture, for the pool image (the test registry has it: the host pulls).
      `ssh -o BatchMode=yes -o ConnectTimeout=10 -o IdentitiesOnly=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=${known} -i ${key} -p ${sshd.port} ubuntu@127.0.0.1 uname -m`,
      `ansible-playbook -i ${work.inventory} ${PLAYBOOK} -e @${work.extraVars}`,
      expect.stringMatching(
        /^ssh -N -o ExitOnForwardFailure=yes .*StrictHostKeyChecking=yes .* -L \d+:127\.0\.0\.1:8080 ubuntu@127\.0\.0\.1$/,
      ),
    ]);
    for (const c of callsOf(fake, 'terraform')) {
      expect(c.cwd).toBe(stackDir);
      expect(c.env).toMatchObject({
        TF_IN_AUTOMATION: '1',
        TF_INPUT: '0',
        AWS_ACCESS_KEY_ID: 'AKIAFAKEFAKEFAKE',
      });
    }
    expect(existsSync(join(stackDir, 'cdk.tf.json'))).toBe(true);
    const [ansible] = callsOf(fake, 'ansible-playbook');
    expect(ansible.env).toMatchObject({ ANSIBLE_CONFIG: ANSIBLE_CFG, ANSIBLE_ROLES_PATH: ROLES_DIR });

    const inv = parseYaml(readFileSync(work.inventory, 'utf8'));
    expect(inv.all.children.ckb_pool.hosts['pool-host']).toMatchObject({
      ansible_host: '127.0.0.1',
      ansible_port: sshd.port,
      ansible_user: 'ubuntu',
      ansible_ssh_private_key_file: key,
    });
    const vars = JSON.parse(readFileSync(work.extraVars, 'utf8'));
    expect(vars).toMatchObject({
      ckb_pool_bundle_dir: work.bundle,
      ckb_pool_admin_cidrs: ['203.0.113.7/32'],
      ckb_pool_public_cidrs: ['0.0.0.0/0'],
      ckb_pool_public_ports: [sv2.port, 3333, 8115],
      ckb_pool_docker_install_method: 'repo',
      ckb_pool_health_url: 'http://127.0.0.1:8080/api/v1/pool',
      ckb_pool_min_free_disk_gb: 120,
    });
    expect(existsSync(join(work.bundle, 'compose.yaml'))).toBe(true);
    expect(sv2.accepted).toBeGreaterThanOrEqual(1);

    expect(deps.out.text).toContain(`stratum2+tcp://127.0.0.1:${sv2.port}/${d.authorityPublicKey}`);
    expect(deps.out.text).toContain('stratum+tcp://127.0.0.1:3333');
    expect(deps.out.text).toContain(
      `ssh -i ${key} -p ${sshd.port} -N -L 3000:127.0.0.1:3000 ubuntu@127.0.0.1`,
    );

    const state = readState(work, 'aws');
    expect(state.host).toMatchObject({
      address: '127.0.0.1',
      user: 'ubuntu',
      instanceId: 'i-0123456789abcdef0',
    });
    const log = readFileSync(state.lastRun?.log ?? '', 'utf8');
    expect(log).toContain('aws_instance.host: Creation complete');
    expect(log).not.toContain(d.authoritySecret);
    expect(log).not.toContain('fake-aws-secret-access-key-0123456789');
    expect(log).toContain('leaked *** and ***');
  });

  it('names the failed terraform step and the log, stops there, and a re-run continues', async () => {
    const { d, fake, sshd } = await setup('aws', 'us-east-1');
    rules(fake, [
      { match: 'terraform apply', exit: 1, stderr: 'Error: creating EC2 Instance: UnauthorizedOperation\n' },
    ]);
    const deps = testDeps(fake.dir, { cloudSshPort: sshd.port });
    const code = await runUp(['--config', d.configPath, '--cloud', 'aws'], deps);
    expect(code).toBe(1);
    const work = workDir(d.configPath, 'ckb-pool', 'aws');
    const state = readState(work, 'aws');
    expect(deps.err.text).toContain("step 'terraform apply' failed: terraform apply exited with code 1");
    expect(deps.err.text).toContain('UnauthorizedOperation');
    expect(deps.err.text).toContain(`Full output: ${state.lastRun?.log}`);
    expect(readFileSync(state.lastRun?.log ?? '', 'utf8')).toContain('UnauthorizedOperation');
    expect(state.lastRun?.failedStep).toBe('terraform apply');
    expect(deployCalls(fake).some((l) => l.startsWith('ansible-playbook') || l.startsWith('ssh'))).toBe(
      false,
    );

    const again = testDeps(fake.dir, { cloudSshPort: sshd.port });
    expect(await runUp(['--config', d.configPath, '--cloud', 'aws'], again)).toBe(1);
    expect(again.out.text).toContain("The previous run stopped at 'terraform apply'");
  });
});

describe('up: the replace guard', () => {
  const REPLACE = planJson(['delete', 'create'], { replace_paths: [['associate_public_ip_address']] });

  it('refuses a plan that replaces the VM before anything is applied, and says what would be lost', async () => {
    const { d, fake, sshd } = await setup('aws', 'us-east-1');
    rules(fake, [{ match: 'terraform show', stdout: REPLACE }]);
    const deps = testDeps(fake.dir, { cloudSshPort: sshd.port });
    expect(await runUp(['--config', d.configPath, '--cloud', 'aws'], deps)).toBe(1);
    expect(deps.err.text).toContain("step 'review the plan' failed: refusing to apply");
    expect(deps.err.text).toContain(
      'aws_instance.host would be replaced (forced by associate_public_ip_address)',
    );
    expect(deps.err.text).toContain('--allow-replace');
    expect(deps.out.text).toContain(
      '0 to create, 0 to update in place, 1 to replace, 0 to delete, 1 unchanged',
    );
    expect(deployCalls(fake).some((l) => l.startsWith('terraform apply'))).toBe(false);
    expect(deployCalls(fake).some((l) => l.startsWith('ansible-playbook'))).toBe(false);
  });

  it('applies exactly the reviewed plan with --allow-replace', async () => {
    const { d, fake, sshd } = await setup('aws', 'us-east-1');
    rules(fake, [
      { match: 'terraform show', stdout: REPLACE },
      { match: 'terraform output', stdout: terraformOutputs('127.0.0.1', 'ubuntu', 'us-east-1') },
      { match: 'ssh -N', exit: 255, stderr: 'fake ssh: no tunnel here\n' },
    ]);
    const deps = testDeps(fake.dir, { cloudSshPort: sshd.port });
    await runUp(['--config', d.configPath, '--cloud', 'aws', '--allow-replace'], deps);
    expect(deps.out.text).toContain('--allow-replace: applying a plan that replaces the host');
    expect(deployCalls(fake)).toContain('terraform apply -input=false -no-color ckb-pool.tfplan');
  });
});

describe('up: preflight', () => {
  it('refuses several pool hosts on your own server before running any tool: only the clouds build them', async () => {
    // The config itself is valid (a cloud), the target is not: up --host on an existing server.
    const d = makeDeployment({ cloud: 'aws', region: 'us-east-1', extra: 'pool:\n  hosts: 2' });
    const fake = rules(FakeBin.create(['terraform', 'ansible-playbook', 'ssh']), []);
    const deps = testDeps(fake.dir);
    const code = await runUp(['--config', d.configPath, '--host', 'admin@127.0.0.1'], deps);
    expect(code).toBe(1);
    expect(deps.err.text).toContain('pool.hosts is 2: several pool hosts are built by the cloud stacks');
    expect(fake.commandLines()).toEqual([]);
  });

  it('creates nothing when a tool or credential is missing, and lists every fix', async () => {
    const d = makeDeployment({ cloud: 'aws', region: 'us-east-1' });
    const fake = rules(FakeBin.create(['terraform']), []);
    const deps = testDeps(fake.dir, {
      env: { PATH: fake.dir, HOME: fake.dir },
    });
    const code = await runUp(['--config', d.configPath, '--cloud', 'aws'], deps);
    expect(code).toBe(1);
    expect(deps.err.text).toContain("step 'check tools and credentials' failed: nothing was created");
    expect(deps.err.text).toContain('ansible-core: ansible-playbook not found on PATH');
    expect(deps.err.text).toContain('fix: install ansible-core');
    expect(deps.err.text).toContain('aws credentials: no AWS_* keys, no web identity');
    expect(fake.commandLines()).toEqual(['terraform version -json']);
  });
});

describe('up: Ctrl-C', () => {
  it('lets a running terraform finish cleanly, then stops with the step named', async () => {
    const { d, fake, sshd } = await setup('aws', 'us-east-1');
    rules(fake, [{ match: 'terraform apply', delayMs: 800 }]);
    const deps = testDeps(fake.dir, { cloudSshPort: sshd.port });
    const listeners = process.listenerCount('SIGINT');
    const running = runUp(['--config', d.configPath, '--cloud', 'aws'], deps);
    // The terminal sends SIGINT to the whole process group: terraform gets its own copy.
    const poll = setInterval(() => {
      if (fake.commandLines().some((l) => l.startsWith('terraform apply'))) {
        clearInterval(poll);
        process.emit('SIGINT');
      }
    }, 20);
    const code = await running;
    clearInterval(poll);
    expect(code).toBe(1);
    expect(deps.err.text).toContain('Interrupted: waiting for terraform to stop cleanly');
    expect(deps.err.text).toContain(
      "step 'terraform apply' failed: interrupted (Ctrl-C) while terraform apply ran",
    );
    expect(readFileSync(join(fake.dir, 'finished'), 'utf8')).toBe('terraform\n');
    expect(deployCalls(fake).at(-1)).toMatch(/^terraform apply/);
    expect(process.listenerCount('SIGINT')).toBe(listeners);
  });
});

describe('up --cloud alicloud', () => {
  it('runs the same sequence against the Alibaba Cloud stack with ALICLOUD_* credentials', async () => {
    const { d, fake, sv2, sshd } = await setup('alicloud', 'cn-hangzhou');
    const deps = testDeps(fake.dir, { cloudSshPort: sshd.port });
    const code = await runUp(['--config', d.configPath, '--cloud', 'alicloud'], deps);
    expect(deps.err.text).toBe('');
    expect(code).toBe(0);
    const work = workDir(d.configPath, 'ckb-pool', 'alicloud');
    const stackDir = join(work.terraform, 'stacks', 'ckb-pool-alicloud');
    expect(fake.commandLines().map((l) => l.split(' ').slice(0, 2).join(' '))).toEqual([
      'terraform version',
      'ansible-playbook --version',
      'terraform init',
      'terraform plan',
      'terraform show',
      'terraform apply',
      'terraform output',
      'ssh -o',
      'ssh -o',
      'ssh -o',
      'ansible-playbook -i',
      'ssh -N',
    ]);
    const tf = callsOf(fake, 'terraform');
    expect(tf.every((c) => c.cwd === stackDir)).toBe(true);
    expect(tf[1].env).toMatchObject({ ALICLOUD_ACCESS_KEY: 'LTAIfakefakefake' });
    expect(JSON.parse(readFileSync(join(stackDir, 'cdk.tf.json'), 'utf8')).provider).toHaveProperty(
      'alicloud',
    );
    expect(deps.out.text).toContain(`stratum2+tcp://127.0.0.1:${sv2.port}/${d.authorityPublicKey}`);
    expect(deps.out.text).toContain('Alibaba Cloud');
  });
});

describe('up --host', () => {
  it('skips terraform and configures the given server on its SSH port', async () => {
    const { d, fake, sv2, sshd } = await setup('ssh');
    const deps = testDeps(fake.dir);
    const code = await runUp(
      ['--config', d.configPath, '--host', `admin@127.0.0.1:${sshd.port}`, '--docker-install', 'distro'],
      deps,
    );
    expect(deps.err.text).toBe('');
    expect(code).toBe(0);
    expect(fake.commandLines()[0]).toBe('ansible-playbook --version');
    const lines = deployCalls(fake);
    expect(lines.some((l) => l.startsWith('terraform'))).toBe(false);
    expect(lines[0]).toMatch(new RegExp(` -p ${sshd.port} admin@127\\.0\\.0\\.1 true$`));
    expect(lines[1]).toMatch(/ admin@127\.0\.0\.1 uname -m$/);
    expect(lines[2]).toMatch(/^ansible-playbook -i /);
    const work = workDir(d.configPath, 'ckb-pool', 'ssh');
    const vars = JSON.parse(readFileSync(work.extraVars, 'utf8'));
    expect(vars.ckb_pool_ssh_port).toBe(sshd.port);
    expect(vars.ckb_pool_docker_install_method).toBe('distro');
    expect(vars.ckb_pool_min_free_disk_gb).toBe(150);
    expect(deps.out.text).toContain(`stratum2+tcp://127.0.0.1:${sv2.port}/`);
    expect(deps.out.text).toContain(`ssh -i ${d.privateKeyPath} -p ${sshd.port} -N -L 3000:127.0.0.1:3000`);

    // A second run repeats the same steps; the disk floor drops so a growing chain never blocks it.
    const again = testDeps(fake.dir);
    expect(await runUp(['--config', d.configPath, '--host', `admin@127.0.0.1:${sshd.port}`], again)).toBe(0);
    expect(JSON.parse(readFileSync(work.extraVars, 'utf8')).ckb_pool_min_free_disk_gb).toBe(20);
    expect(again.out.text).not.toContain('previous run stopped');
  });

  it("with --verbose also streams the tools' output to stderr, masked", async () => {
    const { d, fake, sshd } = await setup('ssh');
    rules(fake, [
      { match: 'ssh -N', exit: 255 },
      { match: 'ansible-playbook', stdout: `password is ${d.grafanaPassword}\nPLAY RECAP\n` },
    ]);
    const deps = testDeps(fake.dir);
    const args = ['--config', d.configPath, '--host', `admin@127.0.0.1:${sshd.port}`, '--verbose'];
    expect(await runUp(args, deps)).toBe(0);
    expect(deps.err.text).toContain('  PLAY RECAP\n');
    expect(deps.err.text).toContain('  password is ***\n');
    expect(deps.err.text).not.toContain(d.grafanaPassword);
  });

  it('fails the wait-for-SSH step when logins keep failing, naming the step and the log', async () => {
    const { d, fake, sshd } = await setup('ssh');
    rules(fake, [{ match: 'ssh', exit: 255, stderr: 'Permission denied (publickey).\n' }]);
    const deps = testDeps(fake.dir, {
      timeouts: { ...testDeps(fake.dir).timeouts, sshMs: 300, sshIntervalMs: 50 },
    });
    const code = await runUp(['--config', d.configPath, '--host', `admin@127.0.0.1:${sshd.port}`], deps);
    expect(code).toBe(1);
    expect(deps.err.text).toContain("step 'wait for SSH' failed");
    expect(deps.err.text).toMatch(/did not come up within/);
    expect(deps.err.text).toMatch(/Full output: .*logs\/up-\d{8}-\d{6}\.log/);
    const log = readFileSync(/Full output: (\S+)/.exec(deps.err.text)?.[1] ?? '', 'utf8');
    expect(log).toContain('Permission denied (publickey).');
    expect(deployCalls(fake).some((l) => l.startsWith('ansible-playbook'))).toBe(false);
  });

  it('fails the wait-for-SSH step when the port never opens', async () => {
    const { d, fake } = await setup('ssh');
    const closed = await startTcpListener();
    await closed.close(); // a port that was just free: nothing listens there now
    const deps = testDeps(fake.dir, {
      timeouts: { ...testDeps(fake.dir).timeouts, sshMs: 300, sshIntervalMs: 50 },
    });
    const code = await runUp(['--config', d.configPath, '--host', `admin@127.0.0.1:${closed.port}`], deps);
    expect(code).toBe(1);
    expect(deps.err.text).toContain("step 'wait for SSH' failed");
    expect(deps.err.text).toContain('does not accept connections');
    expect(deployCalls(fake)).toEqual([]);
  });

  it('fails the ansible step with its output and never claims the pool works', async () => {
    const { d, fake, sshd, sv2 } = await setup('ssh');
    rules(fake, [
      {
        match: 'ansible-playbook',
        exit: 2,
        stdout:
          'TASK [ckb_pool : Require enough free disk space]\nfatal: [pool-host]: FAILED! => Only 12G free\n',
      },
    ]);
    const deps = testDeps(fake.dir);
    const code = await runUp(['--config', d.configPath, '--host', `admin@127.0.0.1:${sshd.port}`], deps);
    expect(code).toBe(1);
    expect(deps.err.text).toContain("step 'ansible-playbook' failed: ansible-playbook exited with code 2");
    expect(deps.err.text).toContain('Only 12G free');
    expect(deps.out.text).not.toContain('stratum2+tcp://');
    expect(sv2.accepted).toBe(0);
  });

  it('fails verification when a pool signed by another authority answers', async () => {
    const { d, fake, sshd } = await setup('ssh');
    const foreign = await listener(startForeignSv2Responder);
    rewritePort(d, foreign.port);
    const deps = testDeps(fake.dir);
    const code = await runUp(['--config', d.configPath, '--host', `admin@127.0.0.1:${sshd.port}`], deps);
    expect(code).toBe(1);
    expect(deps.err.text).toContain("step 'verify SV2 handshake' failed");
    expect(deps.err.text).toContain("not signed by this deployment's authority key");
  });
});

describe('up: input errors', () => {
  it('rejects an unknown --cloud and a malformed --host before doing anything', async () => {
    const { d, fake } = await setup('ssh');
    const deps = testDeps(fake.dir);
    await expect(runUp(['--config', d.configPath, '--cloud', 'gcp'], deps)).rejects.toThrow(
      /--cloud must be/,
    );
    await expect(runUp(['--config', d.configPath, '--host', 'no-user-here'], deps)).rejects.toThrow(
      /user@host/,
    );
    expect(fake.calls()).toEqual([]);
  });

  it('names the config problem when the file is missing', async () => {
    const fake = FakeBin.create(['terraform']);
    const deps = testDeps(fake.dir);
    const code = await runUp(['--config', join(fake.dir, 'nope.yaml'), '--cloud', 'aws'], deps);
    expect(code).toBe(1);
    expect(deps.err.text).toMatch(/nope\.yaml: \(file\): not found; create it with `ckb-pool-deploy init`/);
  });
});

describe('up: images of a mainnet pool', () => {
  const toMainnet = (d: Deployment) => {
    const text = readFileSync(d.configPath, 'utf8')
      .replace('chain: testnet', 'chain: mainnet')
      .replace(/payoutAddress: .*/, `payoutAddress: ${MAINNET_ADDRESS}`);
    writeFileSync(d.configPath, text);
  };

  it('refuses tags without digests before creating anything, naming `image pin`', async () => {
    const { d, fake, sshd } = await setup('aws', 'us-east-1');
    toMainnet(d);
    const deps = testDeps(fake.dir, { cloudSshPort: sshd.port });
    expect(await runUp(['--config', d.configPath, '--cloud', 'aws'], deps)).toBe(1);
    expect(deps.err.text).toContain('mainnet images must be pinned by digest');
    expect(deps.err.text).toContain('ckb-pool-deploy image pin');
    expect(fake.commandLines().some((l) => l.startsWith('terraform apply'))).toBe(false);
  });

  it('deploys tags alone when told --allow-unpinned, and says so', async () => {
    const { d, fake, sshd } = await setup('aws', 'us-east-1');
    toMainnet(d);
    const deps = testDeps(fake.dir, { cloudSshPort: sshd.port });
    expect(await runUp(['--config', d.configPath, '--cloud', 'aws', '--allow-unpinned'], deps)).toBe(0);
    expect(deps.out.text).toContain('warning: images pinned by tag only');
  });
});
