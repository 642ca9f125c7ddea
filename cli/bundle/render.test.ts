import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PoolMetrics } from 'ckb-pool/api/metrics';
import { PayoutMetrics } from 'ckb-pool/payouts/metrics';
import { parseConfig as parsePoolConfig } from 'ckb-pool/pool/config';
import { encodeAuthorityPubkey, generateAuthorityKeypair } from 'ckb-pool/sv2/noise/keys';
import { parseTranslatorConfig } from 'ckb-pool/translator/config';
import { TranslatorMetrics } from 'ckb-pool/translator/metrics';
import fc from 'fast-check';
import { parse as parseToml } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { PRIVATE_PORTS } from '../../stacks/spec.js';
import { configFor, FAKE_SECRETS } from '../../test/support/bundle-helpers.js';
import { MAINNET_ARGS } from '../../test/support/config-fixtures.js';
import { payoutLock } from '../config/address.js';
import { GRAFANA_PASSWORD_FILE } from '../config/secrets.js';
import type { PoolDeployConfig } from '../config/types.js';
import { POOL_MAINTENANCE_CAPS } from './compose.js';
import { NODE_METRIC, PAYOUT_METRIC, POOL_METRIC, TRANSLATOR_METRIC } from './metrics.js';
import { type BundleFile, MANIFEST, renderBundle, writeBundle } from './render.js';

const fileOf = (files: BundleFile[], path: string): string => {
  const f = files.find((x) => x.path === path);
  if (!f) throw new Error(`bundle has no ${path}`);
  return f.content;
};

interface ComposeService {
  ports?: string[];
  environment?: Record<string, string>;
  image: string;
  healthcheck?: { test: string[] };
  restart?: string;
  depends_on?: unknown;
  secrets?: string[];
  networks?: string[] | Record<string, unknown>;
  cap_drop?: string[];
  cap_add?: string[];
  security_opt?: string[];
  read_only?: boolean;
}

const composeOf = (files: BundleFile[]) =>
  parseYaml(fileOf(files, 'compose.yaml'), { version: '1.1' }) as {
    version: string;
    services: Record<string, ComposeService>;
    volumes: Record<string, unknown>;
    networks?: Record<string, unknown>;
    secrets?: Record<string, unknown>;
  };

/** Every published port as [host ip or '' for all interfaces, host port]. */
function publishedPorts(files: BundleFile[]): { service: string; ip: string; port: number }[] {
  const out: { service: string; ip: string; port: number }[] = [];
  for (const [service, s] of Object.entries(composeOf(files).services)) {
    for (const entry of s.ports ?? []) {
      expect(typeof entry).toBe('string');
      const parts = entry.split(':');
      if (parts.length === 3) out.push({ service, ip: parts[0], port: Number(parts[1]) });
      else if (parts.length === 2) out.push({ service, ip: '', port: Number(parts[0]) });
      else throw new Error(`unexpected ports entry ${entry} in ${service}`);
    }
  }
  return out;
}

