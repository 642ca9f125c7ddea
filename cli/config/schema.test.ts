import { mkdtempSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { parse } from 'yaml';
import { MAINNET_ADDRESS, TESTNET_ADDRESS } from '../../test/support/config-fixtures.js';
import { cidrProblem } from './kinds.js';
import {
  ConfigError,
  configToYaml,
  DEFAULT_IMAGES,
  FIELD_LIST,
  loadConfig,
  type PoolDeployConfig,
  parseConfig,
} from './schema.js';

function problemsOf(raw: unknown): Record<string, string> {
  try {
    parseConfig(raw);
  } catch (e) {
    if (e instanceof ConfigError) return Object.fromEntries(e.problems.map((p) => [p.path, p.message]));
    throw e;
  }
  return {};
}

describe('parseConfig', () => {
  it('fills every default from a minimal local config', () => {
    const c = parseConfig({ payoutAddress: MAINNET_ADDRESS });
    expect(c.chain).toBe('mainnet');
    expect(c.cloud).toBe('local');
    expect(c.ports).toEqual({
      sv2: 3336,
      v1: 3333,
      p2p: 8115,
      api: 8080,
      prometheus: 9090,
      grafana: 3000,
      web: 8081,
    });
    expect(c.web).toEqual({ public: false });
    // Solo mode unless asked: the pool pays nobody and needs no wallet.
    expect(c.payouts).toEqual({
      enabled: false,
      threshold: 100,
      feePercent: 1,
      intervalMinutes: 60,
      maxFeeRate: 10_000,
      confirmations: 24,
    });
    expect(c.publicCidrs).toEqual(['0.0.0.0/0']);
    expect(c.images).toEqual({ ...DEFAULT_IMAGES, translator: DEFAULT_IMAGES.pool });
    expect(c.images.ckb).toBe('nervos/ckb:v0.205.0');
    expect(c.monitoring.enabled).toBe(true);
    expect(c.instance.diskGb).toBe(300);
    expect(c.state).toEqual({ backend: 'local' });
  });

  it('needs the operator address of the chain when payouts are on, and a threshold of at least 61 CKB', () => {
    const on = { payoutAddress: MAINNET_ADDRESS, payouts: { enabled: true } };
    expect(problemsOf(on)['payouts.operatorAddress']).toMatch(/required/);
    expect(
      problemsOf({ ...on, payouts: { enabled: true, operatorAddress: TESTNET_ADDRESS } })[
        'payouts.operatorAddress'
      ],
    ).toMatch(/testnet address but chain is mainnet/);
    expect(problemsOf({ ...on, payouts: { threshold: 60 } })['payouts.threshold']).toMatch(/61/);
    expect(problemsOf({ payoutAddress: MAINNET_ADDRESS, ports: { web: 8114 } })['ports.web']).toMatch(/RPC/);
    expect(problemsOf({ payoutAddress: MAINNET_ADDRESS, ports: { web: 3336 } })['ports.web']).toMatch(
      /ports.sv2/,
    );
  });

  it('derives chain- and cloud-dependent defaults', () => {
    const c = parseConfig({
      chain: 'testnet',
      payoutAddress: TESTNET_ADDRESS,
      cloud: 'alicloud',
      region: 'cn-hongkong',
      adminCidrs: ['198.51.100.0/24'],
      state: { backend: 'oss', bucket: 'my-state' },
    });
    expect(c.instance).toEqual({ size: 'ecs.g7.large', diskGb: 150 });
    expect(c.state).toEqual({
      backend: 'oss',
      bucket: 'my-state',
      key: 'ckb-pool/terraform.tfstate',
      region: 'cn-hongkong',
    });
  });

  it('runs one pool host unless told otherwise, and several only on a cloud VM', () => {
    expect(parseConfig({ payoutAddress: MAINNET_ADDRESS }).pool.hosts).toBe(1);
    const cloud = { cloud: 'aws', region: 'us-east-1', adminCidrs: ['198.51.100.0/24'] };
    expect(parseConfig({ payoutAddress: MAINNET_ADDRESS, ...cloud, pool: { hosts: 3 } }).pool.hosts).toBe(3);
    expect(problemsOf({ payoutAddress: MAINNET_ADDRESS, pool: { hosts: 2 } })['pool.hosts']).toMatch(
      /need cloud: aws or alicloud/,
    );
    expect(
      problemsOf({ payoutAddress: MAINNET_ADDRESS, ...cloud, pool: { hosts: 0 } })['pool.hosts'],
    ).toBeDefined();
  });

  it('requires a payout address and names the init flag', () => {
    expect(problemsOf({})).toEqual({ payoutAddress: expect.stringMatching(/required.*--payout-address/) });
  });

  it('requires region and admin CIDRs for cloud VMs, with an example', () => {
    const p = problemsOf({ payoutAddress: MAINNET_ADDRESS, cloud: 'aws' });
    expect(p.region).toMatch(/required for cloud aws.*us-east-1/);
    expect(p.adminCidrs).toMatch(/at least one.*\/32/);
  });

  it('requires host and user for cloud ssh', () => {
    const p = problemsOf({ payoutAddress: MAINNET_ADDRESS, cloud: 'ssh', adminCidrs: ['203.0.113.7/32'] });
    expect(Object.keys(p).sort()).toEqual(['ssh.host', 'ssh.user']);
  });

  it('reports an address of the wrong chain with the fix', () => {
    expect(problemsOf({ payoutAddress: TESTNET_ADDRESS }).payoutAddress).toMatch(/set chain: testnet/);
  });

  it('refuses an admin CIDR open to the world', () => {
    const p = problemsOf({ payoutAddress: MAINNET_ADDRESS, adminCidrs: ['0.0.0.0/0'] });
    expect(p.adminCidrs).toMatch(/whole internet/);
  });

  it('reports colliding ports, including a clash with a default port', () => {
    expect(problemsOf({ payoutAddress: MAINNET_ADDRESS, ports: { sv2: 3333 } })['ports.v1']).toMatch(
      /also ports.sv2/,
    );
    expect(problemsOf({ payoutAddress: MAINNET_ADDRESS, ports: { v1: 8114 } })['ports.v1']).toMatch(/RPC/);
  });

  it('agrees with the stacks on sizes, disk floors and private ports', () => {
    const aws = {
      payoutAddress: MAINNET_ADDRESS,
      cloud: 'aws',
      region: 'us-east-1',
      adminCidrs: ['203.0.113.7/32'],
    };
    expect(parseConfig({ ...aws, instance: { size: 'medium' } }).instance.size).toBe('medium');
    expect(problemsOf({ ...aws, instance: { size: 'huge' } })['instance.size']).toMatch(
      /small\/medium\/large/,
    );
    expect(problemsOf({ ...aws, instance: { diskGb: 100 } })['instance.diskGb']).toMatch(/at least 150/);
    expect(problemsOf({ ...aws, ports: { sv2: 9100 } })['ports.sv2']).toMatch(/must stay private/);
    // local deployments do not size a disk
    expect(problemsOf({ payoutAddress: MAINNET_ADDRESS, instance: { diskGb: 100 } })).toEqual({});
  });

  it('refuses unpinned and :latest images', () => {
    const p = problemsOf({
      payoutAddress: MAINNET_ADDRESS,
      images: { ckb: 'nervos/ckb', grafana: 'grafana/grafana:latest' },
    });
    expect(p['images.ckb']).toMatch(/no tag/);
    expect(p['images.grafana']).toMatch(/latest/);
    expect(
      problemsOf({
        payoutAddress: MAINNET_ADDRESS,
        images: { pool: 'registry.example.com:5000/ckb-pool:1.2.3' },
      }),
    ).toEqual({});
  });

  it('keeps tag and digest together: a digest adds to the tag, never replaces it', () => {
    const digest = `sha256:${'0a'.repeat(32)}`;
    const p = problemsOf({
      payoutAddress: MAINNET_ADDRESS,
      images: {
        ckb: `nervos/ckb:v0.205.0@${digest}`,
        pool: `registry.example.com:5000/ckb-pool@${digest}`,
        grafana: 'grafana/grafana:12.1.1@sha256:abc',
      },
    });
    expect(p['images.ckb']).toBeUndefined();
    expect(p['images.pool']).toMatch(/no tag; keep the tag even with a digest/);
    expect(p['images.grafana']).toMatch(/sha256: and 64 lowercase hex/);
  });

  it('runs the translator on the pool image unless it is pinned apart', () => {
    const pool = 'registry.example.com/ckb-pool:1.2.3';
    const follows = parseConfig({ payoutAddress: MAINNET_ADDRESS, images: { pool } });
    expect(follows.images.translator).toBe(pool);
    const pinned = parseConfig({
      payoutAddress: MAINNET_ADDRESS,
      images: { pool, translator: 'registry.example.com/ckb-pool:1.2.2' },
    });
    expect(pinned.images.translator).toBe('registry.example.com/ckb-pool:1.2.2');
    expect(
      problemsOf({ payoutAddress: MAINNET_ADDRESS, images: { translator: 'ckb-pool' } })['images.translator'],
    ).toMatch(/no tag/);
  });

  it('names unknown fields with a did-you-mean hint', () => {
    const p = problemsOf({ payoutAddress: MAINNET_ADDRESS, chian: 'mainnet', ports: { sv: 1 } });
    expect(p.chian).toMatch(/did you mean chain/);
    expect(p['ports.sv']).toMatch(/did you mean ports.sv2/);
  });

  it('reports type errors with the expected type', () => {
    const p = problemsOf({
      payoutAddress: MAINNET_ADDRESS,
      chain: 'devnet',
      instance: { diskGb: 'big' },
      monitoring: { enabled: 'maybe' },
    });
    expect(p.chain).toMatch(/one of mainnet, testnet/);
    expect(p['instance.diskGb']).toMatch(/integer/);
    expect(p['monitoring.enabled']).toMatch(/true or false/);
  });

  it('round-trips through its own YAML', () => {
    const c = parseConfig({
      payoutAddress: MAINNET_ADDRESS,
      cloud: 'aws',
      region: 'eu-west-1',
      adminCidrs: ['203.0.113.7/32'],
    });
    expect(parseConfig(parse(configToYaml(c)))).toEqual(c);
  });
});

describe('loadConfig', () => {
  it('resolves paths against the file and home, and names the file in errors', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    const file = join(dir, 'ckb-pool.yaml');
    writeFileSync(file, `payoutAddress: ${MAINNET_ADDRESS}\nsecretsDir: s\n`);
    const c = loadConfig(file);
    expect(c.secretsDir).toBe(join(dir, 's'));
    expect(c.ssh.privateKeyPath).toBe(join(homedir(), '.ssh/id_ed25519'));
    writeFileSync(file, 'chain: [oops\n');
    expect(() => loadConfig(file)).toThrow(new RegExp(`${file}.*\\(yaml\\)`));
    expect(() => loadConfig(join(dir, 'missing.yaml'))).toThrow(/ckb-pool-deploy init/);
  });
});

