import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';

/** `../shared` beside the repository: reference data that tests may read but never copy. */
export const SHARED_DIR = fileURLToPath(new URL('../../../shared/', import.meta.url));

/** Absolute path of a file under `../shared/`, or null when the folder is not there. */
export function sharedPath(rel: string): string | null {
  const p = `${SHARED_DIR}${rel}`;
  return existsSync(p) ? p : null;
}

export function readSharedJson<T = unknown>(rel: string): T {
  const p = sharedPath(rel);
  if (!p) throw new Error(`missing ../shared/${rel}`);
  return JSON.parse(readFileSync(p, 'utf8')) as T;
}

/**
 * `describe` for tests that need a file from `../shared/`: when it is absent the block is
 * skipped and the reason is printed, so a skipped vector test is never silent.
 */
export function describeWithShared(rel: string, name: string, fn: () => void): void {
  if (sharedPath(rel)) {
    describe(name, fn);
  } else {
    process.stdout.write(`SKIP "${name}": ../shared/${rel} is not present beside the repository\n`);
    // The body is not run: it would read the missing file while vitest collects tests.
    describe(name, () => {
      it.skip(`needs ../shared/${rel}`, () => {});
    });
  }
}
