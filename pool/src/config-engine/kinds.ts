/**
 * Value kinds of a config field: each parses a raw YAML value (or a command-line flag) into a
 * typed value or throws a `KindError` saying what was expected. The field's type in the
 * config follows from its kind, so a kind is the one place a value's shape is decided.
 */
import { AddressError, parseHostPort } from '../net/address.js';

/** A value that does not fit its kind; `subPath` points below the field (e.g. a nested key). */
export class KindError extends Error {
  constructor(
    message: string,
    readonly subPath?: string,
  ) {
    super(message);
    this.name = 'KindError';
  }
}

export interface Kind<V> {
  /** How the docs describe the type, e.g. `integer 1..65535`. */
  readonly describe: string;
  /** Allowed values, for enums (prompts offer them as choices). */
  readonly choices?: readonly string[];
  /** True for lists: a command-line flag may repeat. */
  readonly list?: boolean;
  parse(raw: unknown): V;
  /** Parses a command-line flag value (a string, or several for repeatable flags). */
  fromFlag(raw: string | string[]): V;
}

export const show = (raw: unknown): string => (typeof raw === 'string' ? `'${raw}'` : JSON.stringify(raw));

const last = (raw: string | string[]): string => (Array.isArray(raw) ? (raw[raw.length - 1] ?? '') : raw);

/** A kind whose flag is parsed like a YAML value (the last one when repeated). */
function kind<V>(describe: string, parse: (raw: unknown) => V, extra: Partial<Kind<V>> = {}): Kind<V> {
  return { describe, parse, fromFlag: (raw) => parse(last(raw)), ...extra };
}

export function str(describe = 'string', pattern?: RegExp, hint?: string): Kind<string> {
  return kind(describe, (raw) => {
    if (typeof raw !== 'string') throw new KindError(`expected a string, got ${show(raw)}`);
    if (pattern && !pattern.test(raw))
      throw new KindError(`${show(raw)} is not a valid ${describe}${hint ? ` (${hint})` : ''}`);
    return raw;
  });
}

/** A non-empty string (pool.yaml's plain strings and file paths). */
export function text(describe = 'string'): Kind<string> {
  return kind(describe, (raw) => {
    if (typeof raw !== 'string' || raw.length === 0)
      throw new KindError(`expected a non-empty string, got ${JSON.stringify(raw)}`);
    return raw;
  });
}

function numberIn(raw: unknown, min: number, max: number, integer: boolean): number {
  if (typeof raw !== 'number' || !Number.isFinite(raw))
    throw new KindError(`expected ${integer ? 'an integer' : 'a number'}, got ${show(raw)}`);
  if (integer && !Number.isInteger(raw)) throw new KindError(`expected an integer, got ${raw}`);
  if (raw < min || raw > max) throw new KindError(`${raw} is out of range ${min}..${max}`);
  return raw;
}

const numeric = (raw: unknown): unknown =>
  typeof raw === 'string' && /^-?\d+(\.\d+)?$/.test(raw.trim()) ? Number(raw) : raw;

interface IntOptions {
  strings?: boolean;
  auto?: boolean;
}

/**
 * An integer in [min, max]. `strings` also takes digits written as a string (a YAML value the
 * deployer's `init` wrote from a prompt); a command-line flag is always read that way. `auto`
 * also takes the word `auto`, left for the program to resolve when it starts (e.g. one per core).
 */
export function int(min: number, max: number, opts?: IntOptions & { auto?: false }): Kind<number>;
export function int(min: number, max: number, opts: IntOptions & { auto: true }): Kind<number | 'auto'>;
export function int(min: number, max: number, opts: IntOptions = {}): Kind<number | 'auto'> {
  const parse = (raw: unknown): number | 'auto' => {
    if (opts.auto && raw === 'auto') return raw;
    return numberIn(opts.strings ? numeric(raw) : raw, min, max, true);
  };
  return {
    describe: `${opts.auto ? '`auto` or ' : ''}integer ${min}..${max}`,
    parse,
    fromFlag: (raw) => parse(numeric(last(raw))),
  };
}

