import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = fileURLToPath(new URL('../', import.meta.url));
const config = parse(readFileSync(`${root}.circleci/config.yml`, 'utf8')) as {
  version: number;
  jobs: Record<string, { steps: unknown[]; executor?: string }>;
  commands: Record<string, { steps: unknown[] }>;
  executors: Record<string, { machine?: unknown; docker?: unknown }>;
  parameters: Record<string, { type: string; default: string }>;
  workflows: Record<
    string,
    { jobs: (string | Record<string, { context?: string; filters?: Filters; matrix?: unknown }>)[] }
  >;
};
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
    for (const script of ['ci/terraform-validate.sh', 'ci/smoke-deploy.sh']) {
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
      expect((config.workflows.offline as { when?: unknown }).when).toBeUndefined();
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
