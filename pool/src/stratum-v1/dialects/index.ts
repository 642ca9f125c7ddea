import { antminerK7Dialect } from './antminer-k7.js';
import { ckbDialect } from './ckb.js';
import { ckbminerDialect } from './ckbminer.js';
import type { DialectName, V1Dialect } from './dialect.js';
import { goldshellDialect } from './goldshell.js';
import { nerdminerDialect } from './nerdminer.js';

export type { DialectName, SubscribeAnswer, V1Dialect } from './dialect.js';

/** Every dialect, the default first; user agents are tried in this order. */
export const DIALECTS: readonly V1Dialect[] = [
  ckbDialect,
  antminerK7Dialect,
  goldshellDialect,
  nerdminerDialect,
  ckbminerDialect,
];

export const DEFAULT_DIALECT: V1Dialect = ckbDialect;

/** Short names accepted after `#` in a worker name and in config, besides the full names. */
const ALIASES: Record<string, DialectName> = {
  k7: 'antminer-k7',
  k5: 'antminer-k7',
  antminer: 'antminer-k7',
  godminer: 'antminer-k7',
  ckbox: 'goldshell',
  'ck-box': 'goldshell',
  ck5: 'goldshell',
  ck6: 'goldshell',
  nerd: 'nerdminer',
  gominer: 'ckbminer',
  default: 'ckb',
};

/** The dialect a name or alias (case-insensitive) stands for, or null. */
export function dialectByName(name: string): V1Dialect | null {
  const n = name.toLowerCase();
  const full = ALIASES[n] ?? n;
  return DIALECTS.find((d) => d.name === full) ?? null;
}

/** The dialect a `mining.subscribe` user agent selects; the default for any other. */
export function detectDialect(agent: unknown): V1Dialect {
  if (typeof agent !== 'string' || agent.length === 0) return DEFAULT_DIALECT;
  return DIALECTS.find((d) => d.agents?.test(agent)) ?? DEFAULT_DIALECT;
}

/**
 * A worker name with a dialect suffix, `account.worker#k7`: the name without it and the dialect
 * it forces. A `#` suffix that names no dialect is left in the name (dialect null), so names
 * that merely contain `#` keep working.
 */
export function splitDialectSuffix(user: string): { user: string; dialect: V1Dialect | null } {
  const hash = user.lastIndexOf('#');
  if (hash <= 0) return { user, dialect: null };
  const dialect = dialectByName(user.slice(hash + 1));
  return dialect ? { user: user.slice(0, hash), dialect } : { user, dialect: null };
}
