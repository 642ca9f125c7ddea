// .circleci/config.yml through CircleCI's own parser (@circleci/circleci-config-parser, the one
// behind CircleCI's visual config editor). Its 0.10.0-alpha.3 schemas know less of the config
// language than CircleCI does; what it cannot read is adapted here, form by form, and named.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseConfig } from '@circleci/circleci-config-parser';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = fileURLToPath(new URL('../', import.meta.url));
type Step = string | Record<string, unknown>;
type WorkflowEntry =
  | string
  | Record<string, { name?: string; requires?: (string | Record<string, unknown>)[] }>;
interface RawConfig {
  commands: Record<string, { steps: Step[] }>;
  jobs: Record<string, { steps: Step[] }>;
  workflows: Record<string, { jobs: WorkflowEntry[] }>;
}
const raw = (): RawConfig => parse(readFileSync(`${root}.circleci/config.yml`, 'utf8'));

/** Steps CircleCI and the parser both know as bare names. */
const NATIVE_BARE_STEPS = new Set(['checkout', 'setup_remote_docker']);
/** The statuses CircleCI lets `requires` wait for (configuration reference, "requires"). */
const REQUIRE_STATUSES = new Set(['success', 'failed', 'canceled', 'not_run', 'terminal']);

/**
 * The two forms the parser's schemas do not know, rewritten into the forms they do (CircleCI
 * reads both alike):
 * 1. A reusable command called by its bare name (`- install`): the parser's Step schema allows
 *    bare names only for native steps and `orb/command`, so `install` fails its oneOf; the same
 *    call as a one-key map with no parameters (`- install: {}`) passes, and is then resolved
 *    against `commands:` (an unknown name is still an error).
 * 2. `requires` entries with a status (`- smoke-aws: terminal`): its WorkflowJob schema types
 *    `requires` as a list of job names. The name is kept; the status, and that every name is a
 *    job of the same workflow (which the parser does not check), are tested below.
 */
function forParser(config: RawConfig): RawConfig {
  const steps = (list: Step[]) =>
    list.map((s) => (typeof s === 'string' && !NATIVE_BARE_STEPS.has(s) ? { [s]: {} } : s));
  for (const c of Object.values(config.commands)) c.steps = steps(c.steps);
  for (const j of Object.values(config.jobs)) j.steps = steps(j.steps);
  for (const entry of Object.values(config.workflows).flatMap((w) => w.jobs)) {
    const job = typeof entry === 'string' ? undefined : Object.values(entry)[0];
    if (job?.requires)
      job.requires = job.requires.map((r) => (typeof r === 'string' ? r : Object.keys(r)[0]));
  }
  return config;
}

describe("the CircleCI configuration in CircleCI's own parser", () => {
  it('reads every job, reusable command and workflow once the two unknown forms are rewritten', () => {
    const config = raw();
    const parsed = parseConfig(forParser(raw()));
    expect(parsed.jobs.map((j) => j.name).sort()).toEqual(Object.keys(config.jobs).sort());
    for (const job of parsed.jobs) {
      expect(job.steps.length, `${job.name}: every step read`).toBe(config.jobs[job.name].steps.length);
    }
    expect(parsed.commands?.map((c) => c.name).sort()).toEqual(Object.keys(config.commands).sort());
    expect(parsed.workflows.map((w) => [w.name, w.jobs.length])).toEqual(
      Object.entries(config.workflows).map(([name, w]) => [name, w.jobs.length]),
    );
  });

  it('is a real check: it rejects an unknown reusable command, a misspelt run key and a missing workflow job', () => {
    const broken: [string, (c: RawConfig) => void, RegExp][] = [
      [
        'unknown command',
        (c) => c.jobs['release-check'].steps.push('no-such-command'),
        /reused_command:no-such-command/,
      ],
      [
        'run without command',
        (c) => c.jobs['release-check'].steps.push({ run: { commnd: 'true' } }),
        /steps\/run/,
      ],
      [
        'workflow job not defined',
        (c) => c.workflows.offline.jobs.push('no-such-job'),
        /workflow_job:no-such-job/,
      ],
    ];
    for (const [what, breakIt, where] of broken) {
      const config = raw();
      breakIt(config);
      expect(() => parseConfig(forParser(config)), what).toThrow(where);
    }
  });

  it('still rejects the config as written (if this fails, the parser learnt the forms: drop forParser)', () => {
    expect(() => parseConfig(raw())).toThrow(/steps/);
  });

  it('asks `requires` only for statuses CircleCI knows (the parser reads no status)', () => {
    const statuses = Object.values(raw().workflows)
      .flatMap((w) => w.jobs)
      .flatMap((e) => (typeof e === 'string' ? [] : (Object.values(e)[0].requires ?? [])))
      .filter((r): r is Record<string, unknown> => typeof r !== 'string')
      .flatMap((r) => Object.values(r).flat());
    expect(statuses.length).toBeGreaterThan(0);
    for (const s of statuses) expect(REQUIRE_STATUSES, String(s)).toContain(s);
  });

  it('names in `requires` only jobs of the same workflow (the parser accepts any name)', () => {
    for (const [wf, w] of Object.entries(raw().workflows)) {
      const entries = w.jobs.map((e) => (typeof e === 'string' ? [e, {}] : Object.entries(e)[0])) as [
        string,
        { name?: string; requires?: (string | Record<string, unknown>)[] },
      ][];
      const names = new Set(entries.map(([job, v]) => v.name ?? job));
      for (const [job, v] of entries) {
        for (const r of v.requires ?? []) {
          const required = typeof r === 'string' ? r : Object.keys(r)[0];
          expect(names, `${wf}: ${v.name ?? job} requires ${required}`).toContain(required);
        }
      }
    }
  });

  // Not read by this parser version at all (its schemas mark them TODO): workflow `when:`
  // conditions, job `filters:` and `matrix:`, and `<< … >>` parameter references. ci/circleci.test.ts
  // asserts ours directly (release filters, the Node matrix, the scheduled-pipeline conditions).
});
