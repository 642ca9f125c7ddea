#!/usr/bin/env node
// Destroys what CI's smoke deploys left in a cloud: `node ci/sweep.mjs --help`.
// Only Node's own modules: the job that runs it never installs packages while it holds the
// cloud credentials.
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import {
  ageText,
  aliyunDiscovery,
  aliyunEnv,
  aliyunInventory,
  alreadyGone,
  awsDiscovery,
  awsInventory,
  MANAGED_BY,
  PROJECT_TAG,
  parseDuration,
  shellLine,
  staleStates,
  stateListing,
  statePrefixes,
  stateRemoval,
  sweepPlan,
} from './lib/sweep.mjs';

const HELP = `Usage: node ci/sweep.mjs --cloud aws|alicloud [--region R]... [--max-age 2h]
                         [--state-bucket BUCKET] [--dry-run]

Destroys every resource of a CI smoke deploy that is older than --max-age, found by the tags
every stack sets: ${MANAGED_BY.key}=${MANAGED_BY.value} and ${PROJECT_TAG}=smoke-<cloud>-<unix seconds>[-<build>]
(the project name ci/smoke-deploy.sh gives its deployment; the time in it is the deployment's
age). A project with any other name is never touched. Uses the aws or aliyun CLI with the
credentials of the environment (AWS_* / ALICLOUD_ACCESS_KEY + ALICLOUD_SECRET_KEY).

For each old CI project it deletes, in order: the instance (waiting until it is gone), its
EIP, key pair and volumes, then the internet gateway, subnet/vSwitch, route table, security
group and VPC. Deletes of something already gone count as done; a delete that still fails is
retried, then reported.

Options:
  --cloud C           aws or alicloud (required)
  --region R          region to sweep; repeatable (default: $AWS_REGION or us-east-1 /
                      $ALICLOUD_REGION or cn-hangzhou, as ci/smoke-deploy.sh)
  --max-age D         sweep projects created more than D ago: 90m, 2h, 1d (default 2h; at
                      least 1h, so a running smoke deploy is never swept from under its job)
  --state-bucket B    also remove the remote state (<project>/ in the S3 or OSS bucket) of old
                      CI projects whose resources are all gone
  --dry-run           list what would be deleted and the exact commands; change nothing
  -h, --help          this help

Exit 0: nothing old is left (or --dry-run). 1: a delete failed or a resource of a kind the
stacks do not create was found (listed; a human looks). 2: bad usage or a missing CLI.`;

