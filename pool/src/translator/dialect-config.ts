import { parseHostPort } from '../net/address.js';
import { DIALECTS, dialectByName } from '../stratum-v1/dialects/index.js';
import type { DialectPort } from './types.js';

/**
 * translator.yaml `v1.dialectPorts` (docs/miners.md): extra V1 ports whose miners all speak
 * one dialect, for firmware whose user agent does not say what it is.
 *
 *   v1:
 *     listen: 0.0.0.0:3333
 *     dialectPorts:
 *       - { listen: 0.0.0.0:3334, dialect: antminer-k7 }
 *       - { listen: 0.0.0.0:3335, dialect: goldshell }
 */

/** The keys this block adds to `v1`. */
export const DIALECT_V1_KEYS = ['dialectPorts'] as const;

export function parseDialectPorts(
  v: unknown,
  field: string,
  fail: (message: string) => Error,
): DialectPort[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw fail(`${field} must be a list of { listen, dialect }`);
  const names = DIALECTS.map((d) => d.name).join(', ');
  return v.map((e, i) => {
    const at = `${field}[${i}]`;
    if (typeof e !== 'object' || e === null || Array.isArray(e))
      throw fail(`${at} must be { listen, dialect }`);
    const m = e as Record<string, unknown>;
    for (const k of Object.keys(m))
      if (k !== 'listen' && k !== 'dialect') throw fail(`unknown field '${at}.${k}'`);
    if (typeof m.listen !== 'string') throw fail(`${at}.listen must be host:port`);
    try {
      parseHostPort(m.listen, `${at}.listen`);
    } catch (err) {
      throw fail((err as Error).message);
    }
    const dialect = typeof m.dialect === 'string' ? dialectByName(m.dialect) : null;
    if (!dialect) throw fail(`${at}.dialect must be one of ${names} (or an alias such as k7)`);
    return { listen: m.listen, dialect: dialect.name };
  });
}
