/** Pieces of the generated field references (docs/config.md, docs/pool-config.md). */
import type { Field } from './table.js';

/** A markdown table cell: pipes escaped, one line. */
export const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** How a field's default reads in the docs. */
export function defaultText(f: Field): string {
  if (f.defaultDoc) return f.defaultDoc;
  if (typeof f.default === 'function') return 'computed';
  if (f.default === undefined) return f.presence === 'required' ? 'required' : 'unset';
  if (Array.isArray(f.default)) return f.default.length === 0 ? '`[]`' : `\`[${f.default.join(', ')}]\``;
  if (f.default === '') return '`""`';
  return `\`${String(f.default)}\``;
}

/** `| field | type | default | meaning |`, one row per field. */
export function referenceTable(fields: readonly Field[]): string {
  const rows = ['| field | type | default | meaning |', '|---|---|---|---|'];
  for (const f of fields)
    rows.push(`| \`${f.path}\` | ${cell(f.kind.describe)} | ${cell(defaultText(f))} | ${cell(f.doc)} |`);
  return `${rows.join('\n')}\n`;
}
