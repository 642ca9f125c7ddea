import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readSharedJson, sharedPath } from '../pool/test/shared.js';
import { baseConfig, KEYS, synthJson, type TfJson } from '../test/support/stack-fixtures.js';
import type { AlicloudSchema } from './alicloud/schema-check.js';
import { ARGUMENT_EFFECTS, CONFIG_FIELDS, type ConfigField, fieldEffect } from './replacement.js';
import { CLOUDS, type Cloud, type StackConfigInput, specFromConfig } from './spec.js';

/** The base deploy of each cloud, and one change per config field. */
const BASE_KEY: Record<Cloud, string> = { aws: KEYS.rsa, alicloud: KEYS.rsa };
type Variant = { config: StackConfigInput; key: string };
const CHANGES: Record<ConfigField, (cloud: Cloud, v: Variant) => Variant> = {
  project: (_c, v) => ({ ...v, config: { ...v.config, project: 'other-pool' } }),
  chain: (_c, v) => ({ ...v, config: { ...v.config, chain: 'testnet' } }),
  'instance.size': (c, v) => ({
    ...v,
    config: { ...v.config, instance: { ...v.config.instance, size: c === 'aws' ? 'm6i.xlarge' : 'large' } },
  }),
  'instance.diskGb': (_c, v) => ({
    ...v,
    config: { ...v.config, instance: { ...v.config.instance, diskGb: 400 } },
  }),
  ports: (_c, v) => ({
    ...v,
    config: { ...v.config, ports: { ...v.config.ports, sv2: 3400, v1: 3401, p2p: 8125 } },
  }),
  publicCidrs: (_c, v) => ({ ...v, config: { ...v.config, publicCidrs: ['192.0.2.0/24'] } }),
  adminCidrs: (_c, v) => ({ ...v, config: { ...v.config, adminCidrs: ['198.51.100.9/32'] } }),
  'ssh.publicKeyPath': (c, v) => ({ ...v, key: c === 'aws' ? KEYS.ed25519 : KEYS.ecdsa }),
  'ssh.user': (_c, v) => ({ ...v, config: { ...v.config, ssh: { user: 'pool' } } }),
};

const synth = (cloud: Cloud, v: Variant) => synthJson(cloud, specFromConfig(v.config, v.key, cloud));

/** Plain objects that are maps, not nested blocks: compared whole. */
const MAPS = new Set(['tags', 'volume_tags']);
const META = new Set(['depends_on', 'lifecycle', 'count', 'for_each', 'provider', '//']);

/** Argument path → value of the single block of `type`, nested blocks flattened one level. */
function argumentsOf(tf: TfJson, type: string): Map<string, unknown> {
  const blocks = Object.values<TfJson>(tf.resource[type] ?? {});
  expect(blocks, type).toHaveLength(1);
  const out = new Map<string, unknown>();
  for (const [k, v] of Object.entries(blocks[0])) {
    if (META.has(k)) continue;
    if (v && typeof v === 'object' && !Array.isArray(v) && !MAPS.has(k)) {
      for (const [nk, nv] of Object.entries(v)) out.set(`${k}.${nk}`, nv);
    } else out.set(k, v);
  }
  return out;
}

/**
 * A value with the locals and data sources it refers to spelled out, so a change that reaches an
 * argument only through the market choice (Alibaba) still shows.
 */
function resolved(tf: TfJson, value: unknown, depth = 0): string {
  let text = JSON.stringify(value);
  if (depth > 8) return text;
  for (const m of text.matchAll(/local\.([A-Za-z0-9_]+)/g))
    text += resolved(tf, tf.locals?.[m[1]], depth + 1);
  for (const m of text.matchAll(/data\.([a-z0-9_]+)\.([A-Za-z0-9_]+)/g))
    text += JSON.stringify(tf.data?.[m[1]]?.[m[2]]);
  return text;
}

function ignoredChanges(tf: TfJson, type: string): string[] {
  return Object.values<TfJson>(tf.resource[type])[0].lifecycle?.ignore_changes ?? [];
}

