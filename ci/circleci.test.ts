import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = fileURLToPath(new URL('../', import.meta.url));
const config = parse(readFileSync(`${root}.circleci/config.yml`, 'utf8')) as {
  version: number;
  jobs: Record<string, { steps: unknown[]; executor?: string; environment?: Record<string, string> }>;
  commands: Record<string, { steps: unknown[] }>;
  executors: Record<string, { machine?: unknown; docker?: unknown }>;
  parameters: Record<string, { type: string; default: string }>;
  workflows: Record<string, { jobs: (string | Record<string, WorkflowJob>)[]; when?: unknown }>;
};
interface WorkflowJob {
  name?: string;
  cloud?: string;
  context?: string;
  filters?: Filters;
  matrix?: unknown;
  requires?: (string | Record<string, string | string[]>)[];
  'state-bucket'?: string;
}
interface Filters {
  tags?: { only?: string };
  branches?: { ignore?: string; only?: string };
}
const scripts = (
  JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { scripts: Record<string, string> }
).scripts;

/** Every `run` command of a job, following the reusable commands it invokes. */
function runCommands(steps: unknown[]): string[] {
  const out: string[] = [];
  for (const step of steps) {
    if (typeof step === 'string') {
      if (config.commands[step]) out.push(...runCommands(config.commands[step].steps));
      continue;
    }
    for (const [key, value] of Object.entries(step as Record<string, unknown>)) {
      if (key === 'run') out.push(typeof value === 'string' ? value : (value as { command: string }).command);
      else if (config.commands[key]) out.push(...runCommands(config.commands[key].steps));
    }
  }
  return out;
}

/** The step kinds of a job, in order: `run`, `checkout`, or the reusable command's name. */
function stepNames(steps: unknown[]): string[] {
  return steps.map((s) => (typeof s === 'string' ? s : Object.keys(s as object)[0]));
}

/** What a command line needs from this repository: files, npm scripts, CLI commands. */
function references(command: string): string[] {
  const problems: string[] = [];
  for (const m of command.matchAll(/(?:^|\s)((?:ci|\.ci|ansible|stacks|cli|pool)\/[\w./-]+)/g)) {
    if (!existsSync(`${root}${m[1]}`)) problems.push(`missing file ${m[1]}`);
  }
  for (const m of command.matchAll(/npm run ([\w:-]+)/g)) {
    if (!scripts[m[1]]) problems.push(`missing npm script ${m[1]}`);
  }
  if (/\bnpm test\b/.test(command) && !scripts.test) problems.push('missing npm script test');
  for (const m of command.matchAll(/ckb-pool-deploy (\w[\w-]*)/g)) {
    if (!existsSync(`${root}cli/commands/${m[1]}.ts`))
      problems.push(`missing CLI command ckb-pool-deploy ${m[1]}`);
  }
  return problems;
}

describe('the CircleCI configuration', () => {
  it('parses as CircleCI 2.1 with the jobs the project promises', () => {
    expect(config.version).toBe(2.1);
    expect(Object.keys(config.jobs).sort()).toEqual(
      [
        'ansible-e2e',
        'ansible-lint',
        'bench',
        'docker-e2e',
        'galaxy-import',
        'lint-and-unit',
        'packed-install',
        'publish-image',
        'real-node-e2e',
        'publish-npm',
        'release-check',
        'smoke-deploy',
        'smoke-install',
        'sweep',
        'sweep-install',
        'synth-validate',
      ].sort(),
    );
  });

  it('only runs commands that exist in this repository', () => {
    const problems: string[] = [];
    for (const [name, job] of Object.entries(config.jobs)) {
      for (const command of runCommands(job.steps)) {
        for (const p of references(command)) problems.push(`${name}: ${p}`);
      }
    }
    // The shell scripts the jobs call are checked the same way, line by line.
    for (const script of ['ci/terraform-validate.sh', 'ci/smoke-deploy.sh', 'ci/sweep.mjs']) {
      for (const p of references(readFileSync(`${root}${script}`, 'utf8'))) problems.push(`${script}: ${p}`);
    }
    expect(problems).toEqual([]);
  });

  it('runs credentialed deploys only with a context, and always destroys afterwards', () => {
    const smokeSteps = JSON.stringify(config.jobs['smoke-deploy'].steps);
    expect(smokeSteps).toContain('down');
    expect(smokeSteps).toContain('"when":"always"');
    for (const wf of Object.values(config.workflows)) {
      for (const job of wf.jobs) {
        if (typeof job === 'object' && 'smoke-deploy' in job)
          expect(job['smoke-deploy'].context).toMatch(/^ckb-pool-/);
      }
    }
  });
});

