import { readFileSync, writeFileSync } from 'node:fs';
import { UsageError } from '../command.js';
import { POOL_IMAGE_REPOSITORY } from '../config/fields.js';
import { ConfigError, loadConfig } from '../config/schema.js';
import { describeOutcome, pinOutcomes, type ResolveDigest, writePins } from './pin.js';
import { resolveDigest } from './registry.js';

export interface ImagePinOptions {
  configPath: string;
  check: boolean;
  resolve?: ResolveDigest;
  out?: (line: string) => void;
}

/** `image pin`: 0 when every image is pinned (and, with --check, every tag still matches). */
export async function runImagePin(o: ImagePinOptions): Promise<number> {
  const out = o.out ?? ((line: string) => process.stdout.write(`${line}\n`));
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(o.configPath);
  } catch (e) {
    if (e instanceof ConfigError) throw new UsageError(e.message, 1);
    throw e;
  }
  const outcomes = await pinOutcomes(config.images, o.resolve ?? ((i) => resolveDigest(i)), o.check);
  const poolBuiltLocally = config.images.pool.startsWith(`${POOL_IMAGE_REPOSITORY}:`);
  for (const outcome of outcomes) out(describeOutcome(outcome, poolBuiltLocally, o.check));
  if (!o.check) {
    const before = readFileSync(o.configPath, 'utf8');
    const after = writePins(before, outcomes);
    if (after !== before) {
      writeFileSync(o.configPath, after);
      out(`wrote ${outcomes.filter((x) => x.outcome === 'pinned').length} digest(s) into ${o.configPath}`);
    }
  }
  const bad = outcomes.filter(
    (x) => x.outcome === 'failed' || x.outcome === 'tag-moved' || (o.check && x.outcome === 'pinned'),
  );
  return bad.length === 0 ? 0 : 1;
}
