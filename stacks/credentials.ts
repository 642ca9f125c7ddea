/**
 * Where Terraform's cloud providers will find credentials, found the way they look, so `doctor`
 * (and `up`, before it creates anything) can say which source will be used — by name, never by
 * value — or why none will work.
 *
 * AWS follows the provider's documented order: environment keys, web identity from the
 * environment, the shared credentials/config files (profile `AWS_PROFILE` or `default`: keys,
 * assume-role, SSO, credential_process, web identity), ECS container credentials, and last the
 * EC2 instance profile, the only source that needs a network probe.
 *
 * Alibaba Cloud follows aliyun/alicloud 1.289's `providerConfigure` for a provider block that
 * sets only `region` (ours): AccessKey variables, a profile of the aliyun CLI config, an ECS
 * RAM role name, or a credentials URI.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface CredentialContext {
  env: NodeJS.ProcessEnv;
  home: string;
  /**
   * Asks the EC2 instance metadata service for the instance profile's role name. Only given by
   * the real CLI (tests never reach 169.254.169.254); without it the probe is skipped.
   */
  probeInstanceRole?: () => Promise<string | undefined>;
}

export interface CredentialFinding {
  ok: boolean;
  /** Which source was found (or what is wrong), without any secret. */
  detail: string;
  fix?: string;
}

const found = (detail: string): CredentialFinding => ({ ok: true, detail });
const problem = (detail: string, fix: string): CredentialFinding => ({ ok: false, detail, fix });

/** First variable of `names` that is set and not blank, with its name. */
function firstEnv(
  env: NodeJS.ProcessEnv,
  names: readonly string[],
): { name: string; value: string } | undefined {
  for (const name of names) {
    const value = env[name]?.trim();
    if (value) return { name, value };
  }
  return undefined;
}

/** INI sections of an AWS shared file: `[name]` → key/value pairs (comments and blanks dropped). */
export function parseIni(text: string): Map<string, Record<string, string>> {
  const sections = new Map<string, Record<string, string>>();
  let current: Record<string, string> | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[\s*([^\]]+?)\s*\]$/.exec(line);
    if (header) {
      current = sections.get(header[1]) ?? {};
      sections.set(header[1], current);
      continue;
    }
    const kv = /^([^=]+?)\s*=\s*(.*)$/.exec(line);
    if (kv && current) current[kv[1].trim().toLowerCase()] = kv[2].trim();
  }
  return sections;
}

// ---------------------------------------------------------------------------------------- AWS

const AWS_FIX =
  'export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, set AWS_PROFILE to a profile in ~/.aws/config ' +
  '(`aws configure`, or `aws configure sso` then `aws sso login`), or run on an EC2 instance or ECS task with a role';

interface AwsFiles {
  credentials: string;
  config: string;
  /** Profile name → its settings from both files (the credentials file wins for a key in both). */
  profile(name: string): Record<string, string> | undefined;
}

function awsFiles(ctx: CredentialContext): AwsFiles {
  const credentials = ctx.env.AWS_SHARED_CREDENTIALS_FILE || join(ctx.home, '.aws', 'credentials');
  const config = ctx.env.AWS_CONFIG_FILE || join(ctx.home, '.aws', 'config');
  const read = (f: string) => (existsSync(f) ? parseIni(readFileSync(f, 'utf8')) : new Map());
  const creds = read(credentials);
  const conf = read(config);
  return {
    credentials,
    config,
    profile(name) {
      const fromConfig = conf.get(name === 'default' ? 'default' : `profile ${name}`) ?? conf.get(name);
      const fromCredentials = creds.get(name);
      if (!fromConfig && !fromCredentials) return undefined;
      return { ...fromConfig, ...fromCredentials };
    },
  };
}

