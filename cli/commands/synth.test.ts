import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { KEYS } from '../../test/support/stack-fixtures.js';
import { UsageError } from '../command.js';
import synth from './synth.js';

// RFC 0021 example address (full format, default lock).
const PAYOUT =
  'ckb1qzda0cr08m85hc8jlnfp3zer7xulejywt49kt2rr0vthywaa50xwsqdnnw7qkdnnclfkg59uzn8umtfd2kwxceqxwquc4';

const root = mkdtempSync(join(tmpdir(), 'ckb-pool-synth-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A config folder with an operator key beside it; returns the config path. */
function writeConfig(name: string, yaml: string, key: string = KEYS.ed25519): string {
  const folder = mkdtempSync(join(root, `${name}-`));
  writeFileSync(join(folder, 'id.pub'), `${key}\n`);
  const file = join(folder, 'ckb-pool.yaml');
  writeFileSync(file, yaml);
  return file;
}

const AWS_YAML = `project: demo-pool
chain: mainnet
payoutAddress: ${PAYOUT}
cloud: aws
region: us-east-1
adminCidrs: [203.0.113.7/32]
ssh:
  publicKeyPath: id.pub
`;

async function run(argv: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
    out += String(s);
    return true;
  });
  try {
    return { code: await synth.run(argv), out };
  } finally {
    spy.mockRestore();
  }
}

describe('ckb-pool-deploy synth', () => {
  it('writes Terraform JSON for the config and says how to apply it', async () => {
    const config = writeConfig('aws', AWS_YAML);
    const out = join(root, 'out-aws');
    const r = await run(['--config', config, '--out', out]);
    expect(r.code).toBe(0);
    const file = join(out, 'stacks', 'demo-pool-aws', 'cdk.tf.json');
    expect(r.out).toContain('terraform -chdir=');
    expect(r.out).toContain('stacks/demo-pool-aws');
    const tf = JSON.parse(readFileSync(file, 'utf8'));
    expect(tf.provider.aws[0].region).toBe('us-east-1');
    expect(Object.values<{ public_key: string }>(tf.resource.aws_key_pair)[0].public_key).toBe(KEYS.ed25519);
    expect(tf.resource.aws_instance).toBeDefined();
    expect(Object.keys(tf.output).sort()).toEqual(['instance_id', 'public_ip', 'region', 'ssh_user']);
  });

  it('writes the same bytes on every run', async () => {
    const config = writeConfig('again', AWS_YAML);
    const a = join(root, 'out-a');
    const b = join(root, 'out-b');
    await run(['--config', config, '--out', a]);
    await run(['--config', config, '--out', b]);
    const text = (d: string) => readFileSync(join(d, 'stacks', 'demo-pool-aws', 'cdk.tf.json'), 'utf8');
    expect(text(b)).toBe(text(a));
    expect(text(a)).not.toContain(root); // no machine-specific paths in the plan input
  });

  it('synthesizes Alibaba Cloud when asked, whatever the config says', async () => {
    const yaml = AWS_YAML.replace('cloud: aws', 'cloud: local').replace(
      'region: us-east-1',
      'region: cn-hangzhou',
    );
    const config = writeConfig('ali', yaml, KEYS.rsa);
    const out = join(root, 'out-ali');
    expect((await run(['--cloud', 'alicloud', '--config', config, '--out', out])).code).toBe(0);
    const tf = JSON.parse(readFileSync(join(out, 'stacks', 'demo-pool-alicloud', 'cdk.tf.json'), 'utf8'));
    expect(tf.provider.alicloud).toEqual([{ region: 'cn-hangzhou' }]);
    expect(tf.terraform.required_providers.alicloud.source).toBe('aliyun/alicloud');
  });

  it('turns bad input into usage errors that name the problem', async () => {
    const config = writeConfig('bad', AWS_YAML);
    await expect(synth.run(['--cloud', 'gcp', '--config', config])).rejects.toThrow(
      /--cloud must be aws or alicloud/,
    );
    await expect(synth.run(['--config', join(root, 'missing.yaml')])).rejects.toThrow(UsageError);
    await expect(synth.run(['--bogus'])).rejects.toThrow(UsageError);
    const local = writeConfig('local', AWS_YAML.replace('cloud: aws', 'cloud: local'));
    await expect(synth.run(['--config', local, '--out', join(root, 'x')])).rejects.toThrow(/cloud: 'local'/);
    const noKey = writeConfig('nokey', AWS_YAML.replace('id.pub', 'absent.pub'));
    await expect(synth.run(['--config', noKey, '--out', join(root, 'y')])).rejects.toThrow(
      /ssh\.publicKeyPath/,
    );
    expect(existsSync(join(root, 'x'))).toBe(false);
  });

  it('documents every option and its default', () => {
    for (const opt of ['--cloud', '--config', '--out', 'ckb-pool.yaml', '.ckb-pool-deploy/terraform']) {
      expect(synth.help).toContain(opt);
    }
  });
});
