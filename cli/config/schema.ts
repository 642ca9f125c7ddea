/**
 * Loading and validating `ckb-pool.yaml` against the field table in `fields.ts` (on the pool's
 * config engine). Every error names the field and says how to fix it; all problems are
 * reported at once.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, resolve } from 'node:path';
import { ConfigError } from 'ckb-pool/config-engine/errors';
import { validateField as validateRow } from 'ckb-pool/config-engine/parse';
import type { Draft } from 'ckb-pool/config-engine/table';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { DEPLOY_TABLE, FIELD_LIST, type FieldSpec } from './fields.js';
import { getPath, type PoolDeployConfig, setPath } from './types.js';

export { ConfigError, type ConfigProblem } from 'ckb-pool/config-engine/errors';
export { defaultOf, isRequired } from 'ckb-pool/config-engine/table';
export { DEFAULT_IMAGES, FIELD_LIST, type FieldSpec } from './fields.js';
export type { Chain, Cloud, PoolDeployConfig, StateBackend } from './types.js';

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

/** Validates one value of a field against the draft; returns the parsed value or a problem. */
export function validateField(
  f: FieldSpec,
  raw: unknown,
  draft: Draft,
): { value?: unknown; problem?: string } {
  const r = validateRow(f, raw, draft);
  return r.problem ? { problem: r.problem.message } : { value: r.value };
}

function requiredMessage(f: FieldSpec, draft: Draft): string {
  const example = f.suggest?.(draft);
  const firstSentence = f.doc.split(/(?<=\.) (?=[A-Z])/)[0];
  return (
    `is required${typeof draft.cloud === 'string' && f.path !== 'payoutAddress' ? ` for cloud ${draft.cloud}` : ''}. ${firstSentence} ` +
    `Set it in the file${example !== undefined ? ` (e.g. ${String(example)})` : ''} or pass --${f.flag} to \`ckb-pool-deploy init\`.`
  );
}

/** Validates a parsed YAML object and fills defaults. Throws ConfigError listing every problem. */
export function parseConfig(raw: unknown, opts: ParseOptions = {}): PoolDeployConfig {
  const baseDir = opts.baseDir;
  return DEPLOY_TABLE.parse(raw, {
    source: opts.source ?? 'config',
    docs: 'docs/config.md',
    blankIsUnset: true,
    requiredMessage,
    ...(baseDir !== undefined && { resolvePath: (p: string) => expandPath(p, baseDir) }),
  });
}

/** Reads, parses and validates a config file; path fields come back absolute. */
export function loadConfig(path: string): PoolDeployConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const message =
      code === 'ENOENT' ? 'not found; create it with `ckb-pool-deploy init`' : `cannot be read (${code})`;
    throw new ConfigError([{ path: '(file)', message }], path);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (e) {
    throw new ConfigError([{ path: '(yaml)', message: (e as Error).message.split('\n')[0] ?? '' }], path);
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
