/**
 * Synthesizing a deployment's stack: the one function `synth`, `up`, `down` and the cdktf app
 * (stacks/main.ts) share. The stacks (cdktf, provider bindings) load only when it runs, so
 * commands that never synthesize stay fast.
 */
import { readFileSync } from 'node:fs';
import { type Cloud, SpecError, type StackConfigInput, specFromConfig } from './spec.js';
import type { SynthResult } from './stack.js';

/** Synthesizes a loaded config (path fields absolute, as the config loader returns them). */
export async function synthDeployment(
  config: StackConfigInput & { cloud: string; ssh: { publicKeyPath: string } },
  cloud: Cloud | undefined,
  outDir: string,
): Promise<SynthResult> {
  let key: string;
  try {
    key = readFileSync(config.ssh.publicKeyPath, 'utf8');
  } catch (e) {
    throw new SpecError(
      'ssh.publicKeyPath',
      `cannot read ${config.ssh.publicKeyPath} (${(e as NodeJS.ErrnoException).code}); create a key with ssh-keygen -t ed25519`,
    );
  }
  const spec = specFromConfig(config, key, cloud);
  const { synthPool } = await import('./stack.js');
  return synthPool(cloud ?? (config.cloud as Cloud), spec, outDir);
}
