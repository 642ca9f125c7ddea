import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parse as parseToml } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { renderBundle } from '../../cli/bundle/render.js';
import { payoutLock } from '../../cli/config/address.js';
import { DEFAULT_IMAGES } from '../../cli/config/fields.js';
import { compactToDifficulty, difficultyToCompact } from '../../pool/src/ckb/target.js';
import { serializeCellbaseWitness } from '../../pool/src/ckb/transaction.js';
import { configFor, FAKE_SECRETS } from '../../test/support/bundle-helpers.js';
import {
  cellbaseLock,
  DEV_COMPACT_TARGET,
  DEV_SPEC_PATH,
  dashboardDatasources,
  dashboardProblems,
  devChainSpec,
  devCkbToml,
  dsQuery,
  dsQueryError,
  GRAFANA_PASSWORD_FILE,
  imagesToPull,
  MAINNET_PAYOUT,
  type ProvisionedDashboard,
  pullFailure,
  realNodeOverride,
  setTomlValue,
} from './real-node.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const DEV_SPEC = `${root}../shared/reference/ckb/ckb-v0.205.0-specs-dev.toml`;
const haveDevSpec = existsSync(DEV_SPEC);
if (!haveDevSpec)
  console.log(`SKIP dev chain spec tests: ${DEV_SPEC} is absent (../shared not beside the project)`);

const bundle = (chain: 'mainnet' | 'testnet') =>
  Object.fromEntries(renderBundle(configFor(chain), FAKE_SECRETS).map((f) => [f.path, f.content]));

describe('the dev chain spec the real node runs', () => {
  it.skipIf(!haveDevSpec)(
    "is the pinned node's dev spec with Eaglesong PoW, difficulty 2^20 and a fresh genesis",
    () => {
      const template = readFileSync(DEV_SPEC, 'utf8');
      const spec = devChainSpec(template, { chain: 'mainnet', timestampMs: 1_765_000_000_000 });
      const parsed = parseToml(spec, { integersAsBigInt: 'asNeeded' }) as {
        name: string;
        pow: { func: string };
        genesis: { compact_target: number; timestamp: number };
      };
      expect(parsed.name).toBe('ckb_dev');
      expect(parsed.pow.func).toBe('Eaglesong');
      expect(parsed.genesis.compact_target).toBe(DEV_COMPACT_TARGET);
      expect(parsed.genesis.timestamp).toBe(1_765_000_000_000);
      // Nothing else moved: the three edited lines and the CI header are the only differences.
      const before = template.split('\n');
      const after = spec.split('\n').slice(1);
      expect(after).toHaveLength(before.length);
      const changed = before.filter((line, i) => line !== after[i]);
      expect(changed.map((l) => l.split('=')[0].trim()).sort()).toEqual([
        'compact_target',
        'func',
        'timestamp',
      ]);
    },
  );

  it.skipIf(!haveDevSpec)('uses the engine the pool of a testnet bundle checks (Eaglesong + blake2b)', () => {
    const spec = devChainSpec(readFileSync(DEV_SPEC, 'utf8'), { chain: 'testnet', timestampMs: 1 });
    expect(spec).toMatch(/^\[pow\]\nfunc = "EaglesongBlake2b"$/m);
  });

  it('has a genesis difficulty of 2^20 hashes, in the form the node itself writes', () => {
    expect(compactToDifficulty(DEV_COMPACT_TARGET)).toBe(2n ** 20n);
    expect(difficultyToCompact(2n ** 20n)).toBe(DEV_COMPACT_TARGET);
  });

  it('refuses a spec that is not the dev chain, or a missing timestamp', () => {
    const testnet =
      'name = "ckb_testnet"\n[genesis]\ntimestamp = 0\ncompact_target = 0x1\n[pow]\nfunc = "EaglesongBlake2b"\n';
    expect(() => devChainSpec(testnet, { chain: 'mainnet', timestampMs: 1 })).toThrow(/not a dev chain spec/);
    const dev = testnet.replace('ckb_testnet', 'ckb_dev');
    expect(() => devChainSpec(dev, { chain: 'mainnet', timestampMs: Number.NaN })).toThrow(/timestamp/);
    expect(() => devChainSpec(dev, { chain: 'dev', timestampMs: 1 })).toThrow(
      /no PoW engine for chain 'dev'/,
    );
  });
});

