// Start-up time of the two CLIs as a user runs them: from the packed tarballs installed into an
// empty folder (ci/lib/packed.mjs), `ckb-pool-deploy --help` and `ckb-pool --help`, next to
// `node -e 0` measured in the same run (the floor of any Node program on this machine).
// Runs are interleaved so machine noise hits all three alike; medians of 10 each.
// Prints one JSON line. CKB_POOL_PACKED_PREFIX reuses an existing install (else it packs and
// installs, which takes a minute or two).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { installPacked, packages } from '../ci/lib/packed.mjs';

const RUNS = 10;
const GOAL_MS = 300;

const prefix =
  process.env.CKB_POOL_PACKED_PREFIX ??
  (await installPacked(
    await packages(),
    join(process.env.TMPDIR ?? '/tmp', `cli-startup-npm-${process.pid}.log`),
  ));

const bins = {
  node: ['-e', '0'],
  'ckb-pool-deploy': [join(prefix, 'node_modules/ckb-pool-deploy/bin/ckb-pool-deploy.js'), '--help'],
  'ckb-pool': [join(prefix, 'node_modules/ckb-pool/bin/ckb-pool.js'), '--help'],
};

function once(args) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { cwd: prefix, encoding: 'utf8' });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

for (const args of Object.values(bins)) once(args); // warm the file cache
const samples = Object.fromEntries(Object.keys(bins).map((k) => [k, []]));
for (let i = 0; i < RUNS; i++) for (const [k, args] of Object.entries(bins)) samples[k].push(once(args));

const ms = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, Math.round(median(v) * 10) / 10]));
const ratio = (k) => Math.round((ms[k] / ms.node) * 100) / 100;
process.stdout.write(
  `${JSON.stringify({
    bench: 'cli-startup',
    runs: RUNS,
    median_ms: ms,
    ratio_vs_node_e_0: { 'ckb-pool-deploy': ratio('ckb-pool-deploy'), 'ckb-pool': ratio('ckb-pool') },
    goal_ms: GOAL_MS,
    meets_goal: ms['ckb-pool-deploy'] <= GOAL_MS && ms['ckb-pool'] <= GOAL_MS,
    prefix,
  })}\n`,
);