/** What kind of credentials an AWS profile holds, or undefined when it holds none. */
function awsProfileSource(
  files: AwsFiles,
  name: string,
  p: Record<string, string>,
): CredentialFinding | undefined {
  const where = `profile ${name} in ${files.config} / ${files.credentials}`;
  const role = p.role_arn;
  if (p.aws_access_key_id && p.aws_secret_access_key) {
    return found(role ? `assume role ${role} with the static keys of ${where}` : `static keys of ${where}`);
  }
  if (p.aws_access_key_id || p.aws_secret_access_key) {
    return problem(`${where} has only one of aws_access_key_id and aws_secret_access_key`, AWS_FIX);
  }
  if (role && p.source_profile) {
    if (!files.profile(p.source_profile)) {
      return problem(
        `${where} assumes ${role} from profile ${p.source_profile}, which does not exist`,
        AWS_FIX,
      );
    }
    return found(`assume role ${role} from source profile ${p.source_profile} (${where})`);
  }
  if (role && p.credential_source)
    return found(`assume role ${role} with credential_source ${p.credential_source} (${where})`);
  if (role && p.web_identity_token_file) return found(`web identity for role ${role} (${where})`);
  if (p.sso_session || p.sso_start_url) {
    const session = p.sso_session ? `session ${p.sso_session}` : p.sso_start_url;
    return found(
      `IAM Identity Center (SSO) ${session}, ${where}; run \`aws sso login --profile ${name}\` if its token expired`,
    );
  }
  if (p.credential_process) return found(`credential_process of ${where}`);
  return undefined;
}

