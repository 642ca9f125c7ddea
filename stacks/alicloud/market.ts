/**
 * Which instance type and zone an Alibaba Cloud host gets. Alibaba sells out types per zone and
 * `alicloud_instance_types` drops what is sold out, so one family per size fails whenever that
 * family is gone. Each size therefore names several families of the same shape; Terraform takes,
 * at plan time, the first one the region offers (with an ESSD system disk, in a zone where a
 * vSwitch can be created).
 *
 * A running host keeps its type (read back with `alicloud_instances`) as long as it belongs to
 * the configured size, however the market moves: no surprise resize, and no failed `up` or
 * `down` because its own type is sold out now. After a failed create there is no host, so the
 * next plan chooses afresh. Changing `instance.size` resizes the host to the first type of the
 * new size on sale in the host's zone.
 */
import { Construct, TerraformLocal } from '../cdk.js';

export type { SizeName } from '../profile.js';
export { ALICLOUD_SIZE_TYPES } from './profile.js';

import type { SizeName } from '../profile.js';
import { ALICLOUD_SIZE_TYPES } from './profile.js';

/** Types to try for `instance.size`: the size's fallback list, or just the type the config names. */
export function alicloudCandidates(instanceSize: string): readonly string[] {
  return Object.hasOwn(ALICLOUD_SIZE_TYPES, instanceSize)
    ? ALICLOUD_SIZE_TYPES[instanceSize as SizeName]
    : [instanceSize];
}

/** The plan error when nothing is on sale: names every type tried and what to do about it. */
export function soldOutMessage(instanceSize: string, region: string, candidates: readonly string[]): string {
  const what = candidates.length > 1 ? `size '${instanceSize}'` : `instance.size '${instanceSize}'`;
  return (
    `No instance type for ${what} is on sale in ${region} with an ESSD system disk in a zone that takes a vSwitch. ` +
    `Tried, in order: ${candidates.join(', ')}. ` +
    'Each is sold out, not sold in this region, or unknown to it. Pick another region, or set instance.size ' +
    'to a type the region sells (see `aliyun ecs DescribeAvailableResource --DestinationResource InstanceType`).'
  );
}

export interface PlacementConfig {
  instanceSize: string;
  region: string;
  candidates: readonly string[];
  /** Address of the `alicloud_instance_types` data source (`data.alicloud_instance_types.x`). */
  typesAddress: string;
  /** Address of the `alicloud_zones` data source listing zones that take a vSwitch and ESSD disks. */
  zonesAddress: string;
  /** Address of the `alicloud_instances` data source that finds this stack's host, if it runs. */
  hostsAddress: string;
}

/**
 * The Terraform locals that make the choice. Every expression tolerates an empty market and no
 * host (no index into an empty list): only the instance's precondition (`precondition`) fails,
 * and Terraform reports a failed condition as a warning during the refresh before a destroy, so
 * `down` never depends on what is on sale.
 */
export class AlicloudPlacement extends Construct {
  /** Terraform expression: the type the host runs (or will run) as; "" when nothing is on sale. */
  readonly instanceType: string;
  /** Terraform expression: the zone for the host's vSwitch. */
  readonly zoneId: string;
  /** Lifecycle precondition for the instance: fails the plan, naming every type tried. */
  readonly precondition: { condition: string; errorMessage: string };

  constructor(scope: Construct, id: string, config: PlacementConfig) {
    super(scope, id);
    const local = (name: string, expression: string) =>
      `local.${new TerraformLocal(this, name, `\${${expression}}`).friendlyUniqueId}`;
    const candidates = local('candidates', `[${config.candidates.map((c) => JSON.stringify(c)).join(', ')}]`);
    const hosts = local(
      'hosts',
      `[ for i in ${config.hostsAddress}.instances : { type = i.instance_type, zone = i.availability_zone } ]`,
    );
    // The running host's own type, while it is one of the size's types.
    const kept = local('kept', `[ for h in ${hosts} : h if contains(${candidates}, h.type) ]`);
    // type → zones where it is not sold out (the data source's own per-type zone list).
    const market = local(
      'market',
      `{ for t in ${config.typesAddress}.instance_types : t.id => t.availability_zones }`,
    );
    // A new host may go to any zone that takes a vSwitch; a resized one stays in its zone.
    const zones = local('zones', `length(${hosts}) > 0 ? [${hosts}[0].zone] : ${config.zonesAddress}.ids`);
    const offers = local(
      'offers',
      `[ for o in [ for t in ${candidates} : { type = t, zones = sort(setintersection(contains(keys(${market}), t) ? ${market}[t] : [], ${zones})) } ] : o if length(o.zones) > 0 ]`,
    );
    const choice = local(
      'choice',
      `length(${kept}) > 0 ? ${kept}[0] : length(${offers}) > 0 ? { type = ${offers}[0].type, zone = ${offers}[0].zones[0] } : { type = "", zone = "" }`,
    );
    this.instanceType = `\${${choice}.type}`;
    this.zoneId = `\${${choice}.zone}`;
    this.precondition = {
      condition: `\${${choice}.type != ""}`,
      errorMessage: soldOutMessage(config.instanceSize, config.region, config.candidates),
    };
  }
}
