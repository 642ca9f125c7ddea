import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeDeployment, testDeps } from '../../test/support/deploy-fixture.js';
import { FakeBin } from '../../test/support/fake-bin.js';
import { runDown } from '../commands/down.js';
import { readState, workDir, writeState } from './workdir.js';

/** A deployment that `up` left behind: Terraform state, a recorded host, a pinned host key. */
function deployed(cloud: 'aws' | 'alicloud', region: string) {
  const d = makeDeployment({ cloud, region });
  const work = workDir(d.configPath, 'ckb-pool', cloud);
  const stackDir = join(work.terraform, 'stacks', `ckb-pool-${cloud}`);
  mkdirSync(stackDir, { recursive: true });
  writeFileSync(join(stackDir, 'terraform.tfstate'), '{"version":4}\n');
  writeFileSync(work.knownHosts, '198.51.100.9 ssh-ed25519 AAAA\n');
  writeState(work, {
    target: cloud,
    host: { address: '198.51.100.9', user: 'ubuntu', port: 22 },
    completed: {},
  });
  return { d, work, stackDir };
}

describe('down (clouds)', () => {
  it('refuses without a terminal and without --yes, running nothing', async () => {
    const { d } = deployed('aws', 'us-east-1');
    const fake = FakeBin.create(['terraform']);
    const deps = testDeps(fake.dir);
    expect(await runDown(['--config', d.configPath, '--cloud', 'aws'], deps)).toBe(1);
    expect(deps.err.text).toContain('This DESTROYS the aws VM');
    expect(deps.err.text).toContain('re-run with --yes');
    expect(fake.calls()).toEqual([]);
  });

  it('asks on a terminal and does nothing when the answer is no', async () => {
    const { d, stackDir } = deployed('aws', 'us-east-1');
    const fake = FakeBin.create(['terraform']);
    const questions: string[] = [];
    const deps = testDeps(fake.dir, {
      interactive: true,
      confirm: async (q) => {
        questions.push(q);
        return false;
      },
    });
    expect(await runDown(['--config', d.configPath, '--cloud', 'aws'], deps)).toBe(1);
    expect(questions[0]).toMatch(/DESTROYS the aws VM of 'ckb-pool' in us-east-1/);
    expect(fake.calls()).toEqual([]);
    expect(existsSync(join(stackDir, 'terraform.tfstate'))).toBe(true);
  });

  it('with --yes runs terraform init and destroy in the stack folder and forgets the host', async () => {
    const { d, work, stackDir } = deployed('alicloud', 'cn-hangzhou');
    const fake = FakeBin.create(['terraform']);
    const deps = testDeps(fake.dir);
    expect(await runDown(['--config', d.configPath, '--cloud', 'alicloud', '--yes'], deps)).toBe(0);
    expect(fake.commandLines()).toEqual([
      'terraform init -input=false -no-color',
      'terraform destroy -auto-approve -input=false -no-color',
    ]);
    for (const c of fake.calls()) {
      expect(c.cwd).toBe(stackDir);
      expect(c.env).toMatchObject({
        TF_IN_AUTOMATION: '1',
        ALICLOUD_SECRET_KEY: 'fake-alicloud-secret-key-0123456789',
      });
    }
    expect(existsSync(work.knownHosts)).toBe(false);
    expect(readState(work, 'alicloud').host).toBeUndefined();
    expect(deps.out.text).toContain("Destroyed 'ckb-pool' on alicloud");
  });

  it('names the destroy step and the log when terraform fails', async () => {
    const { d, work } = deployed('aws', 'us-east-1');
    const fake = FakeBin.create(['terraform']).rules([
      { match: 'terraform destroy', exit: 1, stderr: 'Error: deleting EC2 EIP: AuthFailure\n' },
    ]);
    const deps = testDeps(fake.dir);
    expect(await runDown(['--config', d.configPath, '--cloud', 'aws', '--yes'], deps)).toBe(1);
    expect(deps.err.text).toContain("step 'terraform destroy' failed");
    expect(deps.err.text).toContain('AuthFailure');
    expect(deps.err.text).toMatch(/Full output: .*logs\/down-\d{8}-\d{6}\.log/);
    expect(readState(work, 'aws').host?.address).toBe('198.51.100.9');
  });

  it('fails without local state, naming where it was expected and how to find tagged resources', async () => {
    const d = makeDeployment({ cloud: 'aws', region: 'us-east-1' });
    const fake = FakeBin.create(['terraform']);
    const deps = testDeps(fake.dir);
    expect(await runDown(['--config', d.configPath, '--yes'], deps)).toBe(1);
    const stack = join(workDir(d.configPath, 'ckb-pool', 'aws').terraform, 'stacks', 'ckb-pool-aws');
    expect(deps.err.text).toContain(`no Terraform state at ${join(stack, 'terraform.tfstate')}`);
    expect(deps.err.text).toContain('may still exist and be billed');
    expect(deps.err.text).toContain(
      'aws resourcegroupstaggingapi get-resources --region us-east-1 --tag-filters Key=Project,Values=ckb-pool',
    );
    expect(deps.out.text).not.toContain('Nothing to destroy');
    expect(fake.calls()).toEqual([]);
  });

  it('rejects --purge outside local', async () => {
    const { d } = deployed('aws', 'us-east-1');
    const deps = testDeps(FakeBin.create([]).dir);
    await expect(runDown(['--config', d.configPath, '--purge', '--yes'], deps)).rejects.toThrow(
      /--purge is for --cloud local/,
    );
  });
});

describe('down --host', () => {
  it('stops the systemd unit on the server over SSH after confirmation', async () => {
    const d = makeDeployment({ cloud: 'ssh' });
    const fake = FakeBin.create(['ssh']);
    const deps = testDeps(fake.dir);
    expect(
      await runDown(['--config', d.configPath, '--host', 'admin@203.0.113.50:2222', '--yes'], deps),
    ).toBe(0);
    const [line] = fake.commandLines();
    expect(line).toMatch(/-p 2222 admin@203\.0\.113\.50 sudo systemctl disable --now ckb-pool\.service$/);
  });
});
