import { parseConfig as parsePoolConfig } from 'ckb-pool/pool/config';
import { parse as parseToml } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { CLUSTER_PORT as STACK_PORTS } from '../../stacks/cluster.js';
import { configFor, FAKE_SECRETS } from '../../test/support/bundle-helpers.js';
import { CLUSTER_PORT, type ClusterAddresses, LEDGER_PASSWORD_SECRET, renderHostBundle } from './hosts.js';
import { JOB } from './metrics.js';
import type { BundleFile } from './render.js';

const ADDR: ClusterAddresses = {
  nodePrivateIp: '10.42.1.10',
  poolPrivateIps: ['10.42.1.20', '10.42.1.21'],
  databaseHost: 'ckb-pool-ledger.abc.eu-central-1.rds.amazonaws.com',
  database: 'rds',
};
const PASSWORD = 'FAKE-LEDGER-PASSWORD';
const config = configFor('mainnet', { pool: { hosts: 2 } });
const text = (files: BundleFile[], path: string) => {
  const f = files.find((x) => x.path === path);
  if (!f) throw new Error(`${path} is not in the bundle`);
  return f.content;
};
// biome-ignore lint/suspicious/noExplicitAny: compose is walked freely in tests
const compose = (files: BundleFile[]): any => parseYaml(text(files, 'compose.yaml'));
const paths = (files: BundleFile[]) => files.map((f) => f.path);

describe('the node host of several pool hosts', () => {
  const files = renderHostBundle(config, FAKE_SECRETS, ADDR, PASSWORD, { kind: 'node' });
  const c = compose(files);

  it('runs the node and monitoring, not the pool, and holds no pool secret', () => {
    expect(Object.keys(c.services).sort()).toEqual(
      ['alertmanager', 'ckb', 'grafana', 'node-exporter', 'prometheus'].sort(),
    );
    expect(paths(files).filter((p) => p.startsWith('pool/'))).toEqual([]);
    expect(paths(files)).not.toContain('secrets/authority-secret');
    expect(paths(files)).not.toContain(`secrets/${LEDGER_PASSWORD_SECRET}`); // RDS holds the ledger
  });

  it('publishes RPC and subscribe on its private address only, P2P publicly', () => {
    expect(c.services.ckb.ports).toEqual(['8115:8115', '10.42.1.10:8114:8114', '10.42.1.10:18114:18114']);
  });

  it('notifies every pool host and scrapes each one', () => {
    const toml = parseToml(text(files, 'ckb/ckb.toml')) as { block_assembler: { notify: string[] } };
    expect(toml.block_assembler.notify).toEqual([
      'http://10.42.1.20:8888/FAKE-NOTIFY-SECRET',
      'http://10.42.1.21:8888/FAKE-NOTIFY-SECRET',
    ]);
    const prom = parseYaml(text(files, 'prometheus/prometheus.yml')) as {
      scrape_configs: Array<{ job_name: string; static_configs: Array<{ targets: string[] }> }>;
    };
    const job = (name: string) =>
      prom.scrape_configs.find((j) => j.job_name === name)?.static_configs[0].targets;
    expect(job(JOB.pool)).toEqual(['10.42.1.20:9100', '10.42.1.21:9100']);
    expect(job(JOB.translator)).toEqual(['10.42.1.20:9101', '10.42.1.21:9101']);
  });

  it('runs PostgreSQL with a password file on its private address when the ledger lives there', () => {
    const local = { ...ADDR, database: 'node' as const, databaseHost: ADDR.nodePrivateIp };
    const withDb = renderHostBundle(config, FAKE_SECRETS, local, PASSWORD, { kind: 'node' });
    const pg = compose(withDb).services.postgres;
    expect(pg.ports).toEqual(['10.42.1.10:5432:5432']);
    expect(pg.environment.POSTGRES_PASSWORD_FILE).toBe(`/run/secrets/${LEDGER_PASSWORD_SECRET}`);
    expect(JSON.stringify(pg)).not.toContain(PASSWORD);
    expect(text(withDb, `secrets/${LEDGER_PASSWORD_SECRET}`)).toBe(`${PASSWORD}\n`);
    expect(pg.user).toBe('999:999');
  });
});

describe.each([0, 1])('pool host %i of two', (index) => {
  const files = renderHostBundle(config, FAKE_SECRETS, ADDR, PASSWORD, { kind: 'pool', index });
  const c = compose(files);
  const pool = parsePoolConfig(parseYaml(text(files, 'pool/pool.yaml')), '/etc/ckb-pool');

  it('runs the pool and the translator only', () => {
    expect(Object.keys(c.services).sort()).toEqual(['pool', 'translator']);
    expect(paths(files).filter((p) => /^(ckb|prometheus|grafana|alertmanager)\//.test(p))).toEqual([]);
  });

  it('takes its own instance id, so extranonce prefixes never collide', () => {
    expect(pool.sv2.instanceId).toBe(index);
  });

  it('uses the node over the private network and the shared PostgreSQL ledger with a password file', () => {
    expect(pool.node.rpcUrl).toBe('http://10.42.1.10:8114');
    expect(pool.node.subscribeAddress).toBe('10.42.1.10:18114');
    expect(pool.ledger.url).toBe(
      'postgres://ckbpool@ckb-pool-ledger.abc.eu-central-1.rds.amazonaws.com:5432/ckbpool?sslmode=no-verify',
    );
    expect(pool.ledger.passwordFile).toBe(`/run/secrets/${LEDGER_PASSWORD_SECRET}`);
    expect(c.services.pool.secrets).toContain(LEDGER_PASSWORD_SECRET);
    expect(text(files, `secrets/${LEDGER_PASSWORD_SECRET}`)).toBe(`${PASSWORD}\n`);
    expect(text(files, 'compose.yaml')).not.toContain(PASSWORD);
  });

  it('serves miners on SV2 and V1 and the node and Prometheus on its private address', () => {
    const ip = ADDR.poolPrivateIps[index];
    expect(c.services.pool.ports).toEqual([
      '3336:3336',
      '127.0.0.1:8080:9100',
      '127.0.0.1:8081:9102',
      `${ip}:8888:8888`,
      `${ip}:9100:9100`,
    ]);
    expect(c.services.translator.ports).toEqual(['3333:3333', `${ip}:9101:9101`]);
  });
});

describe('renderHostBundle', () => {
  it('publishes exactly the private ports the stacks open between the hosts', () => {
    expect(CLUSTER_PORT).toEqual(STACK_PORTS);
  });

  it('refuses addresses that do not match pool.hosts, and a password that is not one line', () => {
    const one = { ...ADDR, poolPrivateIps: ['10.42.1.20'] };
    expect(() => renderHostBundle(config, FAKE_SECRETS, one, PASSWORD, { kind: 'node' })).toThrow(
      /pool.hosts is 2/,
    );
    expect(() => renderHostBundle(config, FAKE_SECRETS, ADDR, 'a\nb', { kind: 'node' })).toThrow(
      /one non-empty line/,
    );
  });

  it('renders each host the same bytes every time', () => {
    for (const part of [{ kind: 'node' } as const, { kind: 'pool', index: 1 } as const]) {
      expect(renderHostBundle(config, FAKE_SECRETS, ADDR, PASSWORD, part)).toEqual(
        renderHostBundle(config, FAKE_SECRETS, ADDR, PASSWORD, part),
      );
    }
  });
});
