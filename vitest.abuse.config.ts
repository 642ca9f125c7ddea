import { defineConfig } from 'vitest/config';

/**
 * `npm run test:abuse`: the abuse suite (pool/test/abuse), kept out of `vitest run` because it
 * starts the pool and the translator as processes and floods them for about a minute.
 */
export default defineConfig({
  resolve: { conditions: ['ckb-pool-source'] },
  ssr: { resolve: { conditions: ['ckb-pool-source'], externalConditions: ['ckb-pool-source'] } },
  test: {
    include: ['pool/test/abuse/**/*.abuse.test.ts'],
    globalSetup: ['test/support/scratch-tmpdir.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // One attack at a time: the measurements are about the system under test, not a crowd.
    fileParallelism: false,
  },
});
