/**
 * How deploy commands end when something goes wrong: a failed step prints its name, the last
 * lines of output and the log file; config, secrets and input problems print one clear line.
 * Nothing here prints a stack trace for an expected failure.
 */

import { SpecError } from '../../stacks/spec.js';
import { BundleDirError } from '../bundle/render.js';
import { ConfigError } from '../config/schema.js';
import { SecretsError } from '../config/secrets.js';
import { type DeployDeps, StepError, StepFailure } from './context.js';

export async function reportFailures(
  deps: DeployDeps,
  rerun: string,
  fn: () => Promise<number>,
): Promise<number> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof StepError) {
      deps.err.write(e.report(rerun));
      return e.exitCode;
    }
    if (
      e instanceof StepFailure ||
      e instanceof ConfigError ||
      e instanceof SecretsError ||
      e instanceof BundleDirError ||
      e instanceof SpecError
    ) {
      deps.err.write(`Error: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}
