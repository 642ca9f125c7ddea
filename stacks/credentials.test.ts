import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type CredentialContext,
  findAlicloudCredentials,
  findAwsCredentials,
  parseIni,
  probeEc2InstanceRole,
} from './credentials.js';

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYzzzSECRET';
const homes: string[] = [];
afterAll(() => {
  for (const h of homes) rmSync(h, { recursive: true, force: true });
});

/** A fresh HOME with the given files (paths relative to it). */
function home(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'ckb-pool-creds-'));
  homes.push(dir);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

/** A context that must not probe the metadata service unless a test hands it a probe. */
function ctx(
  env: NodeJS.ProcessEnv,
  h = home(),
  probe?: () => Promise<string | undefined>,
): CredentialContext {
  return { env, home: h, ...(probe && { probeInstanceRole: probe }) };
}

describe('AWS credential sources', () => {
  it('takes keys from the environment and never prints the secret', async () => {
    const f = await findAwsCredentials(
      ctx({ AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE', AWS_SECRET_ACCESS_KEY: SECRET, AWS_SESSION_TOKEN: 'tok' }),
    );
    expect(f).toEqual({
      ok: true,
      detail: 'environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN',
    });
    const half = await findAwsCredentials(ctx({ AWS_SECRET_ACCESS_KEY: SECRET }));
    expect(half.ok).toBe(false);
    expect(half.detail).toBe('AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not');
    expect(JSON.stringify([f, half])).not.toContain(SECRET);
  });

  it('accepts web identity from the environment only with a role and an existing token file', async () => {
    const h = home({ 'token.jwt': 'eyJ...' });
    const token = join(h, 'token.jwt');
    const role = 'arn:aws:iam::123456789012:role/ci';
    expect(
      await findAwsCredentials(ctx({ AWS_WEB_IDENTITY_TOKEN_FILE: token, AWS_ROLE_ARN: role }, h)),
    ).toEqual({
      ok: true,
      detail: `web identity: role ${role}, token file ${token}`,
    });
    expect((await findAwsCredentials(ctx({ AWS_WEB_IDENTITY_TOKEN_FILE: token }, h))).detail).toContain(
      'AWS_ROLE_ARN is not',
    );
    const gone = await findAwsCredentials(
      ctx({ AWS_WEB_IDENTITY_TOKEN_FILE: join(h, 'nope'), AWS_ROLE_ARN: role }, h),
    );
    expect(gone).toMatchObject({ ok: false, detail: expect.stringContaining('does not exist') });
  });

  it('reads static keys of the default profile from ~/.aws/credentials', async () => {
    const h = home({
      '.aws/credentials': `[default]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = ${SECRET}\n`,
    });
    const f = await findAwsCredentials(ctx({}, h));
    expect(f.ok).toBe(true);
    expect(f.detail).toContain('static keys of profile default');
    expect(f.detail).not.toContain(SECRET);
  });

  it('names the kind of credentials an AWS_PROFILE holds: SSO, credential_process, assume role', async () => {
    const h = home({
      '.aws/config': [
        '[profile sso]',
        'sso_session = corp',
        'sso_account_id = 123456789012',
        '[sso-session corp]',
        'sso_start_url = https://corp.awsapps.com/start',
        '[profile proc]',
        'credential_process = /usr/local/bin/vault-aws',
        '[profile deploy]',
        'role_arn = arn:aws:iam::123456789012:role/deploy',
        'source_profile = base',
        '[profile onec2]',
        'role_arn = arn:aws:iam::123456789012:role/deploy',
        'credential_source = Ec2InstanceMetadata',
        '[profile regiononly]',
        'region = eu-central-1',
      ].join('\n'),
      '.aws/credentials': `[base]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = ${SECRET}\n`,
    });
    const detail = async (profile: string) => findAwsCredentials(ctx({ AWS_PROFILE: profile }, h));
    expect((await detail('sso')).detail).toMatch(
      /^IAM Identity Center \(SSO\) session corp, profile sso .*aws sso login --profile sso/,
    );
    expect((await detail('proc')).detail).toMatch(/^credential_process of profile proc/);
    expect((await detail('deploy')).detail).toMatch(
      /^assume role arn:aws:iam::123456789012:role\/deploy from source profile base/,
    );
    expect((await detail('onec2')).detail).toContain('credential_source Ec2InstanceMetadata');
    expect(await detail('regiononly')).toMatchObject({
      ok: false,
      detail: expect.stringContaining('holds no credentials'),
    });
    expect(await detail('missing')).toMatchObject({
      ok: false,
      detail: expect.stringContaining('AWS_PROFILE=missing, but neither'),
    });
  });

  it('honours AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE', async () => {
    const h = home({ 'elsewhere/conf': '[profile ci]\ncredential_process = /bin/creds\n' });
    const f = await findAwsCredentials(
      ctx({ AWS_PROFILE: 'ci', AWS_CONFIG_FILE: join(h, 'elsewhere/conf') }, h),
    );
    expect(f).toMatchObject({ ok: true, detail: expect.stringContaining(join(h, 'elsewhere/conf')) });
  });

  it('accepts ECS container credentials by either variable', async () => {
    for (const name of ['AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'AWS_CONTAINER_CREDENTIALS_FULL_URI']) {
      const f = await findAwsCredentials(
        ctx({ [name]: '/v2/credentials/abc', AWS_CONTAINER_AUTHORIZATION_TOKEN: SECRET }),
      );
      expect(f).toEqual({ ok: true, detail: `ECS container credentials (${name})` });
    }
  });

  it('probes the instance profile only when nothing else is there', async () => {
    let probes = 0;
    const probe = async () => {
      probes += 1;
      return 'pool-deployer';
    };
    const keys = await findAwsCredentials(
      ctx({ AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE', AWS_SECRET_ACCESS_KEY: SECRET }, home(), probe),
    );
    expect(keys.ok).toBe(true);
    expect(probes).toBe(0);
    const regionOnly = home({ '.aws/config': '[default]\nregion = us-east-1\n' });
    const ec2 = await findAwsCredentials(ctx({}, regionOnly, probe));
    expect(ec2).toEqual({
      ok: true,
      detail: 'EC2 instance profile: role pool-deployer (instance metadata service)',
    });
    expect(probes).toBe(1);
    expect((await findAwsCredentials(ctx({ AWS_EC2_METADATA_DISABLED: 'true' }, home(), probe))).ok).toBe(
      false,
    );
    expect(probes).toBe(1);
  });

  it('lists every source it looked at when none works', async () => {
    const none = await findAwsCredentials(ctx({}, home(), async () => undefined));
    expect(none.ok).toBe(false);
    expect(none.detail).toMatch(
      /no AWS_\* keys, no web identity, no credentials in profile default .*no ECS container credentials, and no EC2 instance profile answered/,
    );
    expect(none.fix).toContain('AWS_PROFILE');
    expect((await findAwsCredentials(ctx({}))).detail).toContain('the EC2 instance profile was not probed');
  });
});

describe('the EC2 metadata probe', () => {
  const servers: Server[] = [];
  afterAll(() => {
    for (const s of servers) s.close();
  });
  async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
    const server = createServer(handler);
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  it('asks for an IMDSv2 token, then the role name with it', async () => {
    const url = await serve((req, res) => {
      if (
        req.method === 'PUT' &&
        req.url === '/latest/api/token' &&
        req.headers['x-aws-ec2-metadata-token-ttl-seconds']
      ) {
        res.end('tok-123');
      } else if (
        req.method === 'GET' &&
        req.url === '/latest/meta-data/iam/security-credentials/' &&
        req.headers['x-aws-ec2-metadata-token'] === 'tok-123'
      ) {
        res.end('pool-deployer\n');
      } else {
        res.statusCode = 401;
        res.end();
      }
    });
    expect(await probeEc2InstanceRole(url)).toBe('pool-deployer');
  });

  it('gives up within its timeout when the endpoint does not answer, and on an instance without a role', async () => {
    const silent = await serve(() => {});
    const started = Date.now();
    expect(await probeEc2InstanceRole(silent, 200)).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(2000);
    const noRole = await serve((req, res) => {
      res.statusCode = req.method === 'PUT' ? 200 : 404;
      res.end(req.method === 'PUT' ? 'tok' : '');
    });
    expect(await probeEc2InstanceRole(noRole)).toBeUndefined();
  });
});

describe('Alibaba Cloud credential sources', () => {
  it('takes an AccessKey from the ALICLOUD_* or ALIBABA_CLOUD_* variables, never printing the secret', () => {
    const a = findAlicloudCredentials(
      ctx({ ALICLOUD_ACCESS_KEY: 'LTAIexample', ALICLOUD_SECRET_KEY: SECRET }),
    );
    expect(a).toEqual({ ok: true, detail: 'environment: ALICLOUD_ACCESS_KEY, ALICLOUD_SECRET_KEY' });
    const b = findAlicloudCredentials(
      ctx({
        ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAIexample',
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: SECRET,
        ALIBABA_CLOUD_SECURITY_TOKEN: 'sts',
      }),
    );
    expect(b.detail).toBe(
      'environment: ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET, ALIBABA_CLOUD_SECURITY_TOKEN (STS)',
    );
    const half = findAlicloudCredentials(ctx({ ALICLOUD_ACCESS_KEY: 'LTAIexample' }));
    expect(half).toMatchObject({
      ok: false,
      detail: expect.stringContaining('ALICLOUD_ACCESS_KEY is set but no secret'),
    });
    expect(JSON.stringify([a, b, half])).not.toContain(SECRET);
  });

  const config = (profiles: object[]) => ({
    '.aliyun/config.json': JSON.stringify({ current: 'default', profiles }),
  });

  it('reads the profile ALICLOUD_PROFILE names from ~/.aliyun/config.json, by mode', () => {
    const h = home(
      config([
        { name: 'ak', mode: 'AK', access_key_id: 'LTAIexample', access_key_secret: SECRET },
        {
          name: 'role',
          mode: 'RamRoleArn',
          access_key_id: 'LTAIexample',
          access_key_secret: SECRET,
          ram_role_arn: 'acs:ram::1:role/deploy',
        },
        { name: 'ecs', mode: 'EcsRamRole', ram_role_name: 'pool-deployer' },
        { name: 'sso', mode: 'CloudSSO' },
        { name: 'broken', mode: 'AK' },
      ]),
    );
    const find = (name: string, via = 'ALICLOUD_PROFILE') => findAlicloudCredentials(ctx({ [via]: name }, h));
    expect(find('ak').detail).toBe(`AccessKey of profile ak in ${join(h, '.aliyun/config.json')}`);
    expect(find('role', 'ALIBABA_CLOUD_PROFILE').detail).toMatch(
      /^assume role acs:ram::1:role\/deploy with the AccessKey of profile role/,
    );
    expect(find('ecs').detail).toMatch(/^ECS RAM role pool-deployer of profile ecs/);
    expect(find('sso').detail).toMatch(/^CloudSSO credentials of profile sso/);
    expect(find('broken')).toMatchObject({
      ok: false,
      detail: expect.stringContaining('has no access_key_id/access_key_secret'),
    });
    expect(find('nope')).toMatchObject({
      ok: false,
      detail: expect.stringContaining('has no profile nope (it has: ak, role, ecs, sso, broken)'),
    });
    expect(JSON.stringify(['ak', 'role'].map((n) => find(n)))).not.toContain(SECRET);
  });

  it('reads the profile from ALICLOUD_SHARED_CREDENTIALS_FILE and fails clearly when the file is missing', () => {
    const h = home({
      'team/aliyun.json': JSON.stringify({
        profiles: [
          { name: 'ci', mode: 'StsToken', access_key_id: 'x', access_key_secret: 'y', sts_token: 'z' },
        ],
      }),
    });
    const file = join(h, 'team/aliyun.json');
    expect(
      findAlicloudCredentials(ctx({ ALICLOUD_PROFILE: 'ci', ALICLOUD_SHARED_CREDENTIALS_FILE: file }, h))
        .detail,
    ).toBe(`STS token of profile ci in ${file}`);
    expect(findAlicloudCredentials(ctx({ ALICLOUD_PROFILE: 'ci' }, h)).detail).toContain(
      'config.json does not exist',
    );
  });

  it('accepts an ECS RAM role name and a credentials URI', () => {
    expect(findAlicloudCredentials(ctx({ ALICLOUD_ECS_ROLE_NAME: 'pool-deployer' })).detail).toBe(
      'ECS RAM role pool-deployer (ALICLOUD_ECS_ROLE_NAME), read from the instance metadata service',
    );
    expect(findAlicloudCredentials(ctx({ ALIBABA_CLOUD_ECS_METADATA: 'r' })).ok).toBe(true);
    expect(
      findAlicloudCredentials(ctx({ ALICLOUD_CREDENTIALS_URI: 'http://127.0.0.1:9/creds?token=abc' })),
    ).toEqual({
      ok: true,
      detail: 'credentials URI (ALICLOUD_CREDENTIALS_URI)',
    });
  });

  it('refuses an assume-role ARN in the environment, which the stack’s provider block would ignore', () => {
    const f = findAlicloudCredentials(
      ctx({
        ALICLOUD_ACCESS_KEY: 'LTAIexample',
        ALICLOUD_SECRET_KEY: SECRET,
        ALICLOUD_ASSUME_ROLE_ARN: 'acs:ram::1:role/x',
      }),
    );
    expect(f.ok).toBe(false);
    expect(f.detail).toContain('reads it only inside an assume_role block');
    expect(f.detail).toContain('Terraform would run as environment: ALICLOUD_ACCESS_KEY');
    expect(f.fix).toContain('RamRoleArn');
  });

  it('names every variable it looked for when nothing is set', () => {
    const f = findAlicloudCredentials(ctx({}));
    expect(f.ok).toBe(false);
    for (const name of [
      'ALICLOUD_ACCESS_KEY',
      'ALICLOUD_PROFILE',
      'ALICLOUD_ECS_ROLE_NAME',
      'ALICLOUD_CREDENTIALS_URI',
    ]) {
      expect(f.detail).toContain(name);
    }
    expect(f.fix).toContain('export ALICLOUD_ACCESS_KEY and ALICLOUD_SECRET_KEY');
  });
});

describe('the INI reader for ~/.aws files', () => {
  it('keeps sections and keys, skipping comments', () => {
    const ini = parseIni('# c\n[profile a]\nRegion = x\n; c\n[b]\nk=v = w\n');
    expect(Object.fromEntries(ini)).toEqual({ 'profile a': { region: 'x' }, b: { k: 'v = w' } });
  });
});
