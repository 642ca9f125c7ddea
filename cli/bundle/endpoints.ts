/**
 * What a rendered bundle exposes, for the commands that deploy and check it (`up`, `status`,
 * the Ansible variables): public ports, loopback-only ports, the health URL and miner URLs.
 */
import type { PoolDeployConfig } from '../config/types.js';

export interface BundleEndpoints {
  /** TCP ports open to `publicCidrs`: SV2, V1, CKB P2P, and the web page when `web.public`. */
  publicPorts: number[];
  /** Host ports bound to 127.0.0.1 only (pool API, the web page unless public, Prometheus/Grafana). */
  loopbackPorts: number[];
  /** The pool's /health on the host (200 when it serves work). */
  healthUrl: string;
  /** Compose project name (container and volume prefix). */
  composeProject: string;
  sv2Url(host: string): string;
  v1Url(host: string): string;
  /** The miners' web page (on 127.0.0.1 over a tunnel unless `web.public`). */
  webUrl(host: string): string;
}

/** What the security group and the host firewall open to `publicCidrs`. */
export function publicPorts(config: Pick<PoolDeployConfig, 'ports' | 'web'>): number[] {
  const { ports } = config;
  return [ports.sv2, ports.v1, ports.p2p, ...(config.web.public ? [ports.web] : [])];
}

export function bundleEndpoints(config: PoolDeployConfig, authorityPublicKey: string): BundleEndpoints {
  const { ports } = config;
  const bracket = (host: string) => (host.includes(':') && !host.startsWith('[') ? `[${host}]` : host);
  return {
    publicPorts: publicPorts(config),
    loopbackPorts: [
      ports.api,
      ...(config.web.public ? [] : [ports.web]),
      ...(config.monitoring.enabled ? [ports.prometheus, ports.grafana] : []),
    ],
    healthUrl: `http://127.0.0.1:${ports.api}/health`,
    composeProject: config.project,
    sv2Url: (host) => `stratum2+tcp://${bracket(host)}:${ports.sv2}/${authorityPublicKey}`,
    v1Url: (host) => `stratum+tcp://${bracket(host)}:${ports.v1}`,
    webUrl: (host) => `http://${bracket(host)}:${ports.web}/`,
  };
}
