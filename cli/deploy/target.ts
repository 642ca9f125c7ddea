/** Which deployment a command acts on: `--host` means your own server, else `--cloud`, else the config's `cloud`. */
import { UsageError } from '../command.js';
import { loadConfig } from '../config/schema.js';
import { parseHostSpec } from './ssh.js';
import type { Target } from './workdir.js';

export const TARGETS: readonly Target[] = ['aws', 'alicloud', 'local', 'ssh'];
export const DEFAULT_CONFIG = 'ckb-pool.yaml';

export function resolveTarget(
  cloud: string | undefined,
  host: string | undefined,
  configPath: string,
): Target {
  if (host !== undefined) {
    if (cloud !== undefined && cloud !== 'ssh') {
      throw new UsageError(`--host deploys to your own server; it cannot be combined with --cloud ${cloud}`);
    }
    try {
      parseHostSpec(host);
    } catch (e) {
      throw new UsageError(`--host: ${(e as Error).message}`);
    }
    return 'ssh';
  }
  if (cloud !== undefined) {
    if (!TARGETS.includes(cloud as Target)) {
      throw new UsageError(`--cloud must be aws, alicloud or local (or use --host user@ip), not '${cloud}'`);
    }
    return cloud as Target;
  }
  // Let loadConfig's own error (missing file, bad field) surface in the command.
  return loadConfig(configPath).cloud;
}