/** A finite number in [min, max]. */
export function num(min: number, max: number): Kind<number> {
  const parse = (raw: unknown) => numberIn(raw, min, max, false);
  return { describe: `number ${min}..${max}`, parse, fromFlag: (raw) => parse(numeric(last(raw))) };
}

const TRUE = ['true', 'yes', 'on', '1'];
const FALSE = ['false', 'no', 'off', '0'];

export function bool(): Kind<boolean> {
  return kind('boolean', (raw) => {
    if (typeof raw === 'boolean') return raw;
    if (typeof raw === 'string' && TRUE.includes(raw.toLowerCase())) return true;
    if (typeof raw === 'string' && FALSE.includes(raw.toLowerCase())) return false;
    throw new KindError(`expected true or false, got ${show(raw)}`);
  });
}

export function oneOf<const T extends string>(values: readonly T[]): Kind<T> {
  const parse = (raw: unknown): T => {
    if (typeof raw !== 'string' || !(values as readonly string[]).includes(raw))
      throw new KindError(`must be one of ${values.join(', ')}, got ${show(raw)}`);
    return raw as T;
  };
  return kind(values.map((v) => `\`${v}\``).join(' | '), parse, { choices: values });
}

/** A list; in YAML a sequence (a single string is taken as a one-item list). */
export function list<V>(item: Kind<V>, describe: string): Kind<V[]> {
  const parse = (raw: unknown): V[] => {
    const items = typeof raw === 'string' ? [raw] : raw;
    if (!Array.isArray(items)) throw new KindError(`expected a list, got ${show(raw)}`);
    return items.map((x, i) => {
      try {
        return item.parse(x);
      } catch (e) {
        if (e instanceof KindError) throw new KindError(`item ${i + 1}: ${e.message}`);
        throw e;
      }
    });
  };
  return {
    describe,
    list: true,
    parse,
    // Repeated flags and comma-separated values both work: --admin-cidr a --admin-cidr b,c
    fromFlag: (raw) =>
      parse(
        (Array.isArray(raw) ? raw : [raw])
          .flatMap((s) => s.split(','))
          .map((s) => s.trim())
          .filter((s) => s !== ''),
      ),
  };
}

/** `0x` and hex bytes (exactly `bytes` of them when given); comes back lowercase. */
export function hex(bytes?: number): Kind<string> {
  return kind(bytes === undefined ? 'hex bytes' : `${bytes} hex bytes`, (raw) => {
    if (
      typeof raw !== 'string' ||
      !/^0x([0-9a-fA-F]{2})*$/.test(raw) ||
      (bytes !== undefined && raw.length !== 2 + 2 * bytes)
    ) {
      const what = bytes === undefined ? '0x and hex bytes' : `0x and ${2 * bytes} hex characters`;
      throw new KindError(`expected ${what}, got ${JSON.stringify(raw)}`);
    }
    return raw.toLowerCase();
  });
}

/** An http:// or https:// URL. */
export function httpUrl(): Kind<string> {
  return kind('url', (raw) => {
    const s = text().parse(raw);
    let u: URL;
    try {
      u = new URL(s);
    } catch {
      throw new KindError(`not a URL: '${s}'`);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:')
      throw new KindError(`expected an http:// or https:// URL, got '${s}'`);
    return s;
  });
}

/** `host:port` (IPv6 as `[::1]:3333`), the way every listen address is written. */
export function hostPort(): Kind<string> {
  return kind('host:port', (raw) => {
    const s = text().parse(raw);
    try {
      parseHostPort(s);
    } catch (e) {
      if (e instanceof AddressError) throw new KindError(e.reason);
      throw e;
    }
    return s;
  });
}

/** A string some other parser checks (a pool URL, an address); its error message is kept. */
export function checked(describe: string, check: (s: string) => void): Kind<string> {
  return kind(describe, (raw) => {
    const s = text().parse(raw);
    try {
      check(s);
    } catch (e) {
      throw new KindError((e as Error).message);
    }
    return s;
  });
}
