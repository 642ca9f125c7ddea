import { describe, expect, it } from 'vitest';
import { baseConfig, KEYS, synthJson, synthString, type TfJson } from '../test/support/stack-fixtures.js';
import { CLOUDS, type Cloud, specFromConfig } from './spec.js';

/** `web.public` opens the miners' web page (ports.web) where miners connect, and nothing else. */

const WEB = 8081;
const config = (cloud: Cloud, webPublic: boolean, hosts = 1) => ({
  ...baseConfig(cloud),
  ports: { ...baseConfig(cloud).ports, web: WEB },
  web: { public: webPublic },
  ...(hosts > 1 ? { pool: { hosts } } : {}),
});
const spec = (cloud: Cloud, webPublic: boolean, hosts = 1) =>
  specFromConfig(config(cloud, webPublic, hosts), KEYS.ed25519, cloud);
const blocks = (tf: TfJson, type: string): TfJson[] => Object.values<TfJson>(tf.resource[type] ?? {});

/** Inbound ports and sources of every security group rule. */
function ingress(tf: TfJson): Array<{ port: number; source: string; group: string }> {
  const aws = blocks(tf, 'aws_vpc_security_group_ingress_rule').map((r) => ({
    port: r.from_port,
    source: r.cidr_ipv4 ?? r.cidr_ipv6 ?? r.referenced_security_group_id,
    group: r.security_group_id,
  }));
  const ali = blocks(tf, 'alicloud_security_group_rule')
    .filter((r) => r.type === 'ingress')
    .map((r) => ({
      port: Number(String(r.port_range).split('/')[0]),
      source: r.cidr_ip ?? r.ipv6_cidr_ip ?? r.source_security_group_id,
      group: r.security_group_id,
    }));
  return [...aws, ...ali];
}

describe.each(CLOUDS)('web.public on %s', (cloud) => {
  it('leaves a stack without it exactly as it was: the web port is not in the spec', () => {
    const closed = spec(cloud, false);
    expect(closed.ports.web).toBeUndefined();
    expect(synthString(cloud, closed)).toBe(
      synthString(cloud, specFromConfig(baseConfig(cloud), KEYS.ed25519, cloud)),
    );
    expect(ingress(synthJson(cloud, closed)).filter((r) => r.port === WEB)).toEqual([]);
  });

  it('opens the web port of the single host to the public CIDRs', () => {
    const rules = ingress(synthJson(cloud, spec(cloud, true))).filter((r) => r.port === WEB);
    expect(rules.map((r) => r.source)).toEqual(['0.0.0.0/0']);
  });

  it('with several pool hosts, listens on the web port at the load balancer and forwards it to every pool host', () => {
    const tf = synthJson(cloud, spec(cloud, true, 2));
    const listeners =
      cloud === 'aws'
        ? blocks(tf, 'aws_lb_listener').map((l) => l.port)
        : blocks(tf, 'alicloud_nlb_listener').map((l) => l.listener_port);
    expect(listeners.sort()).toEqual([3333, 3336, WEB]);
    const attachments =
      cloud === 'aws'
        ? blocks(tf, 'aws_lb_target_group_attachment').map((a) => a.port)
        : blocks(tf, 'alicloud_nlb_server_group_server_attachment').map((a) => a.port);
    expect(attachments.filter((p) => p === WEB)).toHaveLength(2);
    const web = ingress(tf).filter((r) => r.port === WEB);
    // The load balancer's group from the public CIDRs, and the pools' group from the load balancer.
    expect(web.map((r) => r.source)).toContain('0.0.0.0/0');
    expect(web).toHaveLength(2);
    // The node host (no pool there) never publishes the page.
    const clusterWithout = synthJson(cloud, spec(cloud, false, 2));
    expect(ingress(clusterWithout).filter((r) => r.port === WEB)).toEqual([]);
  });
});
