import { describe, expect, it } from 'vitest';
import {
  blockedMessage,
  PlanFormatError,
  planSummary,
  reviewPlan,
  type TerraformPlan,
} from './plan-guard.js';

// Shapes as `terraform show -json tfplan` (format 1.2, Terraform 1.11) prints them, cut to the
// fields the guard reads plus enough context to recognise them.
const change = (address: string, type: string, actions: string[], extra: Record<string, unknown> = {}) => ({
  address,
  mode: 'managed',
  type,
  name: address.split('.').pop(),
  provider_name: type.startsWith('aws')
    ? 'registry.terraform.io/hashicorp/aws'
    : 'registry.terraform.io/aliyun/alicloud',
  change: { actions, before: {}, after: {}, ...extra },
});

/** A whole plan document around its resource changes. */
const plan = (...resource_changes: unknown[]) =>
  ({ format_version: '1.2', terraform_version: '1.11.4', resource_changes }) as TerraformPlan;

const REPLACE_INSTANCE = plan(
  change('aws_instance.host', 'aws_instance', ['delete', 'create'], {
    replace_paths: [['associate_public_ip_address']],
  }),
  change('aws_eip_association.host', 'aws_eip_association', ['delete', 'create']),
  change('aws_vpc.vpc', 'aws_vpc', ['no-op']),
);

const UPDATE_ONLY = plan(
  change('aws_vpc_security_group_ingress_rule.sv2', 'aws_vpc_security_group_ingress_rule', ['create']),
  change('aws_instance.host', 'aws_instance', ['update']),
  change('aws_vpc.vpc', 'aws_vpc', ['no-op']),
);

const NO_OP = plan(change('alicloud_instance.host', 'alicloud_instance', ['no-op']), {
  ...change('data.alicloud_zones.zones', 'alicloud_zones', ['read']),
  mode: 'data',
});

describe('the replace guard', () => {
  it('blocks a plan that replaces the instance, naming the attribute that forces it', () => {
    const r = reviewPlan(REPLACE_INSTANCE);
    expect(r.blocked.map((c) => c.address)).toEqual(['aws_instance.host']);
    expect(blockedMessage(r)).toContain(
      'aws_instance.host would be replaced (forced by associate_public_ip_address)',
    );
    expect(blockedMessage(r)).toContain('--allow-replace');
    expect(planSummary(r)[0]).toBe(
      '0 to create, 0 to update in place, 2 to replace, 0 to delete, 1 unchanged',
    );
  });

  it('blocks deleting a disk', () => {
    const r = reviewPlan(plan(change('alicloud_ecs_disk.chain', 'alicloud_ecs_disk', ['delete'])));
    expect(r.blocked).toHaveLength(1);
    expect(blockedMessage(r)).toContain('would be deleted');
  });

  it('lets in-place updates and new rules through, and lists them', () => {
    const r = reviewPlan(UPDATE_ONLY);
    expect(r.blocked).toEqual([]);
    expect(planSummary(r)).toEqual([
      '1 to create, 1 to update in place, 0 to replace, 0 to delete, 1 unchanged',
      '  +   aws_vpc_security_group_ingress_rule.sv2',
      '  ~   aws_instance.host',
    ]);
  });

  it('finds nothing to do in a no-op plan, ignoring data sources', () => {
    const r = reviewPlan(NO_OP);
    expect(r.changes).toEqual([]);
    expect(r.blocked).toEqual([]);
    expect(r.unchanged).toBe(1);
  });

  it('refuses input that is not a plan', () => {
    expect(() => reviewPlan({} as TerraformPlan)).toThrow(PlanFormatError);
  });
});
