/**
 * Checks synthesized Terraform JSON against the aliyun/alicloud provider schema (the shape of
 * `alicloud-schema.json`, read from the provider's Go source). Offline stand-in for
 * `terraform validate`, which needs the registry: unknown, removed or deprecated arguments,
 * missing required ones, out-of-enum values, wrong value types and the provider's
 * one-of/conflict rules all come back as violations.
 */

import { SCHEMA_SUPPLEMENT } from './schema-supplement.js';

export interface ArgSchema {
  type: string;
  required?: boolean;
  deprecated?: boolean;
  deprecationMessage?: string;
  replacement?: string;
  enum?: Array<string | number>;
  atLeastOneOf?: string[];
  exactlyOneOf?: string[];
  conflictsWith?: string[];
  block?: Record<string, ArgSchema>;
  maxItems?: number;
  elem?: string;
}

export interface BlockSchema {
  deprecated?: boolean;
  replacementResource?: string;
  arguments: Record<string, ArgSchema>;
  removedArguments?: Record<string, string>;
  /** Optional in the schema but rejected by the API without them; "a or b", "x (for tcp/udp)". */
  practicallyRequired?: string[];
}

export interface AlicloudSchema {
  provider: {
    block_name: string;
    required_providers: Record<string, { source: string; version: string }>;
    arguments: Record<string, ArgSchema>;
  };
  resource: Record<string, BlockSchema>;
  data: Record<string, BlockSchema>;
}

export type ViolationKind =
  | 'unknown-type'
  | 'deprecated-type'
  | 'unknown-argument'
  | 'removed-argument'
  | 'deprecated-argument'
  | 'missing-required'
  | 'enum'
  | 'type'
  | 'one-of'
  | 'conflict'
  | 'max-items'
  | 'missing-region'
  | 'provider-pin';

export interface Violation {
  /** Terraform address, e.g. `alicloud_vpc.host_vpc_9DD87482` or `data.alicloud_zones.z`. */
  address: string;
  kind: ViolationKind;
  message: string;
}

/** Terraform meta-arguments, valid on every resource or data block. */
const META = new Set([
  'depends_on',
  'count',
  'for_each',
  'provider',
  'lifecycle',
  'provisioner',
  'connection',
  '//',
]);

type Body = Record<string, unknown>;

const isExpression = (v: unknown) => typeof v === 'string' && v.includes('${');
const isObject = (v: unknown): v is Body => typeof v === 'object' && v !== null && !Array.isArray(v);

function typeError(arg: ArgSchema, v: unknown): string | undefined {
  if (isExpression(v)) return undefined; // resolved at plan time
  switch (arg.type) {
    case 'string':
      return typeof v === 'string' ? undefined : 'a string';
    case 'number':
      return typeof v === 'number' ? undefined : 'a number';
    case 'bool':
      return typeof v === 'boolean' ? undefined : 'a boolean';
    case 'map':
      return isObject(v) ? undefined : 'a map';
    case 'list':
    case 'set':
      if (arg.block) return Array.isArray(v) || isObject(v) ? undefined : 'a block (list of objects)';
      return Array.isArray(v) ? undefined : 'a list';
    default:
      return undefined;
  }
}

/** Checks one block body (resource, data source or nested block) against its arguments. */
function checkArguments(
  address: string,
  body: Body,
  args: Record<string, ArgSchema>,
  removed: Record<string, string> = {},
): Violation[] {
  const out: Violation[] = [];
  const v = (kind: ViolationKind, message: string) => out.push({ address, kind, message });
  const present = (k: string) => body[k] !== undefined && body[k] !== null;

  for (const [name, value] of Object.entries(body)) {
    if (META.has(name)) continue;
    if (Object.hasOwn(removed, name)) {
      v('removed-argument', `${name} was removed from the provider: ${removed[name]}`);
      continue;
    }
    const arg = args[name];
    if (!arg) {
      v('unknown-argument', `${name} is not an argument of this block`);
      continue;
    }
    if (arg.deprecated) {
      const use = arg.replacement ? ` (use ${arg.replacement})` : '';
      v('deprecated-argument', `${name} is deprecated${use}: ${arg.deprecationMessage ?? ''}`.trim());
    }
    const bad = typeError(arg, value);
    if (bad) v('type', `${name} must be ${bad}, got ${JSON.stringify(value)}`);
    if (arg.enum && !isExpression(value) && !Array.isArray(value) && !arg.enum.includes(value as string)) {
      v('enum', `${name} = ${JSON.stringify(value)} is not one of ${arg.enum.join(', ')}`);
    }
    if (arg.conflictsWith) {
      for (const other of arg.conflictsWith) {
        if (other !== name && present(other)) v('conflict', `${name} conflicts with ${other}`);
      }
    }
    if (arg.block && !isExpression(value)) {
      const items = Array.isArray(value) ? value : [value];
      if (arg.maxItems !== undefined && items.length > arg.maxItems) {
        v('max-items', `${name} takes at most ${arg.maxItems} block(s), got ${items.length}`);
      }
      items.forEach((item, i) => {
        if (isObject(item)) out.push(...checkArguments(`${address}.${name}[${i}]`, item, arg.block!));
      });
    }
  }

  const groupsSeen = new Set<string>();
  for (const [name, arg] of Object.entries(args)) {
    if (arg.required && !present(name)) v('missing-required', `${name} is required`);
    for (const [group, exact] of [
      [arg.atLeastOneOf, false],
      [arg.exactlyOneOf, true],
    ] as const) {
      if (!group) continue;
      const key = `${exact}:${[...group].sort().join(',')}`;
      if (groupsSeen.has(key)) continue;
      groupsSeen.add(key);
      const n = group.filter(present).length;
      if (n === 0 || (exact && n > 1)) {
        v('one-of', `${exact ? 'exactly' : 'at least'} one of ${group.join(', ')} must be set (found ${n})`);
      }
    }
  }
  return out;
}