export async function findAwsCredentials(ctx: CredentialContext): Promise<CredentialFinding> {
  const e = ctx.env;
  if (e.AWS_ACCESS_KEY_ID || e.AWS_SECRET_ACCESS_KEY) {
    if (!e.AWS_ACCESS_KEY_ID || !e.AWS_SECRET_ACCESS_KEY) {
      const set = e.AWS_ACCESS_KEY_ID ? 'AWS_ACCESS_KEY_ID' : 'AWS_SECRET_ACCESS_KEY';
      const unset = e.AWS_ACCESS_KEY_ID ? 'AWS_SECRET_ACCESS_KEY' : 'AWS_ACCESS_KEY_ID';
      return problem(`${set} is set but ${unset} is not`, AWS_FIX);
    }
    const token = e.AWS_SESSION_TOKEN ? ' and AWS_SESSION_TOKEN' : '';
    return found(`environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY${token}`);
  }
  if (e.AWS_WEB_IDENTITY_TOKEN_FILE) {
    if (!e.AWS_ROLE_ARN)
      return problem('AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not', AWS_FIX);
    if (!existsSync(e.AWS_WEB_IDENTITY_TOKEN_FILE)) {
      return problem(`AWS_WEB_IDENTITY_TOKEN_FILE ${e.AWS_WEB_IDENTITY_TOKEN_FILE} does not exist`, AWS_FIX);
    }
    return found(`web identity: role ${e.AWS_ROLE_ARN}, token file ${e.AWS_WEB_IDENTITY_TOKEN_FILE}`);
  }
  const files = awsFiles(ctx);
  const name = e.AWS_PROFILE || 'default';
  const profile = files.profile(name);
  if (e.AWS_PROFILE && !profile) {
    return problem(
      `AWS_PROFILE=${name}, but neither ${files.config} nor ${files.credentials} has that profile`,
      AWS_FIX,
    );
  }
  const fromProfile = profile && awsProfileSource(files, name, profile);
  if (fromProfile) return fromProfile;
  if (e.AWS_PROFILE) {
    return problem(
      `profile ${name} holds no credentials (no keys, role_arn, sso_session or credential_process)`,
      AWS_FIX,
    );
  }
  const container = firstEnv(e, [
    'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
    'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  ]);
  if (container) return found(`ECS container credentials (${container.name})`);
  if (e.AWS_EC2_METADATA_DISABLED?.toLowerCase() === 'true') {
    return problem(
      'no credentials in the environment or ~/.aws, and AWS_EC2_METADATA_DISABLED=true',
      AWS_FIX,
    );
  }
  const role = ctx.probeInstanceRole ? await ctx.probeInstanceRole() : undefined;
  if (role) return found(`EC2 instance profile: role ${role} (instance metadata service)`);
  return problem(
    `no AWS_* keys, no web identity, no credentials in profile ${name} (${files.config}, ${files.credentials}), ` +
      `no ECS container credentials, ${ctx.probeInstanceRole ? 'and no EC2 instance profile answered' : 'and the EC2 instance profile was not probed'}`,
    AWS_FIX,
  );
}

/** The instance metadata endpoint; only the real CLI reaches it. */
export const IMDS_URL = 'http://169.254.169.254';

/**
 * Asks IMDSv2 for the instance profile's role: a token (PUT), then the role name under
 * `iam/security-credentials/`. Off EC2 the address does not answer; `timeoutMs` bounds the whole
 * exchange so `doctor` stays quick.
 */
export async function probeEc2InstanceRole(
  baseUrl = IMDS_URL,
  timeoutMs = 1000,
): Promise<string | undefined> {
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const token = await fetch(`${baseUrl}/latest/api/token`, {
      method: 'PUT',
      headers: { 'X-aws-ec2-metadata-token-ttl-seconds': '60' },
      signal,
    });
    if (!token.ok) return undefined;
    const roles = await fetch(`${baseUrl}/latest/meta-data/iam/security-credentials/`, {
      headers: { 'X-aws-ec2-metadata-token': await token.text() },
      signal,
    });
    if (!roles.ok) return undefined;
    const role = (await roles.text()).split('\n')[0]?.trim();
    return role || undefined;
  } catch {
    return undefined; // unreachable, refused or timed out: not on EC2
  }
}

// ------------------------------------------------------------------------------ Alibaba Cloud

const ALICLOUD_FIX =
  'export ALICLOUD_ACCESS_KEY and ALICLOUD_SECRET_KEY (a RAM user AccessKey), set ALICLOUD_PROFILE to a profile ' +
  'of ~/.aliyun/config.json (`aliyun configure`), or on an ECS instance set ALICLOUD_ECS_ROLE_NAME to its RAM role';

const ALICLOUD_ENV = {
  accessKey: ['ALICLOUD_ACCESS_KEY', 'ALIBABA_CLOUD_ACCESS_KEY_ID', 'ALIBABACLOUD_ACCESS_KEY_ID'],
  secretKey: ['ALICLOUD_SECRET_KEY', 'ALIBABA_CLOUD_ACCESS_KEY_SECRET', 'ALIBABACLOUD_ACCESS_KEY_SECRET'],
  securityToken: ['ALICLOUD_SECURITY_TOKEN', 'ALIBABA_CLOUD_SECURITY_TOKEN', 'ALIBABACLOUD_SECURITY_TOKEN'],
  profile: ['ALICLOUD_PROFILE', 'ALIBABA_CLOUD_PROFILE'],
  credentialsFile: ['ALICLOUD_SHARED_CREDENTIALS_FILE', 'ALIBABA_CLOUD_CREDENTIALS_FILE'],
  ecsRoleName: ['ALICLOUD_ECS_ROLE_NAME', 'ALIBABA_CLOUD_ECS_METADATA'],
  credentialsUri: ['ALICLOUD_CREDENTIALS_URI', 'ALIBABA_CLOUD_CREDENTIALS_URI'],
  /** Read only inside provider blocks (assume_role, assume_role_with_oidc) the stack does not write. */
  ignoredRoleArn: ['ALICLOUD_ASSUME_ROLE_ARN', 'ALIBABA_CLOUD_ROLE_ARN'],
} as const;

interface AliyunProfile {
  name?: string;
  mode?: string;
  access_key_id?: string;
  access_key_secret?: string;
  sts_token?: string;
  ram_role_arn?: string;
  ram_role_name?: string;
  source_profile?: string;
}

/** What an aliyun CLI profile gives the provider, by its `mode`. */
function aliyunProfileSource(p: AliyunProfile, where: string): CredentialFinding {
  const keys = Boolean(p.access_key_id && p.access_key_secret);
  const needKeys = (what: string) =>
    keys
      ? found(what)
      : problem(`${where} (mode ${p.mode}) has no access_key_id/access_key_secret`, ALICLOUD_FIX);
  switch (p.mode) {
    case 'AK':
      return needKeys(`AccessKey of ${where}`);
    case 'StsToken':
      return p.sts_token
        ? needKeys(`STS token of ${where}`)
        : problem(`${where} (mode StsToken) has no sts_token`, ALICLOUD_FIX);
    case 'RamRoleArn':
      return p.ram_role_arn
        ? needKeys(`assume role ${p.ram_role_arn} with the AccessKey of ${where}`)
        : problem(`${where} (mode RamRoleArn) has no ram_role_arn`, ALICLOUD_FIX);
    case 'EcsRamRole':
      return p.ram_role_name
        ? found(`ECS RAM role ${p.ram_role_name} of ${where}`)
        : problem(`${where} (mode EcsRamRole) has no ram_role_name`, ALICLOUD_FIX);
    case 'ChainableRamRoleArn':
      return found(
        `assume role ${p.ram_role_arn ?? '(from the profile)'} chained from profile ${p.source_profile ?? '?'} (${where})`,
      );
    case 'CloudSSO':
    case 'External':
    case 'OAuth':
      return found(`${p.mode} credentials of ${where} (through the aliyun CLI profile provider)`);
    default:
      return problem(`${where} has mode ${p.mode ?? '(none)'}, which the provider cannot use`, ALICLOUD_FIX);
  }
}

function findAliyunProfile(ctx: CredentialContext, name: string): CredentialFinding {
  const file =
    firstEnv(ctx.env, ALICLOUD_ENV.credentialsFile)?.value ?? join(ctx.home, '.aliyun', 'config.json');
  if (!existsSync(file))
    return problem(`profile ${name} was asked for, but ${file} does not exist`, ALICLOUD_FIX);
  let profiles: AliyunProfile[];
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as { profiles?: AliyunProfile[] };
    profiles = Array.isArray(parsed.profiles) ? parsed.profiles : [];
  } catch (err) {
    return problem(`${file} is not valid JSON: ${(err as Error).message}`, ALICLOUD_FIX);
  }
  const profile = profiles.find((p) => p.name === name);
  if (!profile) {
    const names = profiles.map((p) => p.name).join(', ') || 'none';
    return problem(`${file} has no profile ${name} (it has: ${names})`, ALICLOUD_FIX);
  }
  return aliyunProfileSource(profile, `profile ${name} in ${file}`);
}

