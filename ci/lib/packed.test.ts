import { describe, expect, it } from 'vitest';
// @ts-expect-error: plain ESM helper of the e2e scripts, without type declarations
import { forbiddenFiles } from './packed.mjs';

describe('files that must not ship in a package or the image', () => {
  it('are tests, their helpers and fixtures, benchmarks, snapshots, state and secrets', () => {
    const bad = [
      'dist/pool/server.test.js',
      'dist/pool/server.test.js.map',
      'test/support/test-client.js',
      'dist/pool/test-client.js',
      'dist/ckb/transaction.arbitraries.js',
      'dist/ledger/kill-writer.fixture.js',
      'dist/cli/config/test-fixtures.js',
      'dist/cli/bundle/test-helpers.js',
      'dist/cli/deploy/testing/fake-bin.js',
      'bench/pool.bench.ts',
      'dist/eaglesong.bench.js',
      'stacks/__snapshots__/stack.test.ts.snap',
      'secrets/authority-secret.key',
      '.env',
      'terraform.tfstate',
    ];
    expect(forbiddenFiles(bad)).toEqual(bad);
  });

  it('leave the production modules alone', () => {
    const good = [
      'dist/cli/main.js',
      'dist/pool/server.js',
      'dist/ckb/eaglesong.js',
      'dist/miner/worker.js',
      'dist/cli/commands/init.d.ts',
      'bin/ckb-pool.js',
      'Dockerfile',
      'ansible/roles/ckb_pool/tasks/main.yml',
      'docs/deploy.md',
    ];
    expect(forbiddenFiles(good)).toEqual([]);
  });
});
