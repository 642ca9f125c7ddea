/**
 * Blocks the stack uses that `alicloud-schema.json` (the shared extract of the provider schema)
 * does not cover, written down from the same source: aliyun/terraform-provider-alicloud tag
 * v1.289.0, `alicloud/data_source_alicloud_instances.go` (arguments only; `instances` and the
 * other results are computed). `checkAlicloudJson` reads these beside the shared extract, which
 * wins if it ever gains the block.
 */
import type { BlockSchema } from './schema-check.js';

const str = { type: 'string' } as const;

export const SCHEMA_SUPPLEMENT: { data: Record<string, BlockSchema> } = {
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
