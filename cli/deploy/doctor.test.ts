import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeDeployment, testDeps } from '../../test/support/deploy-fixture.js';
import { FakeBin } from '../../test/support/fake-bin.js';
import { runDoctor } from '../commands/doctor.js';

const TF_JSON = (v: string) => JSON.stringify({ terraform_version: v, platform: 'linux_amd64' });

function tools(tfVersion = '1.11.4', ansible = '2.14.18') {
  return FakeBin.create(['terraform', 'ansible-playbook', 'ssh', 'docker', 'docker-compose']).rules([
    { match: 'terraform version', stdout: TF_JSON(tfVersion) },
    {
      match: 'ansible-playbook --version',
      stdout: `ansible-playbook [core ${ansible}]\n  config file = None\n`,
    },
    { match: 'docker info', stdout: '28.2.2\n' },
    { match: 'docker compose version', stdout: 'Docker Compose version v2.29.7\n' },
  ]);
}

describe('doctor', () => {
  it('passes for aws with every tool, key and credential in place', async () => {
    const d = makeDeployment({ cloud: 'aws', region: 'us-east-1' });
    const deps = testDeps(tools().dir);
    expect(await runDoctor(['--config', d.configPath], deps)).toBe(0);
    expect(deps.out.text).toContain('✔ terraform: 1.11.4');
    expect(deps.out.text).toContain('✔ ansible-core: 2.14.18');
    expect(deps.out.text).toContain('✔ ansible role: ckb_pool ships with this package');
    expect(deps.out.text).toContain(
      '✔ aws credentials: environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY',
    );
    expect(deps.out.text).not.toContain(deps.env.AWS_SECRET_ACCESS_KEY);
    expect(deps.out.text).toContain('All checks passed.');
  });

  it('fails with a fix for each missing tool on an empty PATH', async () => {
    const d = makeDeployment({ cloud: 'alicloud', region: 'cn-hangzhou' });
    const empty = FakeBin.create([]);
    const deps = testDeps(empty.dir, { env: { PATH: empty.dir } });
    expect(await runDoctor(['--config', d.configPath], deps)).toBe(1);
    const out = deps.out.text;
    expect(out).toContain('✖ terraform: not found on PATH');
    expect(out).toContain('fix: install Terraform');
    expect(out).toContain('✖ ansible-core: ansible-playbook not found on PATH');
    expect(out).toContain('fix: install ansible-core ≥ 2.14, < 2.20');
    expect(out).toContain('✖ ssh client: ssh not found on PATH');
    expect(out).toContain('✖ alicloud credentials: none of ALICLOUD_ACCESS_KEY/ALICLOUD_SECRET_KEY');
    expect(out).toContain('fix: export ALICLOUD_ACCESS_KEY and ALICLOUD_SECRET_KEY');
    expect(out).toMatch(/4 checks failed\./);
  });

  it('holds ansible-core to the supported range and terraform to its minimum', async () => {
    const d = makeDeployment({ cloud: 'aws', region: 'us-east-1' });
    for (const [ansible, ok] of [
      ['2.13.9', false],
      ['2.14.0', true],
      ['2.19.4', true],
      ['2.20.0', false],
    ] as const) {
      const deps = testDeps(tools('1.11.4', ansible).dir);
      await runDoctor(['--config', d.configPath], deps);
      expect(deps.out.text).toContain(
        ok ? `✔ ansible-core: ${ansible}` : `✖ ansible-core: ${ansible} is outside`,
      );
    }
    const old = testDeps(tools('1.4.6').dir);
    expect(await runDoctor(['--config', d.configPath], old)).toBe(1);
    expect(old.out.text).toContain('✖ terraform: 1.4.6 is older than 1.5.0');
  });

  it('finds AWS credentials in an AWS_PROFILE of ~/.aws and reports a half-set pair', async () => {
    const d = makeDeployment({ cloud: 'aws', region: 'us-east-1' });
    const fake = tools();
    const home = join(fake.dir, 'home');
    mkdirSync(join(home, '.aws'), { recursive: true });
    writeFileSync(join(home, '.aws', 'config'), '[profile ops]\ncredential_process = /usr/bin/creds\n');
    const fromFile = testDeps(fake.dir, { env: { PATH: fake.dir, AWS_PROFILE: 'ops' }, home });
    expect(await runDoctor(['--config', d.configPath], fromFile)).toBe(0);
    expect(fromFile.out.text).toContain('✔ aws credentials: credential_process of profile ops in');
    const half = testDeps(fake.dir, { env: { PATH: fake.dir, AWS_ACCESS_KEY_ID: 'AKIAX' }, home });
    expect(await runDoctor(['--config', d.configPath], half)).toBe(1);
    expect(half.out.text).toContain(
      '✖ aws credentials: AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not',
    );
  });

  it('falls back to the EC2 instance profile through the injected probe, and says so', async () => {
    const d = makeDeployment({ cloud: 'aws', region: 'us-east-1' });
    const fake = tools();
    const home = join(fake.dir, 'empty-home');
    mkdirSync(home);
    const probed: string[] = [];
    const probeInstanceRole = async () => {
      probed.push('imds');
      return 'ckb-pool-deployer';
    };
    const deps = testDeps(fake.dir, { env: { PATH: fake.dir }, home, probeInstanceRole });
    expect(await runDoctor(['--config', d.configPath], deps)).toBe(0);
    expect(deps.out.text).toContain(
      '✔ aws credentials: EC2 instance profile: role ckb-pool-deployer (instance metadata service)',
    );
    expect(probed).toEqual(['imds']);
  });

  it('accepts an Alibaba ECS RAM role name', async () => {
    const d = makeDeployment({ cloud: 'alicloud', region: 'cn-hangzhou' });
    const fake = tools();
    const deps = testDeps(fake.dir, { env: { PATH: fake.dir, ALICLOUD_ECS_ROLE_NAME: 'pool-deployer' } });
    expect(await runDoctor(['--config', d.configPath], deps)).toBe(0);
    expect(deps.out.text).toContain(
      '✔ alicloud credentials: ECS RAM role pool-deployer (ALICLOUD_ECS_ROLE_NAME)',
    );
  });

  it('checks the SSH key files named in the config', async () => {
    const d = makeDeployment({ cloud: 'ssh' });
    rmSync(d.privateKeyPath);
    const deps = testDeps(tools().dir);
    expect(await runDoctor(['--config', d.configPath], deps)).toBe(1);
    expect(deps.out.text).toContain(`✖ ssh key (ssh.privateKeyPath): ${d.privateKeyPath} does not exist`);
    expect(deps.out.text).toContain('fix: create a key pair with `ssh-keygen -t ed25519');
    expect(deps.out.text).not.toContain('terraform');
  });

  it('checks the Docker engine and Compose for local', async () => {
    const d = makeDeployment({ cloud: 'local' });
    const ok = testDeps(tools().dir);
    expect(await runDoctor(['--config', d.configPath], ok)).toBe(0);
    expect(ok.out.text).toContain('✔ docker engine: 28.2.2');
    expect(ok.out.text).toContain('✔ docker compose: docker compose (v2)');

    const down = FakeBin.create(['docker']).rules([
      {
        match: 'docker info',
        exit: 1,
        stderr: 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock\n',
      },
      { match: 'docker compose', exit: 1 },
    ]);
    const deps = testDeps(down.dir);
    expect(await runDoctor(['--config', d.configPath], deps)).toBe(1);
    expect(deps.out.text).toContain('✖ docker engine: Cannot connect to the Docker daemon');
    expect(deps.out.text).toContain('fix: install Docker');
    expect(deps.out.text).toContain('✖ docker compose: neither `docker compose` nor `docker-compose` works');
  });

  it('reports a missing config with the command that creates it', async () => {
    const fake = tools();
    const deps = testDeps(fake.dir);
    expect(await runDoctor(['--config', join(fake.dir, 'missing.yaml'), '--cloud', 'local'], deps)).toBe(1);
    expect(deps.out.text).toMatch(/✖ config: .*missing\.yaml: \(file\): not found/);
    expect(deps.out.text).toContain('fix: create it with `ckb-pool-deploy init`');
    expect(deps.out.text).toContain('✔ docker engine');
  });
});
