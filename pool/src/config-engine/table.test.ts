import { describe, expect, expectTypeOf, it } from 'vitest';
import { ConfigError } from './errors.js';
import { bool, int, KindError, list, oneOf, str } from './kinds.js';
import { type ConfigOf, ConfigTable } from './table.js';

const TABLE = ConfigTable.create()
  .field('chain', oneOf(['mainnet', 'testnet']), { doc: 'Chain.', default: 'mainnet' })
  .optional('region', str('region'), {
    doc: 'Region.',
    requiredWhen: (c) => c.chain === 'testnet',
  })
  .field('ports.sv2', int(1, 65535), { doc: 'SV2 port.', default: 3336 })
  .field('ports.v1', int(1, 65535), {
    doc: 'V1 port.',
    default: (c) => (c.chain === 'testnet' ? 13333 : 3333),
    check: (v, c) => (v === c.ports?.sv2 ? `${v} is also ports.sv2` : undefined),
  })
  .nullable('node.payout.args', str(), { doc: 'Lock args.' })
  .field('node.enabled', bool(), { doc: 'On.', default: true })
  .field('cidrs', list(str(), 'list'), { doc: 'CIDRs.', default: [] })
  .rule((c) =>
    c.node?.enabled === false && c.region !== undefined
      ? [{ path: 'region', message: 'is not used while node.enabled is false' }]
      : [],
  );

type Config = ConfigOf<typeof TABLE>;

function problems(raw: unknown): Record<string, string> {
  try {
    TABLE.parse(raw);
  } catch (e) {
    if (e instanceof ConfigError) return Object.fromEntries(e.problems.map((p) => [p.path, p.message]));
    throw e;
  }
  return {};
}

