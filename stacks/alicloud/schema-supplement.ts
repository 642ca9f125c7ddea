/**
 * Blocks the stack uses that `alicloud-schema.json` (the shared extract of the provider schema)
 * does not cover, written down from the same source: aliyun/terraform-provider-alicloud tag
 * v1.289.0, `alicloud/data_source_alicloud_instances.go` (arguments only; `instances` and the
 * other results are computed) and, for several pool hosts, `resource_alicloud_nlb_*.go`
 * (arguments, Required and StringInSlice enums; computed-only fields left out). `checkAlicloudJson` reads these beside the shared extract, which
 * wins if it ever gains the block.
 */
import type { ArgSchema, BlockSchema } from './schema-check.js';

const str = { type: 'string' } as const;

const num = { type: 'number' } as const;
const bool = { type: 'bool' } as const;
const strList = { type: 'list', elem: 'string' } as const;
const strSet = { type: 'set', elem: 'string' } as const;
const tagMap = { type: 'map', elem: 'string' } as const;
const flag = (block: Record<string, ArgSchema>): ArgSchema => ({ type: 'list', maxItems: 1, block });

export const SCHEMA_SUPPLEMENT: { resource: Record<string, BlockSchema>; data: Record<string, BlockSchema> } =
  {
    resource: {
      alicloud_nlb_load_balancer: {
        arguments: {
          address_ip_version: str,
          address_type: { type: 'string', required: true },
          bandwidth_package_id: str,
          cps: num,
          cross_zone_enabled: bool,
          deletion_protection_config: flag({ enabled: bool, reason: str }),
          ipv6_address_type: str,
          load_balancer_name: str,
          load_balancer_type: { type: 'string', enum: ['Network', 'Gateway', 'Inner'] },
          modification_protection_config: flag({
            status: { type: 'string', enum: ['NonProtection', 'ConsoleProtection'] },
            reason: str,
          }),
          payment_type: { type: 'string', enum: ['Subscription', 'PayAsYouGo'] },
          region_id: str,
          resource_group_id: str,
          security_group_ids: strSet,
          tags: tagMap,
          vpc_id: { type: 'string', required: true },
          zone_mappings: {
            type: 'set',
            required: true,
            block: {
              zone_id: { type: 'string', required: true },
              vswitch_id: { type: 'string', required: true },
              allocation_id: str,
              private_ipv4_address: str,
              ipv4_local_addresses: strSet,
              ipv6_local_addresses: strSet,
            },
          },
          deletion_protection_enabled: bool,
          deletion_protection_reason: str,
          modification_protection_status: { type: 'string', enum: ['NonProtection', 'ConsoleProtection'] },
          modification_protection_reason: str,
        },
      },
      alicloud_nlb_server_group: {
        arguments: {
          address_ip_version: { type: 'string', enum: ['DualStack', 'Ipv4'] },
          any_port_enabled: bool,
          connection_drain_enabled: { type: 'bool', conflictsWith: ['connection_drain'] },
          connection_drain_timeout: num,
          health_check: flag({
            health_check_interval: num,
            health_check_url: str,
            unhealthy_threshold: num,
            health_check_connect_timeout: num,
            health_check_enabled: bool,
            health_check_connect_port: num,
            health_check_req: str,
            healthy_threshold: num,
            http_check_method: { type: 'string', enum: ['GET', 'HEAD'] },
            health_check_exp: str,
            health_check_domain: str,
            health_check_http_code: strList,
            health_check_type: { type: 'string', enum: ['TCP', 'HTTP', 'UDP'] },
            health_check_http_version: { type: 'string', enum: ['HTTP1.0', 'HTTP1.1'] },
          }),
          preserve_client_ip_enabled: bool,
          protocol: { type: 'string', enum: ['TCP', 'UDP', 'TCPSSL'] },
          region_id: str,
          resource_group_id: str,
          scheduler: { type: 'string', enum: ['Wrr', 'Rr', 'Qch', 'Tch', 'Sch', 'Wlc'] },
          server_group_name: { type: 'string', required: true },
          server_group_type: { type: 'string', enum: ['Instance', 'Ip'] },
          tags: tagMap,
          vpc_id: { type: 'string', required: true },
          connection_drain: {
            type: 'bool',
            deprecated: true,
            deprecationMessage:
              "Field 'connection_drain' has been deprecated since provider version 1.214.0.",
            replacement: 'connection_drain_enabled',
          },
        },
      },
      alicloud_nlb_listener: {
        arguments: {
          alpn_enabled: bool,
          alpn_policy: str,
          ca_certificate_ids: strList,
          ca_enabled: bool,
          certificate_ids: strList,
          cps: num,
          end_port: num,
          idle_timeout: num,
          listener_description: str,
          listener_port: { type: 'number', required: true },
          listener_protocol: { type: 'string', required: true, enum: ['TCP', 'UDP', 'TCPSSL'] },
          load_balancer_id: { type: 'string', required: true },
          mss: num,
          proxy_protocol_config: flag({
            proxy_protocol_config_private_link_ep_id_enabled: bool,
            proxy_protocol_config_private_link_eps_id_enabled: bool,
            proxy_protocol_config_vpc_id_enabled: bool,
          }),
          proxy_protocol_enabled: bool,
          region_id: str,
          sec_sensor_enabled: bool,
          security_policy_id: str,
          server_group_id: { type: 'string', required: true },
          start_port: num,
          status: { type: 'string', enum: ['Stopped', 'Running'] },
          tags: tagMap,
        },
      },
      alicloud_nlb_server_group_server_attachment: {
        arguments: {
          description: str,
          port: num,
          server_group_id: { type: 'string', required: true },
          server_id: { type: 'string', required: true },
          server_ip: str,
          server_type: { type: 'string', required: true },
          weight: num,
          zone_id: str,
        },
      },
    },
    data: {
      alicloud_instances: {
        arguments: {
          ids: { type: 'list', elem: 'string' },
          name_regex: str,
          instance_name: str,
          image_id: str,
          resource_group_id: str,
          status: { type: 'string', enum: ['Running', 'Stopped', 'Creating', 'Starting', 'Stopping'] },
          vpc_id: str,
          vswitch_id: str,
          availability_zone: str,
          ram_role_name: str,
          tags: { type: 'map', elem: 'string' },
          output_file: str,
          page_number: { type: 'number' },
          page_size: { type: 'number' },
        },
      },
    },
  };