describe.each(['mainnet', 'testnet'] as const)('the %s bundle', (chain) => {
  const files = renderBundle(configFor(chain), FAKE_SECRETS);

  it('matches its snapshot, file by file', () => {
    for (const f of files)
      expect(`${f.path} (mode ${f.mode.toString(8)})\n${f.content}`).toMatchSnapshot(f.path);
  });

  it('configures the node for the chain with the payout lock, Miner and Subscription', () => {
    const toml = parseToml(fileOf(files, 'ckb/ckb.toml')) as Record<string, Record<string, unknown>>;
    expect(toml.chain.spec).toEqual({ bundled: `specs/${chain}.toml` });
    const lock = payoutLock(configFor(chain).payoutAddress, chain);
    expect(toml.block_assembler).toMatchObject({
      code_hash: lock.codeHash,
      args: lock.args,
      hash_type: 'type',
    });
    expect(toml.block_assembler.notify).toEqual([`http://pool-notify:8888/${FAKE_SECRETS.notifySecret}`]);
    // Exactly what the pool calls: no Net, Pool, Experiment, Debug, Terminal…
    expect(toml.rpc.modules).toEqual(['Miner', 'Chain', 'Stats', 'Subscription']);
    expect(toml.rpc.tcp_listen_address).toBe('0.0.0.0:18114');
    expect(toml.network.listen_addresses).toEqual(['/ip4/0.0.0.0/tcp/8115']);
    expect((toml.network.bootnodes as string[]).length).toBeGreaterThan(0);
  });

  it('renders a pool.yaml the pool accepts, pointing at the bundle node', () => {
    const pool = parsePoolConfig(parseYaml(fileOf(files, 'pool/pool.yaml')), '/etc/ckb-pool');
    expect(pool.chain).toBe(chain);
    expect(pool.sv2.listen).toBe('0.0.0.0:3336');
    expect(pool.node.rpcUrl).toBe('http://ckb:8114');
    expect(pool.node.subscribeAddress).toBe('ckb:18114');
    expect(pool.node.notifyListen).toBe('pool-notify:8888');
    expect(pool.node.notifySecretFile).toBe('/run/secrets/notify-secret');
    // The pool refuses templates paying any other lock than the node's block assembler.
    const assembler = (
      parseToml(fileOf(files, 'ckb/ckb.toml')) as { block_assembler: Record<string, string> }
    ).block_assembler;
    expect(pool.node.payoutLock).toEqual({
      codeHash: assembler.code_hash,
      hashType: assembler.hash_type,
      args: assembler.args,
    });
    expect(pool.sv2.authorityKeyFile).toBe('/run/secrets/authority-secret');
  });

  it('renders a translator.yaml the translator accepts, pinned to the pool authority key', () => {
    const publicKey = encodeAuthorityPubkey(generateAuthorityKeypair().publicXonly);
    const real = renderBundle(configFor(chain), { ...FAKE_SECRETS, authorityPublicKey: publicKey });
    const t = parseTranslatorConfig(parseYaml(fileOf(real, 'pool/translator.yaml')));
    expect(t.chain).toBe(chain);
    expect(t.listen).toBe('0.0.0.0:3333');
    expect(t.upstreams).toEqual([`stratum2+tcp://pool:3336/${publicKey}`]);
    expect(t.metricsListen).toBe('0.0.0.0:9101');
  });

  it('publishes nothing but SV2, V1 and P2P on a public interface', () => {
    const ports = publishedPorts(files);
    const publicOnes = ports.filter((p) => p.ip !== '127.0.0.1');
    expect(publicOnes.map((p) => p.port).sort()).toEqual([3333, 3336, 8115]);
    expect(ports.some((p) => p.port === 8114 || p.port === 18114)).toBe(false);
  });

  it('hands every secret to its containers as a file, never in an environment variable', () => {
    const compose = composeOf(files);
    expect(compose.secrets).toEqual({
      'authority-secret': { file: './secrets/authority-secret' },
      'notify-secret': { file: './secrets/notify-secret' },
      'grafana-admin-password': { file: './secrets/grafana-admin-password' },
    });
    expect(compose.services.pool.secrets).toEqual(['authority-secret', 'notify-secret']);
    expect(compose.services.grafana.secrets).toEqual(['grafana-admin-password']);
    expect(compose.services.grafana.environment?.GF_SECURITY_ADMIN_PASSWORD__FILE).toBe(
      '/run/secrets/grafana-admin-password',
    );
    for (const [name, s] of Object.entries(compose.services)) {
      expect(
        Object.keys(s.environment ?? {}).filter((k) => /PASSWORD$|SECRET|KEY$/.test(k)),
        name,
      ).toEqual([]);
    }
    const secretFiles = files.filter((f) => f.path.startsWith('secrets/'));
    expect(secretFiles.map((f) => [f.path, f.content, f.mode])).toEqual([
      ['secrets/authority-secret', `${FAKE_SECRETS.authoritySecret}\n`, 0o444],
      ['secrets/grafana-admin-password', `${FAKE_SECRETS.grafanaAdminPassword}\n`, 0o444],
      ['secrets/notify-secret', `${FAKE_SECRETS.notifySecret}\n`, 0o444],
    ]);
    // The notify secret is also in the node's notify URL; nothing else names any secret.
    for (const f of files.filter((x) => !x.path.startsWith('secrets/'))) {
      expect(f.content, f.path).not.toContain(FAKE_SECRETS.authoritySecret);
      expect(f.content, f.path).not.toContain(FAKE_SECRETS.grafanaAdminPassword);
      if (f.path !== 'ckb/ckb.toml') expect(f.content, f.path).not.toContain(FAKE_SECRETS.notifySecret);
    }
  });

  it('runs every container without capabilities, privilege gain or a writable root filesystem', () => {
    for (const [name, s] of Object.entries(composeOf(files).services)) {
      expect(s.cap_drop, name).toEqual(['ALL']);
      // Only root's file capabilities in the pool service, for backup/restore's ledger program;
      // the pool process is not root, so they are never effective for it.
      expect(s.cap_add, name).toEqual(name === 'pool' ? POOL_MAINTENANCE_CAPS : undefined);
      expect(s.security_opt, name).toEqual(['no-new-privileges:true']);
      expect(s.read_only, name).toBe(true);
    }
  });

  it('has the pool sign its certificate for one year, which the pool accepts', () => {
    const pool = parsePoolConfig(parseYaml(fileOf(files, 'pool/pool.yaml')), '/etc/ckb-pool');
    expect(pool.sv2.certificateValiditySeconds).toBe(365 * 86_400);
  });

  it('puts the node and its notify listener on a network the translator is not on', () => {
    const { services, networks } = composeOf(files);
    expect(Object.keys(networks ?? {}).sort()).toEqual(['backend', 'ckb-node']);
    const on = (s: ComposeService) =>
      Array.isArray(s.networks) ? s.networks : Object.keys(s.networks ?? {});
    expect(on(services.ckb)).toEqual(['ckb-node']);
    expect(on(services.translator)).toEqual(['backend']);
    expect(on(services.pool).sort()).toEqual(['backend', 'ckb-node']);
    expect((services.pool.networks as Record<string, { aliases?: string[] }>)['ckb-node'].aliases).toEqual([
      'pool-notify',
    ]);
    const reachNode = Object.entries(services).filter(([, s]) => on(s).includes('ckb-node'));
    expect(reachNode.map(([n]) => n).sort()).toEqual(['ckb', 'pool', 'prometheus']);
  });

  it('gives every service a pinned image, a restart policy and a healthcheck', () => {
    const cfg = configFor(chain);
    const pinned = new Set(Object.values(cfg.images));
    for (const [name, s] of Object.entries(composeOf(files).services)) {
      expect(pinned.has(s.image), `${name} image ${s.image}`).toBe(true);
      expect(s.restart).toBe('unless-stopped');
      expect(s.healthcheck?.test[0]).toBe('CMD');
      expect(s.healthcheck?.test).not.toContain('curl');
    }
  });

  it('routes alerts to the webhook', () => {
    const am = parseYaml(fileOf(files, 'alertmanager/alertmanager.yml')) as {
      route: { receiver: string };
      receivers: { name: string; webhook_configs?: { url: string }[] }[];
    };
    const receiver = am.receivers.find((r) => r.name === am.route.receiver);
    expect(receiver?.webhook_configs?.[0].url).toBe('https://hooks.example.com/ckb-pool');
  });
});

