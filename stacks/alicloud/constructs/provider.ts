/**
 * Hand-written bindings for exactly the aliyun/alicloud provider blocks the pool uses. No
 * prebuilt cdktf package exists for this provider, so each block is a small typed class that
 * emits snake_case Terraform JSON itself; the blocks share the base classes here. Only current
 * argument names (provider 1.289) appear in the config types; `schema-check.test.ts` checks every
 * emitted block against the provider's schema.
 */
import {
  booleanToHclTerraform,
  type Construct,
  hashMapperHcl,
  listMapperHcl,
  numberToHclTerraform,
  stringToHclTerraform,
  TerraformDataSource,
  type TerraformMetaArguments,
  TerraformProvider,
  TerraformResource,
} from '../../cdk.js';

export const ALICLOUD_PROVIDER_SOURCE = 'aliyun/alicloud';
export const ALICLOUD_PROVIDER_VERSION = '~> 1.289';
const generator = { providerName: 'alicloud', providerVersionConstraint: ALICLOUD_PROVIDER_VERSION };

export type Tags = Record<string, string>;

/** camelCase config key → the provider's snake_case argument (`vpcName` → `vpc_name`). */
export function snakeCase(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** Top-level keys to snake_case, undefined values dropped; values (tag maps) stay as given. */
function toArguments(config: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(config)) if (v !== undefined) out[snakeCase(k)] = v;
  return out;
}

/**
 * The same arguments in the typed form `cdktf synth --hcl` renders. Our configs hold scalars,
 * string lists, string maps (tags) and lists of nested blocks (the NLB's `zone_mappings` and
 * `health_check`, already snake_cased by their constructs).
 */
function toHclArguments(config: object): Record<string, unknown> {
  return hclAttributes(toArguments(config));
}

function hclAttributes(args: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(args)) {
    if (v === undefined) continue;
    if (typeof v === 'number') {
      out[k] = { value: numberToHclTerraform(v), isBlock: false, type: 'simple', storageClassType: 'number' };
    } else if (typeof v === 'boolean') {
      out[k] = {
        value: booleanToHclTerraform(v),
        isBlock: false,
        type: 'simple',
        storageClassType: 'boolean',
      };
    } else if (Array.isArray(v) && v.some((e) => typeof e === 'object' && e !== null)) {
      // A block type (TypeList/TypeSet of Resource in the provider): one `name { … }` per element.
      const value = v.map((e) => hclAttributes(e as Record<string, unknown>));
      out[k] = { value, isBlock: true, type: 'list', storageClassType: `${k}List` };
    } else if (Array.isArray(v)) {
      const value = listMapperHcl(stringToHclTerraform, false)(v);
      out[k] = { value, isBlock: false, type: 'list', storageClassType: 'stringList' };
    } else if (typeof v === 'object' && v !== null) {
      const value = hashMapperHcl(stringToHclTerraform)(v);
      out[k] = { value, isBlock: false, type: 'map', storageClassType: 'stringMap' };
    } else {
      out[k] = { value: stringToHclTerraform(v), isBlock: false, type: 'simple', storageClassType: 'string' };
    }
  }
  return out;
}

export interface AlicloudProviderConfig {
  /** Always explicit: without it the provider silently falls back to cn-beijing. */
  region: string;
}

export class AlicloudProvider extends TerraformProvider {
  static readonly tfResourceType = 'alicloud';
  constructor(
    scope: Construct,
    id: string,
    private readonly config: AlicloudProviderConfig,
  ) {
    super(scope, id, {
      terraformResourceType: 'alicloud',
      terraformGeneratorMetadata: generator,
      terraformProviderSource: ALICLOUD_PROVIDER_SOURCE,
    });
  }
  protected override synthesizeAttributes(): Record<string, unknown> {
    return toArguments(this.config);
  }
  protected override synthesizeHclAttributes(): Record<string, unknown> {
    return toHclArguments(this.config);
  }
}

type Defined<T> = { [K in keyof T]?: Exclude<T[K], undefined> };

/** The entries of `o` whose value is defined, so an argument never given stays absent. */
function pickDefined<T extends object>(o: T): Defined<T> {
  const out: Defined<T> = {};
  for (const k of Object.keys(o) as (keyof T)[]) {
    const v = o[k];
    if (v !== undefined) out[k] = v as Exclude<T[keyof T], undefined>;
  }
  return out;
}

/** Base for resources: typed config in, snake_case arguments out. */
export abstract class AlicloudResource<C extends object> extends TerraformResource {
  constructor(scope: Construct, id: string, type: string, config: C & TerraformMetaArguments) {
    const { dependsOn, count, provider, lifecycle, forEach, provisioners, connection, ...args } = config;
    // The meta-arguments the resource was given (an absent one stays absent).
    super(scope, id, {
      ...pickDefined({ dependsOn, count, provider, lifecycle, forEach, provisioners, connection }),
      terraformResourceType: type,
      terraformGeneratorMetadata: generator,
    });
    this.args = args;
  }
  private readonly args: object;
  protected override synthesizeAttributes(): Record<string, unknown> {
    return toArguments(this.args);
  }
  protected override synthesizeHclAttributes(): Record<string, unknown> {
    return toHclArguments(this.args);
  }
  get id(): string {
    return this.getStringAttribute('id');
  }
}

export abstract class AlicloudDataSource<C extends object> extends TerraformDataSource {
  constructor(
    scope: Construct,
    id: string,
    type: string,
    private readonly args: C,
  ) {
    super(scope, id, { terraformResourceType: type, terraformGeneratorMetadata: generator });
  }
  protected override synthesizeAttributes(): Record<string, unknown> {
    return toArguments(this.args);
  }
  protected override synthesizeHclAttributes(): Record<string, unknown> {
    return toHclArguments(this.args);
  }
  get ids(): string[] {
    return this.getListAttribute('ids');
  }
}