describe('a config table', () => {
  it('derives the config type from its rows: values, optional and nullable fields, nested groups', () => {
    expectTypeOf<Config>().toEqualTypeOf<{
      chain: 'mainnet' | 'testnet';
      region?: string;
      ports: { sv2: number; v1: number };
      node: { payout: { args: string | null }; enabled: boolean };
      cidrs: string[];
    }>();
  });

  it('fills defaults, computes defaults from the fields above and leaves optional fields out', () => {
    expect(TABLE.parse({})).toEqual({
      chain: 'mainnet',
      ports: { sv2: 3336, v1: 3333 },
      node: { payout: { args: null }, enabled: true },
      cidrs: [],
    });
    const c = TABLE.parse({ chain: 'testnet', region: 'x', node: { payout: { args: '0x01' } } });
    expect(c.ports.v1).toBe(13333);
    expect(c.region).toBe('x');
    expect(c.node.payout.args).toBe('0x01');
  });

  it('reports every problem of a document at once, in table order, one per line', () => {
    const err = (() => {
      try {
        TABLE.parse(
          { chain: 'devnet', ports: { sv2: 0, v1: 'x' }, node: { enabled: 'maybe' }, cidrs: 5 },
          { source: 'pool.yaml' },
        );
      } catch (e) {
        return e as ConfigError;
      }
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect(err?.paths).toEqual(['chain', 'ports.sv2', 'ports.v1', 'node.enabled', 'cidrs']);
    expect(err?.message).toBe(
      [
        'pool.yaml: 5 problems:',
        "  chain: must be one of mainnet, testnet, got 'devnet'",
        '  ports.sv2: 0 is out of range 1..65535',
        "  ports.v1: expected an integer, got 'x'",
        "  node.enabled: expected true or false, got 'maybe'",
        '  cidrs: expected a list, got 5',
      ].join('\n'),
    );
  });

  it('names a required field and a field required by the fields above', () => {
    const required = ConfigTable.create().field('key', str(), { doc: 'Key.' });
    expect(() => required.parse({})).toThrow(/^key: is required$/);
    expect(problems({ chain: 'testnet' })).toEqual({ region: 'is required' });
  });

  it('runs checks against the fields above and rules across fields', () => {
    expect(problems({ ports: { sv2: 3333 } })).toEqual({ 'ports.v1': '3333 is also ports.sv2' });
    expect(problems({ region: 'x', node: { enabled: false } })).toEqual({
      region: 'is not used while node.enabled is false',
    });
  });

  it('names unknown keys at any depth with a did-you-mean hint and refuses a value where a group belongs', () => {
    const p = (raw: unknown) => {
      try {
        TABLE.parse(raw, { docs: 'docs/x.md' });
      } catch (e) {
        return Object.fromEntries((e as ConfigError).problems.map((x) => [x.path, x.message]));
      }
      return {};
    };
    expect(
      p({ chian: 'mainnet', ports: { sv: 1 }, node: { payout: { arg: '0x' }, zzzzzz: 1 }, extra: 1 }),
    ).toEqual({
      chian: 'unknown field (did you mean chain?); see docs/x.md',
      'ports.sv': 'unknown field (did you mean ports.sv2?); see docs/x.md',
      'node.payout.arg': 'unknown field (did you mean node.payout.args?); see docs/x.md',
      'node.zzzzzz': 'unknown field; see docs/x.md',
      extra: 'unknown field; see docs/x.md',
    });
    expect(p({ ports: 3336 })).toEqual({ ports: 'expected a mapping of fields' });
  });

  it('keeps null for a nullable field with a default: null switches it off', () => {
    const t = ConfigTable.create().nullable('metrics', str(), { doc: 'Metrics.', default: ':9101' });
    expect(t.parse({})).toEqual({ metrics: ':9101' });
    expect(t.parse({ metrics: null })).toEqual({ metrics: null });
  });

  it('treats null as unset, and an empty string too when asked', () => {
    expect(TABLE.parse({ chain: null }).chain).toBe('mainnet');
    expect(problems({ chain: '' })).toHaveProperty('chain');
    expect(TABLE.parse({ chain: '' }, { blankIsUnset: true }).chain).toBe('mainnet');
  });

  it('resolves path fields with the caller’s rule, defaults included', () => {
    const paths = ConfigTable.create()
      .field('ledger', str(), { doc: 'Ledger.', default: 'ledger.sqlite', isPath: true })
      .nullable('secret', str(), { doc: 'Secret.', isPath: true });
    expect(paths.parse({}, { resolvePath: (p) => `/etc/${p}` })).toEqual({
      ledger: '/etc/ledger.sqlite',
      secret: null,
    });
  });

  it('reports a problem a kind finds below its field under the nested path', () => {
    const t = ConfigTable.create().field(
      'failback',
      {
        describe: 'mapping',
        parse: (raw) => {
          if (raw !== false) throw new KindError('unknown field', 'interval');
          return false as const;
        },
        fromFlag: () => false as const,
      },
      { doc: 'Failback.', default: false },
    );
    expect(() => t.parse({ failback: {} })).toThrow(/^failback\.interval: unknown field$/);
  });

  it('lets a check read only the fields above it (a compile-time error otherwise)', () => {
    const t = ConfigTable.create()
      .field('a', int(0, 9), { doc: 'A.', default: 1 })
      // @ts-expect-error b is below c, so it is not in c's draft
      .field('c', int(0, 9), { doc: 'C.', default: 2, check: (_v, d) => (d.b === 1 ? 'x' : undefined) })
      .field('b', int(0, 9), { doc: 'B.', default: 3 });
    expect(t.parse({})).toEqual({ a: 1, c: 2, b: 3 });
  });

  it('refuses a table with two rows for one path or a field that is also a group', () => {
    const t = ConfigTable.create().field('a.b', str(), { doc: 'A.' });
    expect(() => t.field('a.b', str(), { doc: 'A.' })).toThrow(/two rows/);
    expect(() => t.field('a', str(), { doc: 'A.' })).toThrow(/cannot both be fields/);
    expect(() => t.field('a.b.c', str(), { doc: 'A.' })).toThrow(/cannot both be fields/);
  });
});
