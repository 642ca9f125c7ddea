import { parseConfig } from '../../cli/config/schema.js';
import type { DeploymentSecrets } from '../../cli/config/secrets.js';
import type { PoolDeployConfig } from '../../cli/config/types.js';
import { MAINNET_ADDRESS, TESTNET_ADDRESS } from './config-fixtures.js';

/** Fixed, obviously fake secrets so snapshots are stable (valid key encodings are not needed to render). */
export const FAKE_SECRETS: DeploymentSecrets = {
  authoritySecret: 'FAKE-AUTHORITY-SECRET',
  authorityPublicKey: 'FAKE-AUTHORITY-PUBLIC-KEY',
  grafanaAdminPassword: 'FAKE-GRAFANA-PASSWORD',
  notifySecret: 'FAKE-NOTIFY-SECRET',
};

export function configFor(
  chain: 'mainnet' | 'testnet',
  extra: Record<string, unknown> = {},
): PoolDeployConfig {
  return parseConfig({
    chain,
    payoutAddress: chain === 'mainnet' ? MAINNET_ADDRESS : TESTNET_ADDRESS,
    cloud: 'aws',
    region: 'us-east-1',
    adminCidrs: ['203.0.113.7/32'],
    monitoring: { alertWebhookUrl: 'https://hooks.example.com/ckb-pool' },
    ...extra,
  });
}
