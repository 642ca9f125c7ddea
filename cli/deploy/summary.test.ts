import { describe, expect, it } from 'vitest';
import { TESTNET_ADDRESS } from '../../test/support/config-fixtures.js';
import { parseConfig } from '../config/schema.js';
import { summary } from './summary.js';

const PUBKEY = '9ahzPVFetLCQNm9mawBQWYNHkyesjbCHaEfHeU78f4iRvApjrHQ';
const config = parseConfig(
  {
    chain: 'testnet',
    payoutAddress: TESTNET_ADDRESS,
    cloud: 'aws',
    region: 'us-east-1',
    adminCidrs: ['203.0.113.7/32'],
  },
  { baseDir: '/home/op/pool' },
);
const host = { address: '198.51.100.9', user: 'ubuntu', port: 22 };

describe('summary', () => {
  it('prints both miner URLs and the Grafana tunnel for a remote host', () => {
    const text = summary({
      config,
      configPath: 'ckb-pool.yaml',
      authorityPubkey: PUBKEY,
      address: host.address,
      host,
      cloudLabel: 'AWS',
    });
    expect(text).toContain(`Stratum V2: stratum2+tcp://198.51.100.9:3336/${PUBKEY}`);
    expect(text).toContain('Stratum V1: stratum+tcp://198.51.100.9:3333');
    expect(text).toContain(
      `ssh -i ${config.ssh.privateKeyPath} -N -L 3000:127.0.0.1:3000 ubuntu@198.51.100.9`,
    );
    expect(text).toContain('password in /home/op/pool/secrets/grafana-admin-password');
    expect(text).not.toContain('Not ready');
  });

  it('names the web page: its public URL with web.public, else where it stays', () => {
    const base = { configPath: 'c.yaml', authorityPubkey: PUBKEY, address: host.address, cloudLabel: 'AWS' };
    expect(summary({ ...base, config, host })).toContain("Web page:   on the host's 127.0.0.1:8081");
    const open = { ...config, web: { public: true } };
    expect(summary({ ...base, config: open, host })).toContain('Web page:   http://198.51.100.9:8081/');
    expect(summary({ ...base, config })).toContain('Web page:   http://127.0.0.1:8081/');
  });

  it('tells V1 miners to authorize as their address when the pool pays', () => {
    const paying = { ...config, payouts: { ...config.payouts, enabled: true } };
    const text = summary({
      config: paying,
      configPath: 'c',
      authorityPubkey: PUBKEY,
      address: host.address,
      host,
      cloudLabel: 'AWS',
    });
    expect(text).toContain('(user: <CKB address>.<worker>, any password)');
  });

  it('explains a syncing node differently from other reasons', () => {
    const syncing = summary({
      config,
      configPath: 'ckb-pool.yaml',
      authorityPubkey: PUBKEY,
      address: '127.0.0.1',
      cloudLabel: 'this machine',
      health: { ready: false, reasons: ['node is in initial block download'] },
    });
    expect(syncing).toContain('Not ready for miners yet: node is in initial block download.');
    expect(syncing).toContain('syncs the chain');
    expect(syncing).toContain('open http://127.0.0.1:3000');
    const broken = summary({
      config,
      configPath: 'ckb-pool.yaml',
      authorityPubkey: PUBKEY,
      address: '127.0.0.1',
      cloudLabel: 'this machine',
      health: { ready: false, reasons: ['node unreachable: ENOTFOUND'] },
    });
    expect(broken).not.toContain('syncs the chain');
    expect(broken).toContain('docker compose logs');
  });
});
