import { configDefaults, defineConfig } from 'vitest/config';
import { INTEGRATION_TESTS, TIMED_TESTS } from './test/tiers.js';

const ALL_TESTS = [
  'pool/src/**/*.test.ts',
  'pool/test/**/*.test.ts',
  'pool/bench/**/*.test.ts',
  'cli/**/*.test.ts',
  'stacks/**/*.test.ts',
  'test/**/*.test.ts',
  'ci/**/*.test.ts',
];
// The abuse suite has its own config and command (vitest.abuse.config.ts, npm run test:abuse).
const EXCLUDE = [...configDefaults.exclude, 'pool/test/abuse/**'];

// Tests run the TypeScript sources: `ckb-pool/…` resolves to pool/src, never to a stale dist/.
const resolve = { conditions: ['ckb-pool-source'] };
const ssr = { resolve: { conditions: ['ckb-pool-source'], externalConditions: ['ckb-pool-source'] } };

export default defineConfig({
  resolve,
  ssr,
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    globalSetup: ['test/support/scratch-tmpdir.ts'],
    projects: [
      {
        resolve,
        ssr,
        test: {
          name: 'unit',
          testTimeout: 30_000,
          include: ALL_TESTS,
          exclude: [...EXCLUDE, ...INTEGRATION_TESTS],
          // Pure tests share a worker: module loading, not the tests, was most of the time.
          pool: 'threads',
          isolate: false,
          sequence: { groupOrder: 0 },
        },
      },
      {
        resolve,
        ssr,
        test: {
          name: 'integration',
          include: [...INTEGRATION_TESTS],
          exclude: [...EXCLUDE, ...TIMED_TESTS],
          testTimeout: 30_000,
          hookTimeout: 60_000,
          pool: 'forks',
          sequence: { groupOrder: 0 },
        },
      },
      {
        resolve,
        ssr,
        test: {
          name: 'timed',
          include: [...TIMED_TESTS],
          exclude: EXCLUDE,
          testTimeout: 30_000,
          hookTimeout: 60_000,
          pool: 'forks',
          // After the other projects (group 0) have finished, and one file at a time.
          sequence: { groupOrder: 1 },
          fileParallelism: false,
        },
      },
    ],
  },
});
