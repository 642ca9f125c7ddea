import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFIG_DOC_PATH, configReferenceMarkdown } from './docs.js';
import { FIELD_LIST } from './fields.js';

describe('docs/config.md', () => {
  it('is up to date with the field table (regenerate: npx tsx --conditions=ckb-pool-source cli/config/docs.ts --write)', () => {
    expect(readFileSync(CONFIG_DOC_PATH, 'utf8')).toBe(configReferenceMarkdown());
  });

  it('documents every field and its init flag', () => {
    const md = configReferenceMarkdown();
    for (const f of FIELD_LIST) {
      expect(md).toContain(`| \`${f.path}\` |`);
      expect(md).toContain(`--${f.flag}`);
    }
  });
});
