import { parseArgs } from 'node:util';
import { type Command, UsageError } from '../command.js';
import { type DeployDeps, defaultDeps } from '../deploy/context.js';
import { doctor, formatChecks } from '../deploy/doctor.js';
import { DEFAULT_CONFIG, TARGETS } from '../deploy/target.js';
import type { Target } from '../deploy/workdir.js';

const help = `Usage: ckb-pool-deploy doctor [--cloud aws|alicloud|local|ssh] [--config FILE]

Checks that this machine can run \`up\` for the target, and says how to fix what is missing:
  all        the config loads and the secrets exist (\`init\` made them)
  aws        terraform ≥ 1.5 (≥ 1.10 with S3 state), and which AWS credentials Terraform will use:
             environment keys, web identity, a profile of ~/.aws (keys, role, SSO,
             credential_process), ECS container credentials, or the EC2 instance profile
  alicloud   terraform ≥ 1.5, and which Alibaba credentials: ALICLOUD_ACCESS_KEY +
             ALICLOUD_SECRET_KEY (or ALIBABA_CLOUD_*), ALICLOUD_PROFILE, ALICLOUD_ECS_ROLE_NAME
             or ALICLOUD_CREDENTIALS_URI
  aws, alicloud, ssh
             ansible-core ≥ 2.14 and < 2.20 (ansible-playbook), the shipped ckb_pool role,
             the ssh client, the SSH key files named in the config
  local      the Docker engine answers, and \`docker compose\` or \`docker-compose\` exists
Nothing is created and no cloud API is called. Only when no other AWS credential source
is set does it ask the EC2 instance metadata service (169.254.169.254, 1 s) for a role.
Sources are named, never their secrets (docs/clouds.md#credentials-and-permissions).

Options:
  --config FILE   deployment config (default: ${DEFAULT_CONFIG})
  --cloud TARGET  target to check for (default: the config's \`cloud\`)
  -h, --help      show this help

Exit code: 0 when every check passes, 1 otherwise.
`;

export async function runDoctor(argv: string[], deps: DeployDeps): Promise<number> {
  let values: { config?: string; cloud?: string };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { config: { type: 'string' }, cloud: { type: 'string' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (values.cloud !== undefined && !TARGETS.includes(values.cloud as Target)) {
    throw new UsageError(`--cloud must be aws, alicloud, local or ssh, not '${values.cloud}'`);
  }
  const checks = await doctor(
    { configPath: values.config ?? DEFAULT_CONFIG, target: values.cloud as Target | undefined },
    deps,
  );
  deps.out.write(formatChecks(checks));
  return checks.every((c) => c.ok) ? 0 : 1;
}

const command: Command = {
  help,
  run: (argv) => runDoctor(argv, defaultDeps()),
};
export default command;
