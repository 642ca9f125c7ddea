/**
 * Resolving a document against a table's rows: unknown keys, then each row in order (value
 * or default, kind, check), then the rules between fields. Problems are collected, never
 * thrown one by one, so a file with three mistakes reports three.
 */
import { closest } from './did-you-mean.js';
import { ConfigError, type ConfigProblem } from './errors.js';
import { KindError } from './kinds.js';
import { type Draft, defaultOf, type Field, isRequired, type Rule } from './table.js';

export interface ParseOptions<M = unknown> {
  /** Named first in the error message (the file name). */
  source?: string;
  /** Turns a path field's value into the path to use (e.g. relative to the config file). */
  resolvePath?: (path: string) => string;
  /** An empty string counts as unset (the deployer's `init` writes prompts left empty so). */
  blankIsUnset?: boolean;
  /** Where the fields are documented; unknown-field messages point there. */
  docs?: string;
  /** The message for a missing required field (default: `is required`). */
  requiredMessage?: (f: Field<M>, draft: Draft) => string;
}

const isMapping = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads a dotted path from a nested object. */
export function getPath(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const key of path.split('.')) {
    if (!isMapping(cur)) return undefined;
    cur = cur[key];
  }
  return cur;
}

/** Writes a dotted path into a nested object, creating groups on the way. */
export function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  const leaf = keys.pop() as string;
  let cur = obj;
  for (const key of keys) {
    const next = cur[key];
    if (!isMapping(next)) cur[key] = {};
    cur = cur[key] as Record<string, unknown>;
  }
  cur[leaf] = value;
}

/** Validates one value of a field against the fields above; the parsed value or a problem. */
export function validateField(
  f: Field,
  raw: unknown,
  draft: Draft,
): { value: unknown; problem?: undefined } | { problem: ConfigProblem } {
  try {
    const value = f.kind.parse(raw);
    const problem = f.check?.(value, draft);
    return problem === undefined ? { value } : { problem: { path: f.path, message: problem } };
  } catch (e) {
    if (!(e instanceof KindError)) throw e;
    return { problem: { path: e.subPath ? `${f.path}.${e.subPath}` : f.path, message: e.message } };
  }
}

/** The names a mapping at `prefix` may hold: a leaf (true) or a group (false). */
function childrenOf(fields: readonly Field[], prefix: string): Map<string, boolean> {
  const out = new Map<string, boolean>();
  for (const f of fields) {
    if (!f.path.startsWith(prefix)) continue;
    const rest = f.path.slice(prefix.length).split('.');
    out.set(rest[0] as string, rest.length === 1);
  }
  return out;
}

function unknownKeys(
  fields: readonly Field[],
  doc: Record<string, unknown>,
  prefix: string,
  docs: string | undefined,
): ConfigProblem[] {
  const known = childrenOf(fields, prefix);
  return Object.entries(doc).flatMap(([key, value]): ConfigProblem[] => {
    const path = `${prefix}${key}`;
    const leaf = known.get(key);
    if (leaf === undefined) {
      const hint = closest(key, known.keys());
      const message = `unknown field${hint ? ` (did you mean ${prefix}${hint}?)` : ''}${docs ? `; see ${docs}` : ''}`;
      return [{ path, message }];
    }
    if (leaf || value === null || value === undefined) return [];
    if (!isMapping(value)) return [{ path, message: 'expected a mapping of fields' }];
    return unknownKeys(fields, value, `${path}.`, docs);
  });
}

/** The engine behind `ConfigTable.parse`: the draft with every row resolved, or a ConfigError. */
export function resolveTable<M>(
  fields: readonly Field<M>[],
  rules: readonly Rule<Draft>[],
  raw: unknown,
  opts: ParseOptions<M>,
): Draft {
  const doc = raw ?? {};
  if (!isMapping(doc))
    throw new ConfigError([{ path: '(top level)', message: 'expected a mapping of fields' }], opts.source);
  const problems = unknownKeys(fields, doc, '', opts.docs);
  const draft: Draft = {};
  for (const f of fields) {
    let value = getPath(doc, f.path);
    // A nullable field written as null is switched off, even when its default is not.
    if (value === null && f.presence === 'nullable') {
      setPath(draft, f.path, null);
      continue;
    }
    if (value === null || (opts.blankIsUnset && value === '')) value = undefined;
    if (value === undefined) value = structuredClone(defaultOf(f, draft));
    if (value === undefined) {
      if (isRequired(f, draft))
        problems.push({ path: f.path, message: opts.requiredMessage?.(f, draft) ?? 'is required' });
      else if (f.presence === 'nullable') setPath(draft, f.path, null);
      continue;
    }
    // Defaults are checked too (e.g. a port that clashes with a default port).
    const r = validateField(f, value, draft);
    if (r.problem) problems.push(r.problem);
    else setPath(draft, f.path, r.value);
  }
  for (const rule of rules) problems.push(...rule(draft));
  if (problems.length > 0) throw new ConfigError(problems, opts.source);
  const resolvePath = opts.resolvePath;
  if (resolvePath) {
    for (const f of fields.filter((x) => x.isPath)) {
      const v = getPath(draft, f.path);
      if (typeof v === 'string') setPath(draft, f.path, resolvePath(v));
    }
  }
  return draft;
}
