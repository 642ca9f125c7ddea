import { relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { CLOUDS, type Cloud, SpecError } from '../../stacks/spec.js';
import type { SynthResult } from '../../stacks/stack.js';
import { synthDeployment } from '../../stacks/synth.js';
import { type Command, UsageError } from '../command.js';
import { ConfigError, loadConfig } from '../config/schema.js';

export const DEFAULT_CONFIG = 'ckb-pool.yaml';
export const DEFAULT_OUT = '.ckb-pool-deploy/terraform';

const help = `Usage: ckb-pool-deploy synth [--cloud aws|alicloud] [--config FILE] [--out DIR]

Writes the Terraform JSON (cdk.tf.json) that creates the pool host on AWS or Alibaba Cloud:
its own VPC, a firewall with only the SV2, V1 and CKB P2P ports public and SSH from your admin
CIDRs, a Debian 12 VM with an encrypted disk and a static public IP. Nothing is created in
the cloud: run terraform (or OpenTofu) in the printed folder to apply it.

Options:
  --cloud aws|alicloud  Cloud to synthesize for. Default: the config's \`cloud\` field.
  --config FILE         Deploy config to read. Default: ${DEFAULT_CONFIG}
  --out DIR             Output folder; the stack lands in DIR/stacks/<project>-<cloud>/.
                        Default: ${DEFAULT_OUT}
  -h, --help            Show this help.`;

const command: Command = {
  help,
  async run(argv) {
    let values: { cloud?: string; config?: string; out?: string };
    try {
      ({ values } = parseArgs({
        args: argv,
        options: { cloud: { type: 'string' }, config: { type: 'string' }, out: { type: 'string' } },
        strict: true,
        allowPositionals: false,
      }));
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    if (values.cloud !== undefined && !CLOUDS.includes(values.cloud as Cloud)) {
      throw new UsageError(`--cloud must be aws or alicloud, not '${values.cloud}'`);
    }
    const configPath = values.config ?? DEFAULT_CONFIG;
    const outDir = resolve(values.out ?? DEFAULT_OUT);
    let result: SynthResult;
    try {
      result = await synthDeployment(loadConfig(configPath), values.cloud as Cloud | undefined, outDir);
    } catch (e) {
      if (e instanceof ConfigError) throw new UsageError(e.message);
      if (e instanceof SpecError) throw new UsageError(`${configPath}: ${e.message}`);
      throw e;
    }
    const dir = relative(process.cwd(), result.dir) || '.';
    process.stdout.write(
      `Wrote ${relative(process.cwd(), result.file)} (stack ${result.stack}).\n` +
        `Apply it with:\n  terraform -chdir=${dir} init\n  terraform -chdir=${dir} apply\n`,
    );
    return 0;
  },
};
export default command;