/** The entry of `job` in a workflow (its name, or its `name:` when it is an alias), or undefined. */
function workflowEntry(workflow: string, job: string) {
  for (const j of config.workflows[workflow].jobs) {
    if (typeof j === 'string' ? j === job : job in j) return typeof j === 'string' ? {} : j[job];
  }
  return undefined;
}

describe('end-to-end tests on every commit', () => {
  it.each([
    ['docker-e2e', 'npx zx ci/docker-e2e.mjs'],
    ['docker-e2e', 'npx zx ci/cluster-e2e.mjs'],
    ['real-node-e2e', 'node ci/real-node-e2e.mjs'],
    ['ansible-e2e', 'npx zx ci/ansible-e2e.mjs'],
  ])(
    '%s runs on a machine executor (a real Docker engine) in the per-commit workflow, on every branch',
    (job, command) => {
      expect(config.jobs[job].executor).toBe('machine');
      expect(config.executors.machine.machine).toBeDefined();
      expect(runCommands(config.jobs[job].steps).join('\n')).toContain(command);
      const entry = workflowEntry('offline', job);
      expect(entry, `offline workflow runs ${job}`).toBeDefined();
      expect(entry?.filters, `${job} has no branch filter`).toBeUndefined();
      expect(entry?.context, `${job} gets no credentials`).toBeUndefined();
      expect((config.workflows.offline as { when?: unknown }).when).toEqual({
        not: { equal: ['scheduled_pipeline', '<< pipeline.trigger_source >>'] },
      });
    },
  );

  it('install debootstrap before a job builds the local Debian images (ci/debian-images.sh)', () => {
    for (const job of ['docker-e2e', 'ansible-e2e']) {
      const steps = stepNames(config.jobs[job].steps);
      expect(steps.indexOf('debootstrap'), job).toBeGreaterThan(-1);
      expect(steps.indexOf('debootstrap'), job).toBeLessThan(steps.lastIndexOf('run'));
    }
    expect(runCommands(config.commands.debootstrap.steps).join('\n')).toMatch(
      /apt-get install .*debootstrap/,
    );
  });

  it('run the Ansible e2e with ansible installed, and fail it when it skips itself', () => {
    const steps = config.jobs['ansible-e2e'].steps;
    expect(stepNames(steps).indexOf('install-tools')).toBeLessThan(stepNames(steps).lastIndexOf('run'));
    expect(readFileSync(`${root}ci/install-tools.sh`, 'utf8')).toMatch(/pipx install .*ansible-core/);
    // The line the script prints when it skips itself (ci/lib/steps.mjs `skip`).
    expect(readFileSync(`${root}ci/ansible-e2e.mjs`, 'utf8')).toContain("skip('Ansible end-to-end test'");
    const run = runCommands(steps).join('\n');
    expect(run).toMatch(/grep -q 'SKIP Ansible end-to-end test' [^\n]+; then\n\s+echo [^\n]+\n\s+exit 1/);
  });
});

describe('credentials in the CircleCI configuration', () => {
  it('are never in the environment while npm installs: the deploying job attaches installed dependencies', () => {
    const deploy = runCommands(config.jobs['smoke-deploy'].steps).join('\n');
    expect(deploy).not.toMatch(/npm (ci|install)/);
    expect(JSON.stringify(config.jobs['smoke-deploy'].steps)).toContain('attach_workspace');
    for (const wf of Object.values(config.workflows)) {
      for (const job of wf.jobs) {
        if (typeof job === 'object' && 'smoke-install' in job)
          expect(job['smoke-install'].context).toBeUndefined();
      }
    }
  });

  it('schedules the nightly deploy as a scheduled pipeline, not with legacy triggers', () => {
    const raw = readFileSync(`${root}.circleci/config.yml`, 'utf8');
    expect(raw).not.toMatch(/^\s*triggers:/m);
    expect(JSON.stringify((config.workflows.nightly as { when?: unknown }).when)).toContain(
      'pipeline.schedule.name',
    );
  });

  it('runs the benchmarks nightly on a machine with cores to spare for the load, keeping their JSON', () => {
    const job = config.jobs.bench as unknown as { resource_class: string; steps: unknown[] };
    expect(['large', 'xlarge', '2xlarge']).toContain(job.resource_class);
    const commands = runCommands(job.steps).join('\n');
    expect(commands).toContain('npm run bench');
    expect(commands).toMatch(/ulimit -n \d{5,}/);
    expect(stepNames(job.steps)).toContain('store_artifacts');
    expect(config.workflows.nightly?.jobs).toContain('bench');
    expect(config.workflows.offline?.jobs).not.toContain('bench');
  });
});

/** Every use of `job` in every workflow: [workflow, entry]. */
function uses(job: string): [string, WorkflowJob][] {
  return Object.entries(config.workflows).flatMap(([wf, w]) =>
    w.jobs.flatMap((j) => (typeof j === 'object' && job in j ? [[wf, j[job]] as [string, WorkflowJob]] : [])),
  );
}