describe.each(CLOUDS)('what a config change does to the %s host', (cloud) => {
  const base: Variant = { config: baseConfig(cloud), key: BASE_KEY[cloud] };
  const baseTf = synth(cloud, base);
  const changed = Object.fromEntries(
    CONFIG_FIELDS.map((f) => [f, synth(cloud, CHANGES[f](cloud, base))]),
  ) as Record<ConfigField, TfJson>;
  const table = ARGUMENT_EFFECTS[cloud];

  it.each(Object.keys(table))('documents every argument set on %s, and nothing it does not set', (type) => {
    const set = [...argumentsOf(baseTf, type).keys()].sort();
    expect(set).toEqual(Object.keys(table[type]).sort());
  });

  it.each(Object.keys(table))('names exactly the config fields that change each argument of %s', (type) => {
    const args = argumentsOf(baseTf, type);
    for (const [arg, value] of args) {
      const from = CONFIG_FIELDS.filter((f) => {
        const other = argumentsOf(changed[f], type).get(arg);
        return resolved(changed[f], other) !== resolved(baseTf, value);
      });
      expect(from, `${type}.${arg}`).toEqual([...table[type][arg].from]);
    }
  });

  it.each(Object.keys(table))(
    'never lets a config change reach a ForceNew argument of %s unannounced',
    (type) => {
      const ignoredArgs = ignoredChanges(baseTf, type);
      for (const [arg, e] of Object.entries(table[type])) {
        const where = `${type}.${arg}`;
        if (e.effect === 'ignored after creation') {
          expect(ignoredArgs, where).toContain(arg.split('.')[0]);
        } else if (e.effect === 'constant') {
          expect(e.from, where).toEqual([]);
        } else if (e.forceNew) {
          expect(e.effect, where).toMatch(/^replaces /);
        } else {
          expect(e.effect, where).not.toMatch(/^replaces /);
        }
      }
    },
  );
});

const SCHEMA = 'reference/iac/alicloud-schema.json';
const schema = sharedPath(SCHEMA) ? readSharedJson<AlicloudSchema>(SCHEMA) : undefined;
if (!schema) process.stdout.write(`SKIP Alibaba ForceNew cross-check: ../shared/${SCHEMA} is not present\n`);

describe.skipIf(!schema)('the Alibaba Cloud ForceNew flags', () => {
  it('are the provider schema’s, argument by argument', () => {
    for (const [type, args] of Object.entries(ARGUMENT_EFFECTS.alicloud)) {
      const arguments_ = (schema as AlicloudSchema).resource[type].arguments as Record<
        string,
        { forceNew?: boolean }
      >;
      for (const [arg, e] of Object.entries(args)) {
        expect(e.forceNew, `${type}.${arg}`).toBe(arguments_[arg]?.forceNew === true);
      }
    }
  });
});

describe('docs/clouds.md, "Which config changes replace the VM"', () => {
  const doc = readFileSync(new URL('../docs/clouds.md', import.meta.url), 'utf8');
  const section = doc.split('## Which config changes replace the VM')[1]?.split('\n## ')[0] ?? '';
  const rows = new Map(
    [...section.matchAll(/^\| `([^`]+)` \| ([^|]+) \| ([^|]+) \|$/gm)].map((m) => [
      m[1],
      [m[2].trim(), m[3].trim()],
    ]),
  );

  it.each(CONFIG_FIELDS)('says what changing %s does on each cloud', (field) => {
    expect(rows.has(field), `a row for ${field}`).toBe(true);
    const [aws, alicloud] = rows.get(field)!;
    for (const [cloud, cell] of [
      ['aws', aws],
      ['alicloud', alicloud],
    ] as const) {
      const effect = fieldEffect(cloud, field);
      const expected = effect === undefined || effect === 'constant' ? 'no effect on the VM' : effect;
      expect(
        cell.startsWith(expected) || (effect === 'ignored after creation' && cell.startsWith('no effect')),
        `${field} on ${cloud}: ${cell}`,
      ).toBe(true);
    }
  });
});