describe('editing one key of a TOML section', () => {
  const text = '[genesis]\ntimestamp = 0\n\n[genesis.genesis_cell]\ntimestamp = 5\n[pow]\nfunc = "Dummy"\n';

  it('changes the key in that section only, leaving same-named keys of other sections alone', () => {
    const out = setTomlValue(text, 'genesis', 'timestamp', '42');
    expect(out).toBe(text.replace('timestamp = 0', 'timestamp = 42'));
  });

  it('fails loudly when the section or the key is missing', () => {
    expect(() => setTomlValue(text, 'params', 'x', '1')).toThrow(/no \[params\] section/);
    expect(() => setTomlValue(text, 'pow', 'timestamp', '1')).toThrow(/\[pow\] section has no 'timestamp'/);
  });
});

describe('the ckb.toml of the real-node run', () => {
  it('is the rendered one on the dev spec, without bootnodes, every other key as rendered', () => {
    const rendered = bundle('mainnet')['ckb/ckb.toml'];
    const dev = parseToml(devCkbToml(rendered)) as Record<string, Record<string, unknown>>;
    const original = parseToml(rendered) as Record<string, Record<string, unknown>>;
    expect(dev.chain.spec).toEqual({ file: DEV_SPEC_PATH });
    expect(dev.network.bootnodes).toEqual([]);
    expect((original.network.bootnodes as string[]).length).toBeGreaterThan(0);
    for (const section of ['rpc', 'block_assembler', 'tx_pool', 'metrics']) {
      expect(dev[section], section).toEqual(original[section]);
    }
    expect({ ...dev.network, bootnodes: original.network.bootnodes }).toEqual(original.network);
  });

  it('pays the mainnet address the e2e renders with', () => {
    expect(payoutLock(MAINNET_PAYOUT, 'mainnet').args).toMatch(/^0x[0-9a-f]{40}$/);
  });
});

describe("reading whom a block's cellbase pays", () => {
  const VECTORS = `${root}../shared/reference/ckb/block-template-vectors.json`;

  it.skipIf(!existsSync(VECTORS))('reads the lock of a real cellbase witness (block-template vector)', () => {
    const vectors = JSON.parse(readFileSync(VECTORS, 'utf8'));
    const cellbase = vectors.templates[0].template.cellbase.data;
    expect(cellbaseLock(cellbase.witnesses[0])).toEqual({
      code_hash: '0x9bd7e06f3ecf4be0f2fcd2188b23f1b9fcc88e5d4b65a8637b17723bbda3cce8',
      hash_type: 'type',
      args: '0xc8328aabcd9b9e8e64fbc566c4385c3bdeb219d7',
    });
  });

  it("reads what the pool's own CellbaseWitness encoder writes, any hash type and message", () => {
    const args = Buffer.from('b39bbc0b3673c7d36450bc14cfcdad2d559c6c64', 'hex');
    const codeHash = new Uint8Array(32).fill(7);
    const witness = serializeCellbaseWitness({
      lock: { codeHash, hashType: 'data1', args },
      message: Buffer.from('ckb-pool e2e'),
    });
    expect(cellbaseLock(`0x${Buffer.from(witness).toString('hex')}`)).toEqual({
      code_hash: `0x${'07'.repeat(32)}`,
      hash_type: 'data1',
      args: `0x${args.toString('hex')}`,
    });
  });

  it('refuses bytes that are not a CellbaseWitness', () => {
    expect(() => cellbaseLock('0x')).toThrow(/not a CellbaseWitness/);
    expect(() => cellbaseLock(`0x${'00'.repeat(40)}`)).toThrow(/not a CellbaseWitness/);
  });
});