describe('smoke deploys and the sweeper', () => {
  it('keep the Terraform state in the bucket of a pipeline parameter (else the context), with a Terraform that locks S3', async () => {
    const { MIN_TERRAFORM_S3 } = await import('../cli/deploy/terraform.js');
    const version = String(config.jobs['smoke-deploy'].environment?.TERRAFORM_VERSION).split('.').map(Number);
    expect(version.length).toBe(3);
    const cmp = version.map((n, i) => n - MIN_TERRAFORM_S3[i]).find((d) => d !== 0) ?? 0;
    expect(
      cmp,
      `TERRAFORM_VERSION ${version.join('.')} >= ${MIN_TERRAFORM_S3.join('.')}`,
    ).toBeGreaterThanOrEqual(0);
    expect(stepNames(config.jobs['smoke-deploy'].steps)).toContain('state-bucket');
    for (const [wf, job] of uses('smoke-deploy')) {
      expect(job['state-bucket'], `${wf} ${job.name}`).toBe(
        `<< pipeline.parameters.smoke-${job.cloud}-state-bucket >>`,
      );
      expect(config.parameters[`smoke-${job.cloud}-state-bucket`].default).toBe('');
    }
    // The step as CircleCI runs it: the parameter substituted, exports appended to $BASH_ENV.
    const step = runCommands(config.commands['state-bucket'].steps).join('\n');
    const chosen = (parameter: string, context?: string) => {
      const dir = mkdtempSync(join(tmpdir(), 'state-bucket-'));
      try {
        const env = { PATH: process.env.PATH, BASH_ENV: join(dir, 'env'), SMOKE_STATE_BUCKET: context };
        execFileSync('bash', ['-c', step.replace('<< parameters.bucket >>', parameter)], { env });
        return execFileSync('bash', ['-c', `. ${join(dir, 'env')}; printf %s "$SMOKE_STATE_BUCKET"`], {
          encoding: 'utf8',
        });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    };
    expect(chosen('from-parameter', 'from-context')).toBe('from-parameter');
    expect(chosen('', 'from-context')).toBe('from-context');
    expect(chosen('')).toBe('');
  });

  it('ci/smoke-deploy.sh inits a CI-named project with remote state in that bucket (s3 on aws, oss on alicloud)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'smoke-deploy-test-'));
    try {
      // npx runs this checkout's CLI for `init` (the real config file) and only logs up/down;
      // curl answers the public-IP lookup. Nothing reaches a cloud.
      const bin = join(dir, 'bin');
      execFileSync('mkdir', ['-p', bin]);
      writeFileSync(
        join(bin, 'npx'),
        `#!/bin/sh\nshift\necho "$1" >> "${dir}/calls.log"\n[ "$1" = init ] && exec node "${root}bin/ckb-pool-deploy.js" "$@"\nexit 0\n`,
      );
      writeFileSync(join(bin, 'curl'), '#!/bin/sh\necho 203.0.113.9\n');
      for (const f of ['npx', 'curl']) chmodSync(join(bin, f), 0o755);
      for (const [cloud, backend] of [
        ['aws', 's3'],
        ['alicloud', 'oss'],
      ]) {
        const work = join(dir, cloud);
        execFileSync('bash', [`${root}ci/smoke-deploy.sh`, cloud, 'up'], {
          env: {
            ...process.env,
            PATH: `${bin}:${process.env.PATH}`,
            SMOKE_DIR: work,
            SMOKE_STATE_BUCKET: 'ci-state-bucket',
          },
          stdio: 'pipe',
        });
        const cfg = parse(readFileSync(join(work, 'ckb-pool.yaml'), 'utf8'));
        expect(cfg.project).toMatch(new RegExp(`^smoke-${cloud}-\\d{10}-\\d+$`));
        expect(cfg.state).toMatchObject({
          backend,
          bucket: 'ci-state-bucket',
          key: `${cfg.project}/terraform.tfstate`,
        });
      }
      expect(readFileSync(join(dir, 'calls.log'), 'utf8').split('\n').filter(Boolean)).toEqual([
        'init',
        'up',
        'init',
        'up',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("sweep each cloud after its smoke deploy however it ended, with that cloud's context", () => {
    const deploys = uses('smoke-deploy');
    expect(deploys.length).toBeGreaterThan(0);
    for (const [wf, deploy] of deploys) {
      const sweep = uses('sweep').find(([w, j]) => w === wf && j.cloud === deploy.cloud)?.[1];
      expect(sweep, `${wf}: a sweep for ${deploy.cloud}`).toBeDefined();
      expect(sweep?.context).toBe(deploy.context);
      expect(sweep?.requires).toContainEqual({ [deploy.name as string]: 'terminal' });
      expect(sweep?.['state-bucket']).toBe(deploy['state-bucket']);
    }
  });

  it('sweep hourly as the scheduled pipeline "sweep", both clouds, objects older than two hours', () => {
    expect(JSON.stringify(config.workflows.sweeper.when)).toContain(
      '"equal":["sweep","<< pipeline.schedule.name >>"]',
    );
    const clouds = uses('sweep')
      .filter(([wf]) => wf === 'sweeper')
      .map(([, j]) => j.cloud);
    expect(clouds.sort()).toEqual(['alicloud', 'aws']);
    expect(runCommands(config.jobs.sweep.steps).join('\n')).toContain(
      'node ci/sweep.mjs --cloud << parameters.cloud >> --max-age 2h',
    );
  });

  it('install the cloud CLIs without credentials; the credentialed sweep installs nothing', () => {
    for (const [wf, j] of uses('sweep-install')) expect(j.context, `${wf} ${j.name}`).toBeUndefined();
    for (const [wf, j] of uses('sweep')) {
      expect(j.context, `${wf} ${j.name}`).toMatch(/^ckb-pool-(aws|alicloud)$/);
      expect(j.requires).toContain(`sweep-install-${j.cloud}`);
    }
    const sweep = runCommands(config.jobs.sweep.steps).join('\n');
    expect(sweep).not.toMatch(/npm (ci|install)|curl|install/);
    expect(stepNames(config.jobs.sweep.steps).slice(0, 2)).toEqual(['checkout', 'attach_workspace']);
    // Two upstream jobs of one job may not persist the same file: the CLI job persists .tools only.
    const persisted = (job: string) =>
      (
        config.jobs[job].steps.find(
          (s) => typeof s === 'object' && s !== null && 'persist_to_workspace' in s,
        ) as {
          persist_to_workspace: { paths: string[] };
        }
      ).persist_to_workspace.paths;
    expect(persisted('sweep-install')).toEqual(['.tools']);
    expect(runCommands(config.jobs['sweep-install'].steps).join('\n')).toContain('.tools/bin');
  });
});

describe('releases in the CircleCI configuration', () => {
  const release = config.workflows.release.jobs.map((j) =>
    typeof j === 'string' ? [j, {}] : Object.entries(j)[0],
  ) as [string, { context?: string; filters?: Filters }][];
  const PUBLISHERS = ['publish-npm', 'publish-image', 'galaxy-import'];

  it('run only on version tags, never on a branch', () => {
    expect(release.length).toBeGreaterThanOrEqual(PUBLISHERS.length + 1);
    for (const [name, job] of release) {
      expect(job.filters?.tags?.only, name).toBe('/^v\\d+\\.\\d+\\.\\d+$/');
      expect(job.filters?.branches?.ignore, name).toBe('/.*/');
    }
    for (const [wf, w] of Object.entries(config.workflows)) {
      if (wf === 'release') continue;
      for (const j of w.jobs) {
        const name = typeof j === 'string' ? j : Object.keys(j)[0];
        expect(PUBLISHERS, `${wf} must not publish`).not.toContain(name);
      }
    }
  });

  it('give secrets only to the publishing jobs, through restricted contexts', () => {
    for (const [name, job] of release) {
      if (PUBLISHERS.includes(name)) expect(job.context, name).toMatch(/^ckb-pool-release-/);
      else expect(job.context, name).toBeUndefined();
    }
  });

  it('publish npm packages with provenance, pool first, and a two-platform image from the packed package', () => {
    const npm = runCommands(config.jobs['publish-npm'].steps).join('\n');
    expect(npm).toMatch(
      /npm publish --workspace pool --provenance --access public\n\s*npm publish --provenance/,
    );
    const image = runCommands(config.jobs['publish-image'].steps).join('\n');
    expect(image).toContain('npm pack --workspace pool');
    expect(image).toContain('--platform linux/amd64,linux/arm64');
    expect(image).toContain('--push');
    expect(image).toContain('--password-stdin');
  });

  it('push the image where the config default names it', async () => {
    const { DEFAULT_IMAGES } = await import('../cli/config/fields.js');
    const { version } = JSON.parse(readFileSync(`${root}pool/package.json`, 'utf8')) as { version: string };
    const p = config.parameters;
    expect(DEFAULT_IMAGES.pool).toBe(
      `${p['image-registry'].default}/${p['image-owner'].default}/ckb-pool:${version}`,
    );
  });

  it('test the units on Node 20, 22 and 24', () => {
    const unit = config.workflows.offline.jobs.find((j) => typeof j === 'object' && 'lint-and-unit' in j) as {
      'lint-and-unit': { matrix: { parameters: { node: string[] } } };
    };
    const majors = unit['lint-and-unit'].matrix.parameters.node.map((v) => v.split('.')[0]);
    expect(majors.sort()).toEqual(['20', '22', '24']);
  });
});
