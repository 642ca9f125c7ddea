import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { baseConfig, KEYS, only, synthJson, type TfJson } from '../../test/support/stack-fixtures.js';
import { SIZES, specFromConfig } from '../spec.js';
import { ALICLOUD_SIZE_TYPES, alicloudCandidates, soldOutMessage } from './market.js';
import { alicloudArchitecture } from './pool-host.js';

/** vCPU and GiB an Alibaba type name promises: `.large` = 2 vCPU, `.xlarge` = 4; c = 1:2, g = 1:4. */
function shapeOf(type: string): { cpu: number; memoryGiB: number } {
  const m = /^ecs\.(?:u1-c1m(\d)|([cg])\d+[a-z]*)\.(large|xlarge)$/.exec(type);
  if (!m) throw new Error(`cannot read the shape of ${type}`);
  const cpu = m[3] === 'large' ? 2 : 4;
  const perCpu = m[1] ? Number(m[1]) : m[2] === 'c' ? 2 : 4;
  return { cpu, memoryGiB: cpu * perCpu };
}

describe('the Alibaba Cloud fallback types', () => {
  it.each(Object.entries(ALICLOUD_SIZE_TYPES))(
    'for %s all have the size’s shape and take the x64 image',
    (size, types) => {
      expect(types.length).toBeGreaterThanOrEqual(4);
      expect(new Set(types).size).toBe(types.length);
      const { cpu, memoryGiB } = SIZES[size as keyof typeof SIZES];
      for (const t of types) {
        expect(shapeOf(t), t).toEqual({ cpu, memoryGiB });
        expect(alicloudArchitecture(t), t).toBe('x86_64');
      }
    },
  );

  it('tries only the named type when the config names one', () => {
    expect(alicloudCandidates('ecs.g8y.xlarge')).toEqual(['ecs.g8y.xlarge']);
    expect(alicloudCandidates('medium')).toBe(ALICLOUD_SIZE_TYPES.medium);
  });

  it('names every type tried in the sold-out error', () => {
    const msg = soldOutMessage('large', 'cn-hangzhou', ALICLOUD_SIZE_TYPES.large);
    for (const t of ALICLOUD_SIZE_TYPES.large) expect(msg).toContain(t);
    expect(msg).toContain('cn-hangzhou');
  });
});

/**
 * The choice is made by Terraform expressions at plan time, so it is tested with Terraform: the
 * stack's market locals, and a stand-in for the instance (its type, its vSwitch's zone and its
 * precondition), run against variables in place of the three data sources. Only Terraform's
 * built-in provider is needed, so this runs offline.
 */
const terraform = spawnSync('terraform', ['version'], { stdio: 'ignore' }).status === 0;
if (!terraform) process.stdout.write('SKIP market choice under Terraform: terraform is not on PATH\n');

interface Market {
  /** What `alicloud_instance_types` returns: types on sale and the zones that sell them. */
  offers: Array<{ id: string; availability_zones: string[] }>;
  /** What `alicloud_zones` returns: zones that take a vSwitch and ESSD disks. */
  vswitchZones: string[];
}
type Host = { type: string; zone: string };

/** The stack's choice of type and zone as a module of its own, data sources replaced by variables. */
function marketModule(tf: TfJson): string {
  const address = (type: string) => `data.${type}.${Object.keys(tf.data[type])[0]}`;
  const instance = only(tf, 'resource', 'alicloud_instance');
  const module = {
    variable: {
      offers: { type: 'list(object({ id = string, availability_zones = list(string) }))' },
      vswitch_zones: { type: 'list(string)' },
      hosts: { type: 'list(object({ instance_type = string, availability_zone = string }))' },
    },
    locals: tf.locals,
    resource: {
      terraform_data: {
        host: {
          input: { type: instance.instance_type, zone: only(tf, 'resource', 'alicloud_vswitch').zone_id },
          lifecycle: { precondition: instance.lifecycle.precondition },
        },
      },
    },
    output: { host: { value: `\${terraform_data.host.input}` } },
  };
  return JSON.stringify(module)
    .replaceAll(`${address('alicloud_instance_types')}.instance_types`, 'var.offers')
    .replaceAll(`${address('alicloud_zones')}.ids`, 'var.vswitch_zones')
    .replaceAll(`${address('alicloud_instances')}.instances`, 'var.hosts');
}

function stack(size: string): TfJson {
  return synthJson(
    'alicloud',
    specFromConfig({ ...baseConfig('alicloud'), instance: { size, diskGb: 300 } }, KEYS.rsa, 'alicloud'),
  );
}