/** `docker-compose` (v1) or `docker compose` (v2), whichever is installed, for the config check. */
const composeTool = ['docker-compose', 'docker'].find((t) => {
  try {
    execFileSync(t, t === 'docker' ? ['compose', 'version'] : ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
});
if (!composeTool)
  process.stdout.write(
    'SKIP docker-compose config check: neither docker-compose nor docker compose is installed\n',
  );

describe('a mainnet bundle', () => {
  it('contains no testnet or dev setting', () => {
    const all = renderBundle(configFor('mainnet'), FAKE_SECRETS)
      .map((f) => f.content)
      .join('\n');
    for (const bad of [
      /testnet/i,
      /ckt1/,
      /ckb_dev/,
      /specs\/dev/,
      /"Debug"/,
      /IntegrationTest/,
      /ba-advanced/,
      /Dummy/,
    ]) {
      expect(all).not.toMatch(bad);
    }
    expect(all).not.toMatch(/chain: dev\b/);
    expect(all).not.toMatch(/discovery_local_address = true/);
    expect(all).toContain('CKB_CHAIN: mainnet');
    // Testnet bootnodes listen on 8111; mainnet ones on 8114.
    expect(all).not.toMatch(/tcp\/8111\/p2p/);
  });
});

describe('port exposure over any config', () => {
  it('publishes only the configured SV2, V1 and P2P ports publicly, everything else on 127.0.0.1', () => {
    const portArb = fc.integer({ min: 1024, max: 65535 });
    fc.assert(
      fc.property(
        fc
          .uniqueArray(portArb, { minLength: 6, maxLength: 6 })
          .filter((xs) => !xs.some((x) => x === 8114 || PRIVATE_PORTS.includes(x))),
        fc.boolean(),
        fc.constantFrom('mainnet', 'testnet'),
        ([sv2, v1, p2p, api, prometheus, grafana], monitoring, chain) => {
          const cfg = configFor(chain as 'mainnet' | 'testnet', {
            ports: { sv2, v1, p2p, api, prometheus, grafana },
            monitoring: { enabled: monitoring },
          });
          const ports = publishedPorts(renderBundle(cfg, FAKE_SECRETS));
          const publicPorts = ports.filter((p) => p.ip !== '127.0.0.1').map((p) => p.port);
          expect(publicPorts.sort((a, b) => a - b)).toEqual([sv2, v1, p2p].sort((a, b) => a - b));
          for (const p of ports.filter((x) => x.ip !== '')) expect(p.ip).toBe('127.0.0.1');
        },
      ),
      { numRuns: 50 },
    );
  });
});

describe('compose compatibility', () => {
  const files = renderBundle(configFor('mainnet'), FAKE_SECRETS);
  const compose = composeOf(files);

  it('uses file format 3.8 and nothing docker-compose 1.29 lacks', () => {
    expect(compose.version).toBe('3.8');
    const text = fileOf(files, 'compose.yaml');
    expect(Object.keys(parseYaml(text) as object).sort()).toEqual([
      'networks',
      'secrets',
      'services',
      'version',
      'volumes',
    ]);
    for (const s of Object.values(compose.services)) {
      // Long-form depends_on (conditions) is not in the 3.x format.
      if (s.depends_on !== undefined) expect(Array.isArray(s.depends_on)).toBe(true);
      // Short-form secrets only: uid/gid/mode apply in swarm mode alone (a bind mount keeps the
      // file's own), and 1.29 warns about them.
      for (const x of s.secrets ?? []) expect(typeof x).toBe('string');
    }
    // File secrets (bind mounts) work without swarm in both composes; external ones do not.
    for (const secret of Object.values(compose.secrets ?? {}))
      expect(Object.keys(secret as object)).toEqual(['file']);
    expect(text).not.toMatch(/^\s+(profiles|develop|configs|deploy|include):/m);
  });

  it('quotes every string a YAML 1.1 reader would turn into a number or boolean', () => {
    const text = fileOf(files, 'compose.yaml');
    // PyYAML (compose 1.29) reads unquoted 1:2 digit pairs below 60 as base-60 numbers.
    expect(text).not.toMatch(/^\s+- \d{1,2}:[0-5]?\d$/m);
    expect(text).not.toMatch(/: (yes|no|on|off|y|n)$/im);
  });

  it.skipIf(!composeTool)('is accepted by `docker-compose config`', () => {
    const tool = composeTool as string;
    const dir = mkdtempSync(join(tmpdir(), 'bundle-'));
    writeBundle(join(dir, 'b'), files);
    const args = tool === 'docker' ? ['compose', 'config', '-q'] : ['config', '-q'];
    execFileSync(tool, args, { cwd: join(dir, 'b'), stdio: 'pipe' });
  });
});

describe('metric names', () => {
  it('are all exported by the pool', async () => {
    const names = new Set((await new PoolMetrics().registry.getMetricsAsJSON()).map((m) => m.name));
    for (const name of Object.values(POOL_METRIC)) expect(names.has(name), name).toBe(true);
  });

  it('are all exported by the payout engine on the pool registry', async () => {
    const pool = new PoolMetrics();
    new PayoutMetrics(pool.registry);
    const names = new Set((await pool.registry.getMetricsAsJSON()).map((m) => m.name));
    for (const name of Object.values(PAYOUT_METRIC)) expect(names.has(name), name).toBe(true);
  });

  it('are all exported by the translator', async () => {
    const names = new Set((await new TranslatorMetrics().registry.getMetricsAsJSON()).map((m) => m.name));
    for (const name of Object.values(TRANSLATOR_METRIC)) expect(names.has(name), name).toBe(true);
  });

  it('used in alerts and dashboards come from metrics.ts', () => {
    const files = renderBundle(configFor('mainnet'), FAKE_SECRETS);
    const text = files
      .filter((f) => f.path.startsWith('prometheus/alerts') || f.path.startsWith('grafana/dashboards'))
      .map((f) => f.content)
      .join('\n');
    const known = new Set<string>([
      ...Object.values(POOL_METRIC),
      ...Object.values(PAYOUT_METRIC),
      ...Object.values(TRANSLATOR_METRIC),
      ...Object.values(NODE_METRIC),
    ]);
    for (const m of text.match(/\bckb_[a-z0-9_]+/g) ?? []) {
      expect(known.has(m.replace(/_bucket$/, '')), m).toBe(true);
    }
  });
});

describe('monitoring off', () => {
  it('renders no monitoring services, files or passwords', () => {
    const files = renderBundle(configFor('mainnet', { monitoring: { enabled: false } }), FAKE_SECRETS);
    expect(Object.keys(composeOf(files).services).sort()).toEqual(['ckb', 'pool', 'translator']);
    expect(files.some((f) => f.path.startsWith('grafana/') || f.path.startsWith('prometheus/'))).toBe(false);
    expect(files.some((f) => f.path === 'secrets/grafana-admin-password')).toBe(false);
    expect(Object.keys(composeOf(files).secrets ?? {})).not.toContain('grafana-admin-password');
  });
});

describe('writeBundle', () => {
  it('is deterministic, sets modes, and removes files a re-render no longer has', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'bundle-')), 'out');
    const cfg: PoolDeployConfig = configFor('mainnet');
    const files = renderBundle(cfg, FAKE_SECRETS);
    expect(renderBundle(cfg, FAKE_SECRETS)).toEqual(files);
    writeBundle(dir, files);
    expect(statSync(join(dir, '.env')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'secrets')).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'secrets/authority-secret')).mode & 0o777).toBe(0o444);
    // A second render replaces the read-only secret files instead of failing on them.
    writeBundle(dir, renderBundle(cfg, { ...FAKE_SECRETS, notifySecret: 'ANOTHER-NOTIFY-SECRET' }));
    expect(readFileSync(join(dir, 'secrets/notify-secret'), 'utf8')).toBe('ANOTHER-NOTIFY-SECRET\n');
    expect(readFileSync(join(dir, 'ckb/ckb.toml'), 'utf8')).toContain(MAINNET_ARGS);
    expect(existsSync(join(dir, MANIFEST))).toBe(true);
    writeBundle(dir, renderBundle({ ...cfg, monitoring: { enabled: false } }, FAKE_SECRETS));
    expect(existsSync(join(dir, 'prometheus/prometheus.yml'))).toBe(false);
    expect(existsSync(join(dir, 'compose.yaml'))).toBe(true);
  });

  it('refuses a non-empty folder that is not a bundle', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bundle-'));
    writeFileSync(join(dir, GRAFANA_PASSWORD_FILE), 'x');
    expect(() => writeBundle(dir, renderBundle(configFor('mainnet'), FAKE_SECRETS))).toThrow(/not empty/);
  });
});
