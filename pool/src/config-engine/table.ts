/**
 * A config file described as a table: one row per field (dotted path, kind, default, doc,
 * checks), in resolution order, so a default or a check may read the fields above it. The
 * config's TypeScript type is derived from the rows, so the type, the validation, the defaults
 * and the generated docs cannot drift apart; `parse` reports every problem of a file at once.
 */
import type { ConfigProblem } from './errors.js';
import type { Kind } from './kinds.js';
import { type ParseOptions, resolveTable } from './parse.js';

/**
 * What the parsed config holds for a field the file leaves out and that has no default:
 * `required` — nothing, it is an error; `optional` — the property is absent; `nullable` — null
 * (and a nullable field the file sets to null stays null even when it has a default).
 */
export type Presence = 'required' | 'optional' | 'nullable';

/** What a row declares besides its path and kind. `D` is the draft: the fields above it. */
export interface FieldSpec<V, D> {
  /** One or two sentences for the generated docs. */
  doc: string;
  /** Applied when the file leaves the field out (a function may read fields above). */
  default?: V | ((draft: D) => V | undefined);
  /** How the docs describe a computed default. */
  defaultDoc?: string;
  /** An optional field that some settings need: required when this holds. */
  requiredWhen?: (draft: D) => boolean;
  /** Validation against the fields above; returns the problem and its fix. */
  check?: (value: V, draft: D) => string | undefined;
  /** A file-system path, resolved by the caller (`ParseOptions.resolvePath`). */
  isPath?: boolean;
  /** A proposal for a field without a default (named in its required message, taken by `init --yes`). */
  suggest?: (draft: D) => V | undefined;
  /** An interactive `init` asks for this field only when this holds. */
  ask?: (draft: D) => boolean;
}

/** A row as the engine and the docs see it (value types erased). */
export type Field<M = unknown> = {
  readonly path: string;
  readonly kind: Kind<unknown>;
  readonly presence: Presence;
} & FieldSpec<unknown, Draft> &
  M;

/** A check over several fields, run after every row; `draft` holds the fields that parsed. */
export type Rule<D> = (draft: D) => readonly ConfigProblem[];

/** Any config under construction: what parsed so far, by dotted path. */
export type Draft = Record<string, unknown>;

type At<P extends string, V> = P extends `${infer H}.${infer R}` ? { [K in H]: At<R, V> } : { [K in P]: V };
type AtOptional<P extends string, V> = P extends `${infer H}.${infer R}`
  ? { [K in H]: AtOptional<R, V> }
  : { [K in P]?: V };

/** Flattens the intersections the rows build into one plain object type. */
export type Pretty<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { [K in keyof T]: Pretty<T[K]> }
    : T;

/** Every field and group optional: what a check sees of the fields above it. */
export type DeepPartial<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;

/** The config type a table describes. */
export type ConfigOf<T> = T extends ConfigTable<infer C, infer _M> ? Pretty<C> : never;

/** A table under construction; `C` is the config type of its rows, `M` extra per-row data. */
export class ConfigTable<C, M = unknown> {
  declare readonly _config: C;

  private constructor(
    readonly fields: readonly Field<M>[],
    readonly rules: readonly Rule<Draft>[],
  ) {}

  /** An empty table; every row must also carry the extra data `M` (e.g. the deployer's init flag). */
  static create<M = unknown>(): ConfigTable<unknown, M> {
    return new ConfigTable<unknown, M>([], []);
  }

  /** A field that always has a value: from the file, its default, or else an error. */
  field<const P extends string, V>(
    path: P,
    kind: Kind<V>,
    spec: FieldSpec<NoInfer<V>, DeepPartial<C>> & M,
  ): ConfigTable<C & At<P, V>, M> {
    return this.add(path, kind, 'required', spec);
  }

  /** A field that may stay unset: the property is then absent. */
  optional<const P extends string, V>(
    path: P,
    kind: Kind<V>,
    spec: FieldSpec<NoInfer<V>, DeepPartial<C>> & M,
  ): ConfigTable<C & AtOptional<P, V>, M> {
    return this.add(path, kind, 'optional', spec);
  }

  /** A field that may be switched off: null when the file says null, or leaves it out with no default. */
  nullable<const P extends string, V>(
    path: P,
    kind: Kind<V>,
    spec: FieldSpec<NoInfer<V>, DeepPartial<C>> & M,
  ): ConfigTable<C & At<P, V | null>, M> {
    return this.add(path, kind, 'nullable', spec);
  }

  /** A check between fields, reported under the paths it names. */
  rule(check: Rule<DeepPartial<Pretty<C>>>): ConfigTable<C, M> {
    return new ConfigTable<C, M>(this.fields, [...this.rules, check as Rule<Draft>]);
  }

  /** The row of a path. */
  get(path: string): Field<M> | undefined {
    return this.fields.find((f) => f.path === path);
  }

  /** Validates a parsed YAML document and fills defaults; throws a ConfigError listing every problem. */
  parse(raw: unknown, opts: ParseOptions<M> = {}): Pretty<C> {
    return resolveTable(this.fields, this.rules, raw, opts) as Pretty<C>;
  }

  private add<R>(path: string, kind: Kind<unknown>, presence: Presence, spec: object): ConfigTable<R, M> {
    for (const f of this.fields) {
      if (f.path === path) throw new Error(`config table: ${path} has two rows`);
      if (f.path.startsWith(`${path}.`) || path.startsWith(`${f.path}.`))
        throw new Error(`config table: ${path} and ${f.path} cannot both be fields`);
    }
    const row = { path, kind, presence, ...spec } as Field<M>;
    return new ConfigTable<R, M>([...this.fields, row], this.rules);
  }
}

/** Whether a field must have a value once the fields above are known. */
export function isRequired(f: Field, draft: Draft): boolean {
  return f.presence === 'required' || f.requiredWhen?.(draft) === true;
}

/** The default of a field for the fields above (undefined when it has none). */
export function defaultOf(f: Field, draft: Draft): unknown {
  return typeof f.default === 'function' ? (f.default as (d: Draft) => unknown)(draft) : f.default;
}
