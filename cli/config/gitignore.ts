/**
 * The `.gitignore` that `init` keeps beside the config: a deployment folder is meant to be
 * versioned (ckb-pool.yaml), its secrets, Terraform state and rendered `.env` never are.
 * Lines the operator wrote are kept; ours are added once, only those that are missing.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';

const HEADER = '# ckb-pool-deploy: secrets, state and rendered environment stay out of git';

/** The patterns for a config folder whose secrets live in `secretsDir`. */
export function ignoredPatterns(configDir: string, secretsDir: string): string[] {
  const rel = relative(configDir, secretsDir);
  const inside = rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
  return [
    ...(inside ? [`/${rel.split('\\').join('/')}/`] : []),
    '/.ckb-pool-deploy/',
    '*.tfstate',
    '*.tfstate.*',
    '.terraform/',
    'cdktf.out/',
    '.env',
  ];
}

/** Adds the missing patterns to `configDir/.gitignore`; returns the ones it added. */
export function ensureGitignore(configDir: string, secretsDir: string): string[] {
  const file = join(configDir, '.gitignore');
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const have = new Set(text.split('\n').map((l) => l.trim()));
  const missing = ignoredPatterns(configDir, secretsDir).filter((p) => !have.has(p));
  if (missing.length === 0) return [];
  const lead = text === '' ? '' : text.endsWith('\n') ? '\n' : '\n\n';
  const header = have.has(HEADER) ? '' : `${HEADER}\n`;
  writeFileSync(file, `${text}${lead}${header}${missing.join('\n')}\n`);
  return missing;
}
