/**
 * Terraform, driven non-interactively in the synthesized stack's folder. The stack keeps its
 * state next to it (local backend) unless the config names a bucket; every command here is
 * idempotent, so a re-run of `up` after a failure simply converges.
 */
import type { RunRequest } from '../process/runner.js';

/** Environment for every terraform call: no prompts, no colour codes in the log, no update check. */
export const TERRAFORM_ENV: Record<string, string> = {
  TF_IN_AUTOMATION: '1',
  TF_INPUT: '0',
  CHECKPOINT_DISABLE: '1',
};

function tf(stackDir: string, args: string[]): RunRequest {
  return { cmd: 'terraform', args, cwd: stackDir, env: TERRAFORM_ENV };
}

export const terraformInit = (dir: string) => tf(dir, ['init', '-input=false', '-no-color']);
/** The plan `up` reads before applying (cli/deploy/plan-guard.ts); saved, so apply runs exactly it. */
export const PLAN_FILE = 'ckb-pool.tfplan';
export const terraformPlan = (dir: string) =>
  tf(dir, ['plan', '-input=false', '-no-color', `-out=${PLAN_FILE}`]);
export const terraformShowPlan = (dir: string) => tf(dir, ['show', '-json', '-no-color', PLAN_FILE]);
export const terraformApplyPlan = (dir: string) => tf(dir, ['apply', '-input=false', '-no-color', PLAN_FILE]);
export const terraformOutput = (dir: string) => tf(dir, ['output', '-json', '-no-color']);
export const terraformDestroy = (dir: string) =>
  tf(dir, ['destroy', '-auto-approve', '-input=false', '-no-color']);

/** Terraform's own version line, e.g. `Terraform v1.11.4` → [1, 11, 4]. */
export function parseTerraformVersion(text: string): [number, number, number] | null {
  try {
    const v = (JSON.parse(text) as { terraform_version?: string }).terraform_version;
    if (v) return parseSemver(v);
  } catch {
    // not JSON: older terraform, or `terraform version` without -json
  }
  const m = /Terraform v(\d+)\.(\d+)\.(\d+)/.exec(text);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : null;
}

export function parseSemver(v: string): [number, number, number] | null {
  const m = /^v?(\d+)\.(\d+)\.(\d+)/.exec(v.trim());
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : null;
}

export function compareVersions(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** Oldest Terraform we support; the S3 backend's native locking (`use_lockfile`) needs 1.10. */
export const MIN_TERRAFORM: [number, number, number] = [1, 5, 0];
export const MIN_TERRAFORM_S3: [number, number, number] = [1, 10, 0];
