import { readFileSync } from 'node:fs';
import { parse as parseToml } from 'smol-toml';
import { expect, it } from 'vitest';
import { describeWithShared, sharedPath } from '../../pool/test/shared.js';
import { configFor } from '../../test/support/bundle-helpers.js';
import { renderCkbToml } from './ckb-toml.js';

const TEMPLATE = 'reference/ckb/ckb-v0.205.0.toml';

/**
 * Every `section.key` the node's template knows: set, commented out (`# key = …`), or inside a
 * commented section (`# [section]`). The template is `ckb init`'s source, so a key outside
 * this set is one the node ignores (or, for deny-unknown sections, rejects).
 */
function templateKeys(text: string): Set<string> {
  const keys = new Set<string>();
  let section = '';
  for (const raw of text.split('\n')) {
    const line = raw.replace(/^(#+\s*)+/, '');
    // The keys after `ckb init`'s placeholder belong to the [block_assembler] it writes there.
    if (line.includes('{block_assembler}')) section = 'block_assembler';
    const header = /^\[([a-z0-9_.]+)\]/.exec(line);
    if (header) {
      section = header[1];
      continue;
    }
    const key = /^([a-z0-9_]+)\s*=/.exec(line);
    if (key) keys.add(`${section}.${key[1]}`);
  }
  // `ckb init` writes [block_assembler] from its `{block_assembler}` placeholder.
  for (const k of ['code_hash', 'args', 'hash_type', 'message']) keys.add(`block_assembler.${k}`);
  // Read by the node (util/app-config MetricsConfig) though the template shows no example.
  keys.add('metrics.exporter');
  return keys;
}

/** `section.key` of every value we render: top-level keys as `.key`, one level into tables. */
function renderedKeys(toml: Record<string, unknown>): string[] {
  return Object.entries(toml).flatMap(([section, v]) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.keys(v).map((k) => `${section}.${k}`)
      : [`.${section}`],
  );
}

const bootnodes = (text: string, chain: string) =>
  [
    ...(text.split('\n').find((l) => l.startsWith(`# ${chain} => bootnodes`)) ?? '').matchAll(
      /"(\/ip4[^"]*)"/g,
    ),
  ].map((m) => m[1]);

describeWithShared(TEMPLATE, 'ckb.toml against the pinned node’s own template (ckb v0.205.0)', () => {
  const text = readFileSync(sharedPath(TEMPLATE) as string, 'utf8');
  const known = templateKeys(text);

  it.each(['mainnet', 'testnet'] as const)('%s: every rendered key is one the node reads', (chain) => {
    const toml = parseToml(renderCkbToml(configFor(chain), 'NOTIFY-SECRET')) as Record<string, unknown>;
    const unknown = renderedKeys(toml).filter((k) => !known.has(k));
    expect(unknown).toEqual([]);
  });

  it('knows the legacy tx_pool keys as unknown (so the check can fail)', () => {
    expect(known.has('tx_pool.max_mem_size')).toBe(false);
    expect(known.has('tx_pool.max_tx_pool_size')).toBe(true);
  });

  it.each(['mainnet', 'testnet'] as const)('%s: bootnodes are exactly the template’s', (chain) => {
    const toml = parseToml(renderCkbToml(configFor(chain), 'NOTIFY-SECRET')) as {
      network: { bootnodes: string[] };
    };
    const expected = bootnodes(text, chain);
    expect(expected.length).toBeGreaterThan(3);
    expect(toml.network.bootnodes).toEqual(expected);
  });
});