describe('the compose override of the real-node run', () => {
  const compose = parseYaml(bundle('mainnet')['compose.yaml']);

  it('replaces the mounted ckb.toml and adds the spec, keeping the chain data volume', () => {
    const override = realNodeOverride(compose);
    // Compose merges volumes by container path: the merged list the node runs with.
    const merged = new Map<string, string>();
    for (const v of [...compose.services.ckb.volumes, ...override.services.ckb.volumes] as string[])
      merged.set(v.split(':')[1], v);
    expect(merged.get('/var/lib/ckb/ckb.toml')).toBe('./ci-real-node/ckb.toml:/var/lib/ckb/ckb.toml:ro');
    expect(merged.get(`/var/lib/ckb/${DEV_SPEC_PATH}`)).toBe(
      './ci-real-node/dev.toml:/var/lib/ckb/specs/dev.toml:ro',
    );
    expect(merged.get('/var/lib/ckb')).toBe('ckb-data:/var/lib/ckb');
    expect(Object.keys(override.services)).toEqual(['ckb']);
  });

  it('refuses a bundle whose node does not mount ckb.toml where the override expects it', () => {
    expect(() => realNodeOverride({ services: { ckb: { volumes: ['ckb-data:/data'] } } })).toThrow(
      /does not mount \/var\/lib\/ckb\/ckb.toml/,
    );
  });
});

describe('the images the real-node run pulls', () => {
  it('are every pinned default but the pool (built from this commit), the node first, plus the Node base', () => {
    const images = imagesToPull({ ...DEFAULT_IMAGES }, 'node:22-bookworm-slim');
    expect(images[0]).toBe(DEFAULT_IMAGES.ckb);
    expect(images).not.toContain(DEFAULT_IMAGES.pool);
    expect([...images].sort()).toEqual(
      [
        DEFAULT_IMAGES.ckb,
        DEFAULT_IMAGES.prometheus,
        DEFAULT_IMAGES.alertmanager,
        DEFAULT_IMAGES.grafana,
        DEFAULT_IMAGES.nodeExporter,
        'node:22-bookworm-slim',
      ].sort(),
    );
  });

  it('fail with a message naming each image, its last error line, and what the run needs', () => {
    const err = pullFailure([
      {
        image: 'nervos/ckb:v0.205.0',
        output: 'Pulling\nError response from daemon: dial tcp: i/o timeout\n',
      },
    ]);
    expect(err.message).toContain('nervos/ckb:v0.205.0: Error response from daemon: dial tcp: i/o timeout');
    expect(err.message).toMatch(/needs Docker Hub/);
    expect(err.message).toContain('ci/docker-e2e.mjs');
  });
});

describe("the checks on Grafana's API", () => {
  const files = bundle('mainnet');
  const provisioned: ProvisionedDashboard[] = Object.entries(files)
    .filter(([p]) => p.startsWith('grafana/dashboards/'))
    .map(([p, c]) => ({ file: p.split('/').pop() as string, ...JSON.parse(c) }));
  const served = () => ({
    search: provisioned.map((d) => ({ uid: d.uid, title: d.title })),
    loaded: Object.fromEntries(
      provisioned.map((d) => [d.uid, { meta: { provisioned: true }, dashboard: structuredClone(d) }]),
    ),
  });

  it('read the admin password from the secret file the bundle mounts into Grafana', () => {
    expect(files[GRAFANA_PASSWORD_FILE]?.trim()).toBe(FAKE_SECRETS.grafanaAdminPassword);
  });

  it('pass when Grafana serves every provisioned dashboard as provisioned, with all its panels', () => {
    expect(provisioned.length).toBeGreaterThan(0);
    const { search, loaded } = served();
    expect(dashboardProblems(provisioned, search, loaded)).toEqual([]);
  });

  it('name a dashboard Grafana does not list, failed to load, lost panels of, or did not provision', () => {
    const [first, second, third] = provisioned;
    const { search, loaded } = served();
    const loadedWithFaults = {
      ...loaded,
      [second.uid]: null,
      [third.uid]: { meta: { provisioned: false }, dashboard: { ...third, panels: third.panels.slice(1) } },
    };
    const problems = dashboardProblems(
      provisioned,
      search.filter((s) => s.uid !== first.uid),
      loadedWithFaults,
    );
    expect(problems).toEqual([
      `${first.file}: Grafana lists no dashboard with uid ${first.uid}`,
      `${second.file}: GET /api/dashboards/uid/${second.uid} failed`,
      `${third.file}: Grafana does not mark ${third.uid} as provisioned`,
      expect.stringMatching(new RegExp(`^${third.file}: Grafana shows \\d+ panels, the file has \\d+$`)),
    ]);
  });

  it('check the datasource the bundle provisions, which is the one every panel names', () => {
    const ds = parseYaml(files['grafana/provisioning/datasources/prometheus.yml']).datasources;
    const uids = new Set(provisioned.flatMap((d) => dashboardDatasources(d)));
    expect([...uids]).toEqual(ds.map((d: { uid: string }) => d.uid));
  });

  it('send each panel query to /api/ds/query for a time range, and read its errors', () => {
    const body = dsQuery('prometheus', 'up', { nowMs: 1_000_000_000 });
    expect(body.queries[0]).toMatchObject({ refId: 'A', expr: 'up', datasource: { uid: 'prometheus' } });
    expect(Number(body.to) - Number(body.from)).toBe(15 * 60_000);
    expect(dsQueryError(200, { results: { A: { status: 200, frames: [] } } })).toBeNull();
    expect(dsQueryError(400, { results: { A: { error: 'bad_data: parse error', status: 400 } } })).toBe(
      'bad_data: parse error',
    );
    expect(dsQueryError(500, { message: 'Query data error' })).toBe('HTTP 500: Query data error');
    expect(dsQueryError(200, { results: {} })).toBe('no result for refId A');
  });
});

