// The two npm packages as a user gets them: packed from this checkout (`npm pack`, which runs
// each package's prepack build) and installed into an empty folder outside the repository.
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { $ } from 'zx';
import { info, scratch } from './steps.mjs';

$.verbose = false;
$.quiet = true;

export const ROOT = new URL('../..', import.meta.url).pathname.replace(/\/$/, '');

/** Files a published package must never carry: tests, their helpers, fixtures, benchmarks. */
export const FORBIDDEN = [
  /\.test\.[cm]?[jt]s(\.map)?$/,
  /(^|\/)(test|tests|__tests__|testing|__snapshots__|bench)\//,
  /arbitraries/,
  /fixtures?[./]/,
  /test-client/,
  /test-helpers/,
  /\.bench\./,
  /(^|\/)\.(env|git)/,
  /(^|\/)secrets\//,
  /\.tfstate/,
];

/** The paths of a tarball (without npm's `package/` prefix). */
export async function tarballFiles(tgz) {
  const out = await $`tar -tzf ${tgz}`;
  return out.stdout
    .split('\n')
    .filter(Boolean)
    .map((p) => p.replace(/^package\//, ''));
}

export const forbiddenFiles = (files) => files.filter((f) => FORBIDDEN.some((re) => re.test(f)));

const version = () => JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;

/**
 * Packs ckb-pool and ckb-pool-deploy into `dir` (default: $CKB_POOL_PACK_DIR when it already
 * holds both tarballs of this version — .ci/run packs once for every phase — else a new temp
 * folder). Returns `{ dir, pool, deploy }` (absolute tarball paths).
 */
export async function packages(dir = process.env.CKB_POOL_PACK_DIR) {
  const v = version();
  const names = { pool: `ckb-pool-${v}.tgz`, deploy: `ckb-pool-deploy-${v}.tgz` };
  if (dir && existsSync(join(dir, names.pool)) && existsSync(join(dir, names.deploy))) {
    return { dir, pool: join(dir, names.pool), deploy: join(dir, names.deploy) };
  }
  const out = dir ?? scratch('ckb-pool-pack-');
  mkdirSync(out, { recursive: true });
  info(`npm pack (both packages, prepack builds dist/) → ${out}`);
  await $({ cwd: ROOT })`npm pack --workspace pool --pack-destination ${out}`;
  await $({ cwd: ROOT })`npm pack --pack-destination ${out}`;
  const have = readdirSync(out);
  for (const n of Object.values(names))
    if (!have.includes(n)) throw new Error(`npm pack wrote no ${n} in ${out}`);
  return { dir: out, pool: join(out, names.pool), deploy: join(out, names.deploy) };
}

/**
 * A clean folder holding only the two tarballs, then `npm install ./ckb-pool-*.tgz
 * ./ckb-pool-deploy-*.tgz` there, as the README tells a user. Returns the folder.
 */
export async function installPacked({ pool, deploy }, logFile) {
  const prefix = scratch('ckb-pool-user-');
  await $`cp ${pool} ${deploy} ${prefix}/`;
  const files = readdirSync(prefix).sort();
  const p = await $({
    cwd: prefix,
    nothrow: true,
  })`npm install --no-audit --no-fund ./${files[0]} ./${files[1]} >${logFile} 2>&1`;
  if (p.exitCode !== 0) {
    const tail = (await $`tail -n 40 ${logFile}`.nothrow()).stdout;
    throw new Error(`npm install of the tarballs failed (exit ${p.exitCode}); ${logFile}:\n${tail}`);
  }
  return prefix;
}
