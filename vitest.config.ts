import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'pool/src/**/*.test.ts',
      'pool/test/**/*.test.ts',
      'cli/**/*.test.ts',
      'stacks/**/*.test.ts',
      'test/**/*.test.ts',
      'ci/**/*.test.ts',
    ],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
