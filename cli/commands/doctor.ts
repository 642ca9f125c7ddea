import { parseArgs } from 'node:util';
import { type Command, UsageError } from '../command.js';
import { type DeployDeps, defaultDeps } from '../deploy/context.js';
import { doctor, formatChecks } from '../deploy/doctor.js';
import { DEFAULT_CONFIG, TARGETS } from '../deploy/target.js';
import type { Target } from '../deploy/workdir.js';

const help = `Usage: ckb-pool-deploy doctor [--cloud aws|alicloud|local|ssh] [--config FILE]

Checks that this machine can run \`up\` for the target, and says how to fix what is missing:
  all        the config loads and the secrets exist (\`init\` made them)
  aws        terraform ≥ 1.5 (≥ 1.10 with S3 state), AWS credentials (AWS_ACCESS_KEY_ID +
             AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or ~/.aws/credentials / ~/.aws/config)
  alicloud   terraform ≥ 1.5, ALICLOUD_ACCESS_KEY + ALICLOUD_SECRET_KEY
  aws, alicloud, ssh
             ansible-core ≥ 2.14 and < 2.20 (ansible-playbook), the shipped ckb_pool role,
             the ssh client, the SSH key files named in the config
  local      the Docker engine answers, and \`docker compose\` or \`docker-compose\` exists
Nothing is created and no cloud API is called.

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