function findAlicloudSource(ctx: CredentialContext): CredentialFinding {
  const e = ctx.env;
  const id = firstEnv(e, ALICLOUD_ENV.accessKey);
  const secret = firstEnv(e, ALICLOUD_ENV.secretKey);
  if (id && secret) {
    const token = firstEnv(e, ALICLOUD_ENV.securityToken);
    return found(`environment: ${id.name}, ${secret.name}${token ? `, ${token.name} (STS)` : ''}`);
  }
  if (id || secret) {
    const which = id
      ? `${id.name} is set but no secret (${ALICLOUD_ENV.secretKey.join('/')})`
      : `${secret?.name} is set but no access key id (${ALICLOUD_ENV.accessKey.join('/')})`;
    return problem(which, ALICLOUD_FIX);
  }
  const profile = firstEnv(e, ALICLOUD_ENV.profile);
  if (profile) return findAliyunProfile(ctx, profile.value);
  const role = firstEnv(e, ALICLOUD_ENV.ecsRoleName);
  if (role)
    return found(`ECS RAM role ${role.value} (${role.name}), read from the instance metadata service`);
  const uri = firstEnv(e, ALICLOUD_ENV.credentialsUri);
  if (uri) return found(`credentials URI (${uri.name})`);
  return problem(
    `none of ${ALICLOUD_ENV.accessKey[0]}/${ALICLOUD_ENV.secretKey[0]} (or the ALIBABA_CLOUD_* names), ` +
      `${ALICLOUD_ENV.profile.join('/')}, ${ALICLOUD_ENV.ecsRoleName.join('/')} or ${ALICLOUD_ENV.credentialsUri.join('/')} is set`,
    ALICLOUD_FIX,
  );
}

export function findAlicloudCredentials(ctx: CredentialContext): CredentialFinding {
  const source = findAlicloudSource(ctx);
  const ignored = firstEnv(ctx.env, ALICLOUD_ENV.ignoredRoleArn);
  if (!ignored) return source;
  // The provider reads these only inside assume_role / assume_role_with_oidc blocks, which the
  // stack does not write: Terraform would quietly run as the base identity instead.
  return problem(
    `${ignored.name} is set, but the provider reads it only inside an assume_role block, which the stack does not write` +
      (source.ok ? `; Terraform would run as ${source.detail} instead` : ''),
    `unset ${ignored.name} and put the role in an aliyun CLI profile (mode RamRoleArn: \`aliyun configure --mode RamRoleArn --profile NAME\`), then set ALICLOUD_PROFILE=NAME`,
  );
}
