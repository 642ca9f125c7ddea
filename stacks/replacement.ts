/**
 * Which config changes replace the pool host. For every argument the stacks set on the VM, its
 * public address and the subnet it sits in: whether the pinned provider marks it ForceNew, which
 * config fields feed it, and what a change does to the running pool. `replacement.test.ts`
 * derives the config fields by synthesis and holds the effects to the ForceNew flags, and
 * docs/clouds.md ("Which config changes replace the VM") shows the per-field summary.
 *
 * ForceNew sources: aws — hashicorp/terraform-provider-aws `internal/service/ec2/ec2_instance.go`,
 * `ec2_eip.go` and `vpc_subnet.go` as read from the provider source (aws-sdk-go-v2 revisions of
 * the 6.x line; the exact 6.25.0 tag was not available offline, and the flags below are the same
 * in the older 5.x revision 0015dfcd); alicloud — the v1.289.0 schema extract
 * (`../shared/reference/iac/alicloud-schema.json`), which the test reads directly.
 */
import type { Cloud } from './spec.js';

export type Effect =
  | 'in place'
  | 'in place, restarts the VM'
  | 'replaces the VM and its disk'
  | 'replaces the public IP'
  | 'ignored after creation'
  | 'constant';

/** Config fields whose change the stacks see. `region` and `cloud` are outside: see the docs. */
export type ConfigField =
  | 'project'
  | 'chain'
  | 'instance.size'
  | 'instance.diskGb'
  | 'ports'
  | 'publicCidrs'
  | 'adminCidrs'
  | 'ssh.publicKeyPath'
  | 'ssh.user';

export const CONFIG_FIELDS: readonly ConfigField[] = [
  'project',
  'chain',
  'instance.size',
  'instance.diskGb',
  'ports',
  'publicCidrs',
  'adminCidrs',
  'ssh.publicKeyPath',
  'ssh.user',
];

export interface ArgumentEffect {
  /** The provider marks the argument ForceNew (a change replaces the resource). */
  forceNew: boolean;
  /** Config fields that change the argument's value (empty: the stack always sets the same). */
  from: readonly ConfigField[];
  effect: Effect;
  note?: string;
}

const constant = (forceNew: boolean, note?: string): ArgumentEffect => ({
  forceNew,
  from: [],
  effect: 'constant',
  ...(note !== undefined && { note }),
});
const inPlace = (from: readonly ConfigField[], note?: string): ArgumentEffect => ({
  forceNew: false,
  from,
  effect: 'in place',
  ...(note !== undefined && { note }),
});
const ignored = (forceNew: boolean, from: readonly ConfigField[], note: string): ArgumentEffect => ({
  forceNew,
  from,
  effect: 'ignored after creation',
  note,
});
const NAME_TAG = 'tags only';

/** Resource type → argument path (nested blocks as `block.arg`) → what a change does. */
export const ARGUMENT_EFFECTS: Record<Cloud, Record<string, Record<string, ArgumentEffect>>> = {
  aws: {
    aws_instance: {
      ami: ignored(true, [], 'a newer Debian AMI would rebuild the root disk; kept via ignore_changes'),
      instance_type: { forceNew: false, from: ['instance.size'], effect: 'in place, restarts the VM' },
      subnet_id: constant(true, 'the subnet is never replaced: its zone is ignored after creation'),
      vpc_security_group_ids: constant(false),
      key_name: ignored(
        true,
        ['project'],
        'the key pair is named <project>-operator; EC2 reads the key at launch only, so a renamed project keeps the VM',
      ),
      user_data: ignored(false, ['ssh.publicKeyPath', 'ssh.user'], 'cloud-init acts on first boot only'),
      'metadata_options.http_endpoint': constant(false),
      'metadata_options.http_tokens': constant(false),
      'metadata_options.http_put_response_hop_limit': constant(false),
      'root_block_device.volume_type': constant(false),
      'root_block_device.volume_size': inPlace(
        ['instance.diskGb'],
        'grows online; EBS cannot shrink a volume',
      ),
      'root_block_device.encrypted': constant(true),
      'root_block_device.delete_on_termination': constant(false),
      tags: inPlace(['project'], NAME_TAG),
    },
    aws_eip: {
      domain: constant(true),
      instance: constant(false, 'follows the instance id'),
      tags: inPlace(['project'], NAME_TAG),
    },
    aws_subnet: {
      vpc_id: constant(true),
      cidr_block: constant(true),
      availability_zone: ignored(
        true,
        ['instance.size'],
        'the first zone that sells the type, re-read every plan; moving would replace the VM',
      ),
      map_public_ip_on_launch: constant(false),
      tags: inPlace(['project'], NAME_TAG),
    },
  },
  alicloud: {
    alicloud_instance: {
      instance_name: inPlace(['project']),
      host_name: inPlace(['project'], 'takes effect at the next reboot'),
      image_id: ignored(
        false,
        [],
        'since 1.289 a new image re-images the system disk; kept via ignore_changes',
      ),
      instance_type: {
        forceNew: false,
        from: ['project', 'instance.size'],
        effect: 'in place, restarts the VM',
        note: 'the market choice keeps a running host on its type while it fits the size; it finds the host by name, so a renamed project chooses afresh and may move to the first type on sale',
      },
      vswitch_id: constant(false),
      security_groups: constant(false),
      key_name: inPlace(['project'], 'modifiable since provider 1.268'),
      user_data: ignored(false, ['ssh.publicKeyPath', 'ssh.user'], 'cloud-init acts on first boot only'),
      system_disk_category: constant(true),
      system_disk_size: inPlace(['instance.diskGb'], 'grows online; a system disk cannot shrink'),
      system_disk_performance_level: constant(false),
      system_disk_encrypted: constant(true),
      internet_max_bandwidth_out: constant(false),
      instance_charge_type: constant(false),
      http_tokens: constant(false),
      http_endpoint: constant(false),
      security_enhancement_strategy: constant(true),
      tags: inPlace(['project', 'chain']),
      volume_tags: inPlace(['project', 'chain']),
    },
    alicloud_eip_address: {
      address_name: inPlace(['project']),
      payment_type: constant(true),
      internet_charge_type: constant(true),
      bandwidth: constant(false),
      isp: constant(true),
      tags: inPlace(['project', 'chain']),
    },
    alicloud_eip_association: {
      allocation_id: constant(true, 'follows the EIP id'),
      instance_id: constant(true, 'follows the instance id'),
    },
    alicloud_vswitch: {
      vswitch_name: inPlace(['project']),
      vpc_id: constant(true),
      cidr_block: constant(true),
      zone_id: ignored(true, ['project', 'instance.size'], 'chosen from the market; never moved'),
      tags: inPlace(['project', 'chain']),
    },
  },
};

/** Effects ranked by what they cost a running pool, least first. */
const SEVERITY: readonly Effect[] = [
  'constant',
  'ignored after creation',
  'in place',
  'in place, restarts the VM',
  'replaces the public IP',
  'replaces the VM and its disk',
];

/** The worst effect a change of `field` has on `cloud`'s host, or undefined when it touches none of it. */
export function fieldEffect(cloud: Cloud, field: ConfigField): Effect | undefined {
  let worst: Effect | undefined;
  for (const args of Object.values(ARGUMENT_EFFECTS[cloud])) {
    for (const a of Object.values(args)) {
      if (!a.from.includes(field)) continue;
      if (!worst || SEVERITY.indexOf(a.effect) > SEVERITY.indexOf(worst)) worst = a.effect;
    }
  }
  return worst;
}
