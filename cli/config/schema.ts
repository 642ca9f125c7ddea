/**
 * Loading and validating `ckb-pool.yaml` against the field table in `fields.ts`.
 * Every error names the field and says how to fix it; all problems are reported at once.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { FIELD_LIST, type FieldSpec } from './fields.js';
import { KindError } from './kinds.js';
import { type Draft, getPath, type PoolDeployConfig, setPath } from './types.js';

export { DEFAULT_IMAGES, FIELD_LIST, type FieldSpec } from './fields.js';
export type { Chain, Cloud, PoolDeployConfig, StateBackend } from './types.js';

export interface ConfigProblem {
  path: string;
  message: string;
}

export class ConfigError extends Error {
  constructor(
    readonly problems: ConfigProblem[],
    readonly source = 'config',
  ) {
    super(
      `${source}: ${problems.length === 1 ? '' : `${problems.length} problems:\n  `}${problems.map((p) => `${p.path}: ${p.message}`).join('\n  ')}`,
    );
    this.name = 'ConfigError';
  }
}

const GROUPS = new Set(FIELD_LIST.filter((f) => f.path.includes('.')).map((f) => f.path.split('.')[0]));
const PATHS = new Set<string>(FIELD_LIST.map((f) => f.path));

/** Closest known name, for "did you mean" hints on typos. */
function closest(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(name.length / 3)) + 1;
  for (const c of candidates) {
    const d = editDistance(name.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length];
}

function unknownKeys(raw: Record<string, unknown>): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const [key, value] of Object.entries(raw)) {
    if (GROUPS.has(key)) {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        if (value !== null && value !== undefined)
          problems.push({ path: key, message: 'expected a mapping of fields' });
        continue;
      }
      const inGroup = [...PATHS].filter((p) => p.startsWith(`${key}.`)).map((p) => p.slice(key.length + 1));
      for (const sub of Object.keys(value)) {
        if (!inGroup.includes(sub)) {
          const hint = closest(sub, inGroup);
          problems.push({
            path: `${key}.${sub}`,
            message: `unknown field${hint ? ` (did you mean ${key}.${hint}?)` : `; known: ${inGroup.join(', ')}`}`,
          });
        }
      }
    } else if (!PATHS.has(key)) {
      const hint = closest(key, [...PATHS].filter((p) => !p.includes('.')).concat([...GROUPS]));
      problems.push({
        path: key,
        message: `unknown field${hint ? ` (did you mean ${hint}?)` : ''}; see docs/config.md`,
      });
    }
  }
  return problems;
}

export function expandPath(p: string, baseDir: string): string {
  if (p === '~' || p.startsWith('~/')) return resolve(homedir(), p.slice(2));
  return isAbsolute(p) ? p : resolve(baseDir, p);
}

export interface ParseOptions {
  /** Resolve path fields against this folder (the config file's). Unset: leave them as written. */
  baseDir?: string;
  /** Name used in error messages (the file name). */
  source?: string;
}

/** The default of a field for the draft so far (undefined when it has none). */
export function defaultOf(f: FieldSpec, draft: Draft): unknown {
  return typeof f.default === 'function' ? (f.default as (c: Draft) => unknown)(draft) : f.default;
}

/** Validates one value of a field against the draft; returns the parsed value or a problem. */
export function validateField(
  f: FieldSpec,
  raw: unknown,
  draft: Draft,
): { value?: unknown; problem?: string } {
  try {
    const value = f.kind.parse(raw);
    const problem = f.check?.(value as never, draft);
    return problem ? { problem } : { value };
  } catch (e) {
    if (e instanceof KindError) return { problem: e.message };
    throw e;
  }
}

function requiredMessage(f: FieldSpec, draft: Draft): string {
  const example = f.suggest?.(draft);
  const firstSentence = f.doc.split(/(?<=\.) (?=[A-Z])/)[0];
  return (
    `is required${draft.cloud && f.path !== 'payoutAddress' ? ` for cloud ${draft.cloud}` : ''}. ${firstSentence} ` +
    `Set it in the file${example !== undefined ? ` (e.g. ${example})` : ''} or pass --${f.flag} to \`ckb-pool-deploy init\`.`
  );
}

/** Validates a parsed YAML object and fills defaults. Throws ConfigError listing every problem. */
export function parseConfig(raw: unknown, opts: ParseOptions = {}): PoolDeployConfig {
  const source = opts.source ?? 'config';
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError(
      [{ path: '(top level)', message: 'expected a mapping of fields; run `ckb-pool-deploy init`' }],
      source,
    );
  }
  const problems = unknownKeys(raw as Record<string, unknown>);
  const draft: Draft = {};
  for (const f of FIELD_LIST) {
    let value = getPath(raw, f.path);
    if (value === null || value === '') value = undefined;
    if (value === undefined) {
      const d = defaultOf(f, draft);
      if (d === undefined) {
        if (f.required?.(draft)) problems.push({ path: f.path, message: requiredMessage(f, draft) });
        continue;
      }
      value = structuredClone(d); // defaults are checked too (e.g. a port clashing with a default port)
    }
    const r = validateField(f, value, draft);
    if (r.problem) problems.push({ path: f.path, message: r.problem });
    else setPath(draft, f.path, r.value);
  }
  if (problems.length > 0) throw new ConfigError(problems, source);
  if (opts.baseDir !== undefined) {
    for (const f of FIELD_LIST.filter((x) => x.isPath)) {
      const v = getPath(draft, f.path);
      if (typeof v === 'string') setPath(draft, f.path, expandPath(v, opts.baseDir));
    }
  }
  return draft as unknown as PoolDeployConfig;
}

/** Reads, parses and validates a config file; path fields come back absolute. */
export function loadConfig(path: string): PoolDeployConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ConfigError(
      [
        {
          path: '(file)',
          message:
            code === 'ENOENT'
              ? 'not found; create it with `ckb-pool-deploy init`'
              : `cannot be read (${code})`,
        },
      ],
      path,
    );
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (e) {
    throw new ConfigError([{ path: '(yaml)', message: (e as Error).message.split('\n')[0] }], path);
  }
  return parseConfig(raw, { baseDir: dirname(resolve(path)), source: path });
}

/** YAML text of a config: fields in table order, unset optional fields left out, no timestamps. */
export function configToYaml(config: PoolDeployConfig | Draft): string {
  const out: Record<string, unknown> = {};
  for (const f of FIELD_LIST) {
    const v = getPath(config, f.path);
    if (v !== undefined) setPath(out, f.path, v);
  }
  const header =
    '# ckb-pool-deploy configuration. Every field is described in docs/config.md;\n' +
    '# check it with `ckb-pool-deploy render --config <this file> --out <dir>`.\n';
  return header + stringifyYaml(out, { lineWidth: 0 });
}