/** "a or b (for tcp/udp)": at least one of a, b is needed when some argument equals tcp or udp. */
function checkPracticallyRequired(address: string, body: Body, rules: string[] = []): Violation[] {
  const out: Violation[] = [];
  for (const rule of rules) {
    const m = /^(.*?)\s*(?:\(for ([^)]*)\))?$/.exec(rule.trim());
    if (!m) continue;
    const names = m[1].split(/\s+or\s+/).map((s) => s.trim());
    if (m[2]) {
      const when = m[2].split('/').map((s) => s.trim());
      if (!Object.values(body).some((x) => typeof x === 'string' && when.includes(x))) continue;
    }
    if (!names.some((n) => body[n] !== undefined && body[n] !== null)) {
      out.push({
        address,
        kind: 'missing-required',
        message: `${names.join(' or ')} is required in practice (${rule})`,
      });
    }
  }
  return out;
}

function checkKind(
  prefix: string,
  blocks: Record<string, Record<string, Body>> | undefined,
  schemas: Record<string, BlockSchema>,
): Violation[] {
  const out: Violation[] = [];
  for (const [type, instances] of Object.entries(blocks ?? {})) {
    if (!type.startsWith('alicloud_')) continue;
    for (const [name, body] of Object.entries(instances)) {
      const address = `${prefix}${type}.${name}`;
      const schema = schemas[type];
      if (!schema) {
        out.push({ address, kind: 'unknown-type', message: `${type} is not in the provider schema` });
        continue;
      }
      if (schema.deprecated) {
        const use = schema.replacementResource ? `; use ${schema.replacementResource}` : '';
        out.push({ address, kind: 'deprecated-type', message: `${type} is deprecated${use}` });
      }
      out.push(...checkArguments(address, body, schema.arguments, schema.removedArguments));
      out.push(...checkPracticallyRequired(address, body, schema.practicallyRequired));
    }
  }
  return out;
}

/**
 * Every alicloud provider, resource and data block of a Terraform JSON document, against the
 * schema plus `SCHEMA_SUPPLEMENT` (blocks the shared extract lacks).
 */
export function checkAlicloudJson(tf: Body, schema: AlicloudSchema): Violation[] {
  const out: Violation[] = [];
  const providerName = schema.provider.block_name;
  const providers = (tf.provider as Record<string, Body[]> | undefined)?.[providerName] ?? [];
  providers.forEach((p, i) => {
    const address = `provider.${providerName}[${i}]`;
    out.push(...checkArguments(address, p, schema.provider.arguments));
    if (typeof p.region !== 'string' || p.region === '') {
      out.push({
        address,
        kind: 'missing-region',
        message: 'region must be explicit (the provider falls back to cn-beijing)',
      });
    }
  });
  const pin = schema.provider.required_providers[providerName];
  const required = (tf.terraform as Body | undefined)?.required_providers as Record<string, Body> | undefined;
  const got = required?.[providerName];
  if (providers.length > 0 && (got?.source !== pin.source || got?.version !== pin.version)) {
    out.push({
      address: `terraform.required_providers.${providerName}`,
      kind: 'provider-pin',
      message: `expected source ${pin.source} version ${pin.version}, got ${JSON.stringify(got)}`,
    });
  }
  const resource = { ...SCHEMA_SUPPLEMENT.resource, ...schema.resource };
  out.push(...checkKind('', tf.resource as Record<string, Record<string, Body>>, resource));
  const data = { ...SCHEMA_SUPPLEMENT.data, ...schema.data };
  out.push(...checkKind('data.', tf.data as Record<string, Record<string, Body>>, data));
  return out;
}