describe('ci/real-node-e2e.mjs', () => {
  const script = `${root}ci/real-node-e2e.mjs`;

  it('explains itself with --help: what it runs, and that it needs Docker Hub', () => {
    const out = execFileSync(process.execPath, [script, '--help'], { encoding: 'utf8' });
    expect(out).toMatch(/^Usage: node ci\/real-node-e2e\.mjs/);
    expect(out).toContain('func = "Eaglesong"');
    expect(out).toMatch(/Docker Hub/);
    expect(out).toContain('--keep');
  });

  // Docker Hub is out of reach here, and the Docker engine belongs to other tests: a stand-in
  // `docker` answers like an engine whose registry is unreachable, and logs every call.
  it('stops before any pull, naming the registry, when Docker Hub is out of reach', () => {
    const dir = mkdtempSync(join(tmpdir(), 'real-node-e2e-test-'));
    try {
      // Out of reach wherever this runs (CircleCI reaches Docker Hub): every fetch in the
      // script's node processes fails as a failed DNS lookup does.
      const offline = join(dir, 'offline.mjs');
      writeFileSync(
        offline,
        "globalThis.fetch = async () => { throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ENOTFOUND' } }); };\n",
      );
      const log = join(dir, 'docker.log');
      writeFileSync(
        join(dir, 'docker'),
        `#!/bin/sh
echo "$*" >> "${log}"
case "$1" in
  info) echo 27.5.1 ;;
  compose) echo "Docker Compose version v2.32.4" ;;
  pull) echo "Error response from daemon: Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io: no such host" >&2; exit 1 ;;
  *) exit 99 ;;
esac
`,
      );
      chmodSync(join(dir, 'docker'), 0o755);
      const run = spawnSync(process.execPath, [script], {
        encoding: 'utf8',
        env: {
          ...process.env,
          PATH: `${dir}:${process.env.PATH}`,
          TMPDIR: dir,
          NODE_OPTIONS: `--import ${pathToFileURL(offline).href}`,
        },
        timeout: 120_000,
      });
      expect(run.status).toBe(1);
      // `image pin` asks Docker Hub for the digests first: without it the run stops there,
      // before any pull, build or start, naming the registry that did not answer.
      expect(run.stdout).toMatch(/✖ init --yes \+ render a mainnet bundle FAILED .*image pin left ckb, /);
      expect(run.stdout).toMatch(/this test needs Docker Hub/);
      expect(run.stdout).toMatch(/unpinned images\.ckb: .*did not answer/);
      const calls = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : [];
      expect(calls.filter((c) => /^(pull|build|run|compose up|image)/.test(c))).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('rejects an unknown option with the usage, before touching Docker', () => {
    const run = spawnSync(process.execPath, [script, '--bogus'], { encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/Unknown option '--bogus'[\s\S]*Usage:/);
  });
});
