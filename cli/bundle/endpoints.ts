/**
 * What a rendered bundle exposes, for the commands that deploy and check it (`up`, `status`,
 * the Ansible variables): public ports, loopback-only ports, the health URL and miner URLs.
 */
import type { PoolDeployConfig } from '../config/types.js';

export interface BundleEndpoints {
  /** TCP ports open to `publicCidrs`: SV2, V1, CKB P2P. */
  publicPorts: number[];
  /** Host ports bound to 127.0.0.1 only (pool API, and Prometheus/Grafana with monitoring). */
  loopbackPorts: number[];
  /** The pool's /health on the host (200 when it serves work). */
  healthUrl: string;
  /** Compose project name (container and volume prefix). */
  composeProject: string;
  sv2Url(host: string): string;
  v1Url(host: string): string;
}

export function bundleEndpoints(config: PoolDeployConfig, authorityPublicKey: string): BundleEndpoints {
  const { ports } = config;
  const bracket = (host: string) => (host.includes(':') && !host.startsWith('[') ? `[${host}]` : host);
  return {
    publicPorts: [ports.sv2, ports.v1, ports.p2p],
    loopbackPorts: config.monitoring.enabled ? [ports.api, ports.prometheus, ports.grafana] : [ports.api],
    healthUrl: `http://127.0.0.1:${ports.api}/health`,
    composeProject: config.project,
    sv2Url: (host) => `stratum2+tcp://${bracket(host)}:${ports.sv2}/${authorityPublicKey}`,
    v1Url: (host) => `stratum+tcp://${bracket(host)}:${ports.v1}`,
  };
}
