import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';

/** `../shared` beside the repository: reference data that tests may read but never copy. */
export const SHARED_DIR = fileURLToPath(new URL('../../../shared/', import.meta.url));

/**
 * Absolute path of a file under `../shared/`, or null when it is not there — unless
 * CKB_POOL_REQUIRE_SHARED=1 (.ci/run, where ../shared is always beside the clone): then a
 * missing file throws, so no reference check is skipped by accident.
 */
export function sharedPath(rel: string): string | null {
  const p = `${SHARED_DIR}${rel}`;
  if (existsSync(p)) return p;
  if (process.env.CKB_POOL_REQUIRE_SHARED === '1')
    throw new Error(`../shared/${rel} is missing, and CKB_POOL_REQUIRE_SHARED=1 says it must be there`);
  return null;
}

export function readSharedJson<T = unknown>(rel: string): T {
  const p = sharedPath(rel);
  if (!p) throw new Error(`missing ../shared/${rel}`);
  return JSON.parse(readFileSync(p, 'utf8')) as T;
}

/**
 * `describe` for tests that need a file from `../shared/` (the full reference sets; the
 * essentials also live in pool/test/vectors and run everywhere): when it is absent the block is
 * skipped and the reason is printed, or fails when CKB_POOL_REQUIRE_SHARED=1.
 */
export function describeWithShared(rel: string, name: string, fn: () => void): void {
  if (sharedPath(rel)) {
    describe(name, fn);
  } else if (process.env.CKB_POOL_REQUIRE_SHARED === '1') {
    // .ci/run sets this: there ../shared is always beside the clone, so absence is a fault.
    describe(name, () => {
      it(`needs ../shared/${rel}`, () => {
        throw new Error(`../shared/${rel} is missing, and CKB_POOL_REQUIRE_SHARED=1 says it must be there`);
      });
    });
  } else {
    process.stdout.write(`SKIP "${name}": ../shared/${rel} is not present beside the repository\n`);
    // The body is not run: it would read the missing file while vitest collects tests.
    describe(name, () => {
      it.skip(`needs ../shared/${rel}`, () => {});
    });
  }
}
