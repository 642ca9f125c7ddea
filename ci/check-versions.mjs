#!/usr/bin/env node
// Release check (docs/release.md): both packages carry one version, the deployer depends on
// exactly that ckb-pool, CHANGELOG.md has its section, and a release tag (argument or
// CIRCLE_TAG) is v<version>. Usage: node ci/check-versions.mjs [vX.Y.Z] [--root DIR]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export function versionProblems(root, tag) {
  const read = (p) => JSON.parse(readFileSync(join(root, p), 'utf8'));
  const deploy = read('package.json');
  const pool = read('pool/package.json');
  const problems = [];
  if (!/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(deploy.version))
    problems.push(`'${deploy.version}' is not a semantic version`);
  if (pool.version !== deploy.version)
    problems.push(`ckb-pool is ${pool.version}, ckb-pool-deploy ${deploy.version}: they move together`);
  const dep = deploy.dependencies?.['ckb-pool'];
  if (dep !== deploy.version)
    problems.push(`ckb-pool-deploy depends on ckb-pool '${dep}', not exactly ${deploy.version}`);
  const changelog = readFileSync(join(root, 'CHANGELOG.md'), 'utf8');
  if (!changelog.includes(`## [${deploy.version}]`))
    problems.push(`CHANGELOG.md has no '## [${deploy.version}]' section`);
  if (tag && tag !== `v${deploy.version}`) problems.push(`tag ${tag} is not v${deploy.version}`);
  return problems;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--root');
  const root = at >= 0 ? args[at + 1] : new URL('..', import.meta.url).pathname;
  const tag =
    args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--root') ||
    process.env.CIRCLE_TAG ||
    undefined;
  const problems = versionProblems(root, tag);
  for (const p of problems) process.stderr.write(`check-versions: ${p}\n`);
  if (problems.length === 0)
    process.stdout.write(
      `check-versions: ${tag ?? 'no tag'}, both packages at the same version, CHANGELOG has it\n`,
    );
  process.exit(problems.length === 0 ? 0 : 1);
}
