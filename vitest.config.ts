import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  // Tests run the TypeScript sources: `ckb-pool/…` resolves to pool/src, never to a stale dist/.
  resolve: { conditions: ['ckb-pool-source'] },
  ssr: { resolve: { conditions: ['ckb-pool-source'], externalConditions: ['ckb-pool-source'] } },
  test: {
    include: [
      'pool/src/**/*.test.ts',
      'pool/test/**/*.test.ts',
      'pool/bench/**/*.test.ts',
      'cli/**/*.test.ts',
      'stacks/**/*.test.ts',
      'test/**/*.test.ts',
      'ci/**/*.test.ts',
    ],
    // The abuse suite has its own config and command (vitest.abuse.config.ts, npm run test:abuse).
    exclude: [...configDefaults.exclude, 'pool/test/abuse/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
