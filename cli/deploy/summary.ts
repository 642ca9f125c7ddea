/**
 * The text `up` ends with: the URLs miners use, and how to reach Grafana (bound to the host's
 * loopback, so remotely only through an SSH tunnel).
 */
import { join } from 'node:path';
import { decodeAuthorityPubkey, formatPoolUrl } from 'ckb-pool/sv2/noise/keys';
import { GRAFANA_PASSWORD_FILE } from '../config/secrets.js';
import type { PoolDeployConfig } from '../config/types.js';
import type { HealthView } from './pool-api.js';
import type { HostRecord } from './workdir.js';

export function minerUrls(address: string, config: PoolDeployConfig, authorityPubkey: string) {
  const host = address.includes(':') ? `[${address}]` : address;
  return {
    sv2: formatPoolUrl({
      host: address,
      port: config.ports.sv2,
      authorityPubkey: decodeAuthorityPubkey(authorityPubkey),
    }),
    v1: `stratum+tcp://${host}:${config.ports.v1}`,
    web: `http://${host}:${config.ports.web}/`,
  };
}

/** `ssh -N -L …` that makes the host's Grafana reachable on this machine. */
export function grafanaTunnelCommand(config: PoolDeployConfig, host: HostRecord): string {
  const port = host.port === 22 ? '' : ` -p ${host.port}`;
  return `ssh -i ${config.ssh.privateKeyPath}${port} -N -L ${config.ports.grafana}:127.0.0.1:${config.ports.grafana} ${host.user}@${host.address}`;
}

export interface SummaryInput {
  config: PoolDeployConfig;
  configPath: string;
  authorityPubkey: string;
  /** Address miners connect to. */
  address: string;
  /** Remote host (absent for local). */
  host?: HostRecord;
  health?: HealthView | null;
  cloudLabel: string;
}

export function summary(s: SummaryInput): string {
  const { config } = s;
  const urls = minerUrls(s.address, config, s.authorityPubkey);
  const lines = [
    '',
    `Pool '${config.project}' (${config.chain}) is running on ${s.cloudLabel}.`,
    '',
    'Miners:',
    `  Stratum V2: ${urls.sv2}`,
    `  Stratum V1: ${urls.v1}   (user: ${config.payouts.enabled ? '<CKB address>' : '<name>'}.<worker>, any password)`,
    config.web.public || !s.host
      ? `  Web page:   ${s.host ? urls.web : `http://127.0.0.1:${config.ports.web}/`}`
      : `  Web page:   on the host's 127.0.0.1:${config.ports.web} (set web.public: true to open it to miners)`,
  ];
  if (s.health && !s.health.ready) {
    lines.push(
      '',
      `Not ready for miners yet: ${s.health.reasons.join('; ')}.`,
      s.health.reasons.some((r) => /initial block download/.test(r))
        ? 'A new node first syncs the chain (hours on mainnet); miners get work as soon as it is synced.'
        : "Follow it with `status`; if it persists, look at the containers' logs on the host (docker compose logs).",
    );
  }
  if (config.monitoring.enabled) {
    const password = join(config.secretsDir, GRAFANA_PASSWORD_FILE);
    lines.push('', `Grafana (user admin, password in ${password}):`);
    if (s.host) {
      lines.push(
        `  ${grafanaTunnelCommand(config, s.host)}`,
        `  then open http://127.0.0.1:${config.ports.grafana}`,
      );
    } else {
      lines.push(`  open http://127.0.0.1:${config.ports.grafana}`);
    }
  }
  lines.push('', `Status: ckb-pool-deploy status --config ${s.configPath}`, '');
  return lines.join('\n');
}