let opts;
try {
  opts = parseArgs({
    options: {
      cloud: { type: 'string' },
      region: { type: 'string', multiple: true },
      'max-age': { type: 'string', default: '2h' },
      'state-bucket': { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  }).values;
  if (opts.help) {
    console.log(HELP);
    process.exit(0);
  }
  if (opts.cloud !== 'aws' && opts.cloud !== 'alicloud') throw new Error('--cloud must be aws or alicloud');
  opts.maxAgeMs = parseDuration(opts['max-age']);
  if (opts.maxAgeMs < 3_600_000)
    throw new Error(`--max-age ${opts['max-age']} is under 1h: a running smoke deploy could be swept`);
} catch (err) {
  console.error(`sweep: ${err.message}\n\n${HELP}`);
  process.exit(2);
}

const { cloud } = opts;
const dryRun = opts['dry-run'];
const env = cloud === 'alicloud' ? aliyunEnv(process.env) : process.env;
const regions =
  opts.region ??
  (cloud === 'aws'
    ? [process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1']
    : [process.env.ALICLOUD_REGION ?? 'cn-hangzhou']);
const cliName = cloud === 'aws' ? 'aws' : 'aliyun';
if (spawnSync(cliName, ['--version'], { env, encoding: 'utf8' }).error) {
  console.error(`sweep: the ${cliName} CLI is not installed (see the sweep job in .circleci/config.yml)`);
  process.exit(2);
}

/** Runs one command; returns { ok, output } (stdout + stderr), never throws. */
function run(argv) {
  const r = spawnSync(argv[0], argv.slice(1), { env, encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  return {
    ok: r.status === 0,
    stdout: r.stdout ?? '',
    output: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ?? ''}`,
  };
}

/** A read-only call whose JSON answer the sweep needs: failing it fails the sweep. */
function read(argv) {
  const r = run(argv);
  if (!r.ok) throw new Error(`${shellLine(argv)} failed:\n${r.output.trim()}`);
  return r.stdout;
}

/** A delete: already gone counts as done; otherwise retried while a dependency disappears. */
function destroy(argv) {
  console.log(`  $ ${shellLine(argv)}`);
  for (let attempt = 1; ; attempt++) {
    const r = run(argv);
    if (r.ok) return true;
    if (alreadyGone(r.output)) {
      console.log('    already gone');
      return true;
    }
    if (attempt === 4) {
      console.log(`    FAILED: ${r.output.trim().split('\n').slice(-3).join(' | ')}`);
      return false;
    }
    console.log(`    failed (attempt ${attempt}), retrying in 20 s: ${r.output.trim().split('\n').pop()}`);
    spawnSync('sleep', ['20']);
  }
}

const nowMs = Date.now();
const failed = new Set();
let unknown = 0;
console.log(
  `sweep ${cloud} ${regions.join(', ')}: CI projects older than ${opts['max-age']}${dryRun ? ' (dry run: nothing is changed)' : ''}`,
);
try {
  for (const region of regions) {
    let inventory;
    if (cloud === 'aws') {
      inventory = awsInventory(JSON.parse(read(awsDiscovery(region))));
    } else {
      const calls = aliyunDiscovery(region);
      inventory = aliyunInventory(
        calls,
        calls.map((c) => JSON.parse(read(c.argv))),
      );
    }
    const { sweep, kept } = sweepPlan({ cloud, region, inventory, nowMs, maxAgeMs: opts.maxAgeMs });
    for (const k of kept) console.log(`${region}: keep ${k.project} (${k.reason})`);
    for (const p of sweep) {
      console.log(
        `${region}: sweep ${p.project} (created ${new Date(p.createdMs).toISOString()}, ${ageText(nowMs - p.createdMs)} ago): ${p.resources.length} resources`,
      );
      for (const u of p.unknown) {
        unknown++;
        console.log(`  NOT DELETED (the stacks create no ${u.type}): ${u.id}`);
      }
      for (const argv of p.commands) {
        if (dryRun) console.log(`  would run: ${shellLine(argv)}`);
        else if (!destroy(argv)) failed.add(p.project);
      }
    }
    if (sweep.length === 0) console.log(`${region}: nothing to sweep`);
  }

  if (opts['state-bucket']) {
    const bucket = opts['state-bucket'];
    const output = read(stateListing(cloud, bucket, regions[0]));
    const stale = staleStates({
      cloud,
      prefixes: statePrefixes(cloud, bucket, output),
      nowMs,
      maxAgeMs: opts.maxAgeMs,
      failed,
    });
    for (const project of stale) {
      const argv = stateRemoval(cloud, bucket, regions[0], project);
      if (dryRun) console.log(`state: would run: ${shellLine(argv)}`);
      else if (!destroy(argv)) failed.add(project);
    }
    if (stale.length === 0) console.log(`state: no old CI state in ${bucket}`);
  }
} catch (err) {
  console.error(`sweep: ${err.message}`);
  process.exit(1);
}

if (failed.size || unknown) {
  console.error(
    `sweep: ${failed.size} project(s) not fully destroyed${failed.size ? ` (${[...failed].join(', ')})` : ''}; ${unknown} resource(s) of unknown kind left for a human`,
  );
  process.exit(1);
}
console.log(dryRun ? 'sweep: dry run done' : 'sweep: done');