describe('the field table', () => {
  it('gives the config the type its rows describe', () => {
    expectTypeOf<PoolDeployConfig>().toEqualTypeOf<{
      project: string;
      chain: 'mainnet' | 'testnet';
      payoutAddress: string;
      cloud: 'aws' | 'alicloud' | 'local' | 'ssh';
      region?: string;
      instance: { size: string; diskGb: number };
      adminCidrs: string[];
      publicCidrs: string[];
      ports: {
        sv2: number;
        v1: number;
        p2p: number;
        api: number;
        prometheus: number;
        grafana: number;
        web: number;
      };
      web: { public: boolean };
      payouts: {
        enabled: boolean;
        operatorAddress?: string;
        threshold: number;
        feePercent: number;
        intervalMinutes: number;
        maxFeeRate: number;
        confirmations: number;
      };
      images: {
        ckb: string;
        pool: string;
        translator: string;
        prometheus: string;
        alertmanager: string;
        grafana: string;
        nodeExporter: string;
      };
      monitoring: { enabled: boolean; alertWebhookUrl?: string };
      pool: { shareIntervalSeconds: number; hosts: number };
      secretsDir: string;
      ssh: { publicKeyPath: string; privateKeyPath: string; user?: string; host?: string };
      state: { backend: 'local' | 's3' | 'oss'; bucket?: string; key?: string; region?: string };
    }>();
  });

  it('reports every mistake of a file at once, one line each', () => {
    let err: unknown;
    try {
      parseConfig({ payoutAddress: MAINNET_ADDRESS, chain: 'devnet', ports: { sv2: 3333 }, cloud: 'aws' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const lines = (err as ConfigError).message.split('\n');
    expect(lines[0]).toBe('config: 4 problems:');
    expect(lines.slice(1).map((l) => l.trim().split(':')[0])).toEqual([
      'chain',
      'region',
      'adminCidrs',
      'ports.v1',
    ]);
  });

  it('gives every field a flag of its own and a doc sentence', () => {
    const flags = FIELD_LIST.map((f) => f.flag);
    expect(new Set(flags).size).toBe(flags.length);
    for (const f of FIELD_LIST) expect(f.doc).toMatch(/\.$/);
  });
});

describe('CIDRs', () => {
  it('accepts every canonical IPv4 block and rejects host bits with the canonical suggestion', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: 0, max: 32 }), (ip, bits) => {
        const size = 2 ** (32 - bits);
        const net = ip - (ip % size);
        const dotted = (n: number) => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
        expect(cidrProblem(`${dotted(net)}/${bits}`)).toBeUndefined();
        if (net !== ip) expect(cidrProblem(`${dotted(ip)}/${bits}`)).toContain(`${dotted(net)}/${bits}`);
      }),
    );
  });

  it('asks for a prefix length on a bare address', () => {
    expect(cidrProblem('203.0.113.7')).toMatch(/203.0.113.7\/32/);
    expect(cidrProblem('2001:db8::1')).toMatch(/\/128/);
    expect(cidrProblem('2001:db8::/32')).toBeUndefined();
    expect(cidrProblem('300.1.1.1/32')).toMatch(/not a valid/);
  });
});