describe.skipIf(!terraform)('the market choice under Terraform', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  /**
   * A Terraform working dir holding the market module of `size`. `running` is what
   * `alicloud_instances` finds: the host the last apply made, unless a test says otherwise.
   */
  function workspace(size: string) {
    const dir = mkdtempSync(join(tmpdir(), 'ckb-pool-market-'));
    dirs.push(dir);
    const env = {
      ...process.env,
      TF_CLI_CONFIG_FILE: '/dev/null',
      CHECKPOINT_DISABLE: '1',
      TF_IN_AUTOMATION: '1',
    };
    let running: Host[] = [];
    const run = (args: string[], market: Market) => {
      const hosts = running.map((h) => ({ instance_type: h.type, availability_zone: h.zone }));
      const vars = { offers: market.offers, vswitch_zones: market.vswitchZones, hosts };
      writeFileSync(join(dir, 'market.auto.tfvars.json'), JSON.stringify(vars));
      const r = spawnSync('terraform', [...args, '-input=false', '-no-color'], {
        cwd: dir,
        env,
        encoding: 'utf8',
      });
      return { ok: r.status === 0, out: `${r.stdout}${r.stderr}` };
    };
    const use = (s: string) => writeFileSync(join(dir, 'main.tf.json'), marketModule(stack(s)));
    use(size);
    const init = spawnSync('terraform', ['init', '-input=false', '-no-color'], {
      cwd: dir,
      env,
      encoding: 'utf8',
    });
    expect(init.status, init.stderr).toBe(0);
    /** `up`: applies, then the host runs with what was chosen. */
    const up = (market: Market): Host => {
      const r = run(['apply', '-auto-approve'], market);
      expect(r.ok, r.out).toBe(true);
      const out = spawnSync('terraform', ['output', '-json'], { cwd: dir, env, encoding: 'utf8' });
      const host = (JSON.parse(out.stdout) as { host: { value: Host } }).host.value;
      running = [host];
      return host;
    };
    return { run, up, use };
  }

  const zones = ['ap-southeast-1a', 'ap-southeast-1b', 'ap-southeast-1c'];
  const everywhere = (types: readonly string[]) => types.map((id) => ({ id, availability_zones: zones }));
  const [g7, g8i, g7a] = ALICLOUD_SIZE_TYPES.medium;

  it('gives a new host the first type on sale in a zone that takes a vSwitch, and that zone', {
    timeout: 60_000,
  }, () => {
    const w = workspace('medium');
    const host = w.up({
      // g7 is sold out (absent); g8i is only sold where no vSwitch can go; g7a in two zones.
      offers: [
        { id: g8i, availability_zones: ['ap-southeast-1c'] },
        { id: g7a, availability_zones: ['ap-southeast-1b', 'ap-southeast-1a'] },
        { id: 'ecs.r7.large', availability_zones: zones },
      ],
      vswitchZones: ['ap-southeast-1a', 'ap-southeast-1b'],
    });
    expect(host).toEqual({ type: g7a, zone: 'ap-southeast-1a' });
  });

  it('fails the plan of a new host, naming every type tried, when none is on sale', {
    timeout: 60_000,
  }, () => {
    const w = workspace('medium');
    const r = w.run(['plan'], { offers: everywhere(['ecs.r7.large']), vswitchZones: zones });
    expect(r.ok).toBe(false);
    expect(r.out).toContain('Resource precondition failed');
    for (const t of ALICLOUD_SIZE_TYPES.medium) expect(r.out).toContain(t);
    expect(r.out).toContain("size 'medium'");
  });

  it('keeps a running host’s type whatever the market does, and destroys with nothing on sale', {
    timeout: 90_000,
  }, () => {
    const w = workspace('medium');
    expect(
      w.up({ offers: [{ id: g8i, availability_zones: ['ap-southeast-1b'] }], vswitchZones: zones }),
    ).toEqual({
      type: g8i,
      zone: 'ap-southeast-1b',
    });
    // The preferred type is back on sale: the running host is not resized.
    const back = w.run(['plan', '-detailed-exitcode'], { offers: everywhere([g7]), vswitchZones: zones });
    expect(back.ok, back.out).toBe(true);
    expect(back.out).toContain('No changes');
    // Everything sold out: up still plans, and down still destroys.
    const empty: Market = { offers: [], vswitchZones: [] };
    const plan = w.run(['plan', '-detailed-exitcode'], empty);
    expect(plan.ok, plan.out).toBe(true);
    expect(plan.out).toContain('No changes');
    const down = w.run(['destroy', '-auto-approve'], empty);
    expect(down.ok, down.out).toBe(true);
    expect(down.out).toContain('Destroy complete! Resources: 1 destroyed');
  });

  it('resizes to the first type of the new size on sale in the host’s own zone', { timeout: 90_000 }, () => {
    const w = workspace('medium');
    const medium = w.up({ offers: everywhere(ALICLOUD_SIZE_TYPES.medium), vswitchZones: zones });
    expect(medium).toEqual({ type: g7, zone: 'ap-southeast-1a' });
    w.use('large');
    const [g7x, g8ix] = ALICLOUD_SIZE_TYPES.large;
    const large = w.up({
      offers: [
        { id: g7x, availability_zones: ['ap-southeast-1b'] },
        { id: g8ix, availability_zones: ['ap-southeast-1a'] },
      ],
      vswitchZones: zones,
    });
    expect(large).toEqual({ type: g8ix, zone: 'ap-southeast-1a' });
  });

  it('still destroys when the plan of up would fail (a new size with nothing on sale)', {
    timeout: 90_000,
  }, () => {
    const w = workspace('medium');
    w.up({ offers: everywhere(ALICLOUD_SIZE_TYPES.medium), vswitchZones: zones });
    w.use('large');
    const empty: Market = { offers: [], vswitchZones: [] };
    const plan = w.run(['plan'], empty);
    expect(plan.ok).toBe(false);
    expect(plan.out).toContain("size 'large'");
    const down = w.run(['destroy', '-auto-approve'], empty);
    expect(down.ok, down.out).toBe(true);
    expect(down.out).toContain('Destroy complete! Resources: 1 destroyed');
  });
});
