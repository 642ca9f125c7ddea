import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fixtures, specFor } from '../test/support/stack-fixtures.js';
import { CLOUDS } from './spec.js';
import { synthPool } from './stack.js';

/**
 * `terraform validate` needs the providers, and `terraform init` fetches them from
 * registry.terraform.io (or a provider mirror set up in the CLI config). The build machines
 * reach neither, so this runs only where CKB_POOL_TERRAFORM_VALIDATE=1 says it can.
 */
function terraformBinary(): string | undefined {
  for (const bin of ['terraform', 'tofu']) {
    if (spawnSync(bin, ['version'], { stdio: 'ignore' }).status === 0) return bin;
  }
  return undefined;
}

const bin = terraformBinary();
const enabled = process.env.CKB_POOL_TERRAFORM_VALIDATE === '1';
const reason = !bin
  ? 'neither terraform nor tofu is on PATH'
  : !enabled
    ? `${bin} is installed but its providers are not: terraform init needs registry.terraform.io or a provider mirror (set CKB_POOL_TERRAFORM_VALIDATE=1 where one is reachable)`
    : '';
if (reason) process.stdout.write(`SKIP terraform validate of the synthesized stacks: ${reason}\n`);

describe.skipIf(Boolean(reason))('terraform validate on the synthesized stacks', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  for (const cloud of CLOUDS) {
    it(`accepts the ${cloud} stack`, { timeout: 600_000 }, () => {
      const out = mkdtempSync(join(tmpdir(), `ckb-pool-validate-${cloud}-`));
      dirs.push(out);
      const { dir } = synthPool(cloud, specFor(cloud, fixtures(cloud)[0]), out);
      execFileSync(bin!, ['init', '-backend=false', '-input=false', '-no-color'], {
        cwd: dir,
        stdio: 'pipe',
      });
      const result = JSON.parse(
        spawnSync(bin!, ['validate', '-json', '-no-color'], { cwd: dir, encoding: 'utf8' }).stdout,
      ) as { valid: boolean; diagnostics: unknown[] };
      expect(result.diagnostics).toEqual([]);
      expect(result.valid).toBe(true);
    });
  }
});
