/**
 * Value kinds of the config schema: each parses a raw YAML value (or a CLI flag string) into a
 * typed value or throws a `KindError` whose message says what was expected.
 */

export class KindError extends Error {}

export interface Kind<V> {
  /** How the docs describe the type, e.g. `integer 1..65535`. */
  readonly describe: string;
  /** Allowed values, for enums (prompts offer them as choices). */
  readonly choices?: readonly string[];
  /** True for lists: the CLI flag may repeat. */
  readonly list?: boolean;
  parse(raw: unknown): V;
  /** Parses a command-line flag value (a string, or several for repeatable flags). */
  fromFlag(raw: string | string[]): V;
}

const show = (raw: unknown): string => (typeof raw === 'string' ? `'${raw}'` : JSON.stringify(raw));

export function str(describe = 'string', pattern?: RegExp, hint?: string): Kind<string> {
  return {
    describe,
    parse(raw) {
      if (typeof raw !== 'string') throw new KindError(`expected a string, got ${show(raw)}`);
      if (pattern && !pattern.test(raw))
        throw new KindError(`${show(raw)} is not a valid ${describe}${hint ? ` (${hint})` : ''}`);
      return raw;
    },
    fromFlag(raw) {
      return this.parse(Array.isArray(raw) ? raw[raw.length - 1] : raw);
    },
  };
}

export function int(min: number, max: number): Kind<number> {
  return {
    describe: `integer ${min}..${max}`,
    parse(raw) {
      const n = typeof raw === 'string' && /^-?\d+$/.test(raw.trim()) ? Number(raw) : raw;
      if (typeof n !== 'number' || !Number.isInteger(n))
        throw new KindError(`expected an integer, got ${show(raw)}`);
      if (n < min || n > max) throw new KindError(`${n} is out of range ${min}..${max}`);
      return n;
    },
    fromFlag(raw) {
      return this.parse(Array.isArray(raw) ? raw[raw.length - 1] : raw);
    },
  };
}

const TRUE = ['true', 'yes', 'on', '1'];
const FALSE = ['false', 'no', 'off', '0'];

export function bool(): Kind<boolean> {
  return {
    describe: 'boolean',
    parse(raw) {
      if (typeof raw === 'boolean') return raw;
      if (typeof raw === 'string' && TRUE.includes(raw.toLowerCase())) return true;
      if (typeof raw === 'string' && FALSE.includes(raw.toLowerCase())) return false;
      throw new KindError(`expected true or false, got ${show(raw)}`);
    },
    fromFlag(raw) {
      return this.parse(Array.isArray(raw) ? raw[raw.length - 1] : raw);
    },
  };
}

export function oneOf<const T extends string>(values: readonly T[]): Kind<T> {
  return {
    describe: values.map((v) => `\`${v}\``).join(' | '),
    choices: values,
    parse(raw) {
      if (typeof raw !== 'string' || !(values as readonly string[]).includes(raw)) {
        throw new KindError(`must be one of ${values.join(', ')}, got ${show(raw)}`);
      }
      return raw as T;
    },
    fromFlag(raw) {
      return this.parse(Array.isArray(raw) ? raw[raw.length - 1] : raw);
    },
  };
}

/** A list; in YAML a sequence (a single string is accepted as a one-item list). */
export function list(item: Kind<string>, describe: string): Kind<string[]> {
  return {
    describe,
    list: true,
    parse(raw) {
      const items = typeof raw === 'string' ? [raw] : raw;
      if (!Array.isArray(items)) throw new KindError(`expected a list, got ${show(raw)}`);
      return items.map((x, i) => {
        try {
          return item.parse(x);
        } catch (e) {
          throw new KindError(`item ${i + 1}: ${(e as Error).message}`);
        }
      });
    },
    fromFlag(raw) {
      // Repeated flags and comma-separated values both work: --admin-cidr a --admin-cidr b,c
      const parts = (Array.isArray(raw) ? raw : [raw]).flatMap((s) => s.split(',')).map((s) => s.trim());
      return this.parse(parts.filter((s) => s !== ''));
    },
  };
}

/**
 * An IPv4 or IPv6 CIDR block. IPv4 blocks must be canonical (host bits zero), because cloud
 * firewalls reject `203.0.113.7/24`; the error suggests the canonical form.
 */
export function cidr(): Kind<string> {
  return {
    describe: 'CIDR',
    parse(raw) {
      if (typeof raw !== 'string') throw new KindError(`expected a CIDR string, got ${show(raw)}`);
      const problem = cidrProblem(raw);
      if (problem) throw new KindError(problem);
      return raw;
    },
    fromFlag(raw) {
      return this.parse(Array.isArray(raw) ? raw[raw.length - 1] : raw);
    },
  };
}

export function cidrProblem(text: string): string | undefined {
  const [addr, bits, ...rest] = text.split('/');
  if (bits === undefined) {
    return `'${text}' has no prefix length; for a single address write ${addr}${addr.includes(':') ? '/128' : '/32'}`;
  }
  if (rest.length > 0 || !/^\d{1,3}$/.test(bits))
    return `'${text}' is not a CIDR block (address/prefix-length)`;
  const n = Number(bits);
  if (addr.includes(':')) {
    if (n > 128 || !/^[0-9a-fA-F:]+$/.test(addr) || (addr.match(/::/g) ?? []).length > 1) {
      return `'${text}' is not a valid IPv6 CIDR block`;
    }
    return undefined;
  }
  const octets = addr.split('.');
  if (n > 32 || octets.length !== 4 || octets.some((o) => !/^\d{1,3}$/.test(o) || Number(o) > 255)) {
    return `'${text}' is not a valid IPv4 CIDR block`;
  }
  const value = octets.reduce((acc, o) => acc * 256 + Number(o), 0);
  const size = 2 ** (32 - n);
  const network = value - (value % size);
  if (network !== value) {
    const canonical = [24, 16, 8, 0].map((s) => Math.floor(network / 2 ** s) % 256).join('.');
    return `'${text}' has host bits set; did you mean ${canonical}/${n}?`;
  }
  return undefined;
}
