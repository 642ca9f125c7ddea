// The pure logic of ci/sweep.mjs (unit-tested in sweep.test.ts): which cloud resources are
// CI's and old, read from the aws / aliyun CLI answers, and the command lines that delete them,
// in an order the clouds accept. No I/O here: the script runs what these functions return.

/** The tag every stack sets on every resource that takes tags (stacks/pool-host.ts `tags`). */
export const MANAGED_BY = { key: 'ManagedBy', value: 'ckb-pool-deploy' };
/** The tag that names the deployment (the config's `project`). */
export const PROJECT_TAG = 'Project';

/**
 * CI's projects: `smoke-<cloud>-<unix seconds at creation>[-<build number>]`, the name
 * ci/smoke-deploy.sh gives its deployment. The creation time in the name is what makes a
 * resource "old": a VPC or an EIP carries no creation time of its own.
 */
const CI_PROJECT = /^smoke-(aws|alicloud)-(\d{10})(?:-\d+)?$/;

/** `{ cloud, createdMs }` of a CI project name, or null for any other project. */
export function parseCiProject(name) {
  const m = CI_PROJECT.exec(name ?? '');
  return m ? { cloud: m[1], createdMs: Number(m[2]) * 1000 } : null;
}

/** True when `project` is CI's, for `cloud`, and was created more than `maxAgeMs` before `nowMs`. */
export function isOldCiProject(project, cloud, nowMs, maxAgeMs) {
  const p = parseCiProject(project);
  return p !== null && p.cloud === cloud && nowMs - p.createdMs > maxAgeMs;
}

/** `90m`, `2h`, `1d` → milliseconds; anything else is an error. */
export function parseDuration(text) {
  const m = /^(\d+)(m|h|d)$/.exec(text ?? '');
  if (!m || Number(m[1]) === 0) throw new Error(`bad duration '${text}': use e.g. 90m, 2h or 1d`);
  return Number(m[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2]];
}

// ---- AWS -----------------------------------------------------------------------------------

/** The read-only calls that find everything the stacks tagged in a region. */
export function awsDiscovery(region) {
  return [
    'aws',
    'resourcegroupstaggingapi',
    'get-resources',
    '--region',
    region,
    '--tag-filters',
    `Key=${MANAGED_BY.key},Values=${MANAGED_BY.value}`,
    '--output',
    'json',
  ];
}

/**
 * Groups `get-resources` output by the Project tag: `Map<project, [{ type, id }]>`, where type
 * is the ARN's resource type (instance, vpc, subnet, …) and id the resource id.
 */
export function awsInventory(output) {
  const byProject = new Map();
  for (const r of output.ResourceTagMappingList ?? []) {
    const tags = Object.fromEntries((r.Tags ?? []).map((t) => [t.Key, t.Value]));
    if (tags[MANAGED_BY.key] !== MANAGED_BY.value || !tags[PROJECT_TAG]) continue;
    const m = /^arn:aws[\w-]*:ec2:[\w-]+:\d*:([\w-]+)\/(.+)$/.exec(r.ResourceARN);
    const item = m ? { type: m[1], id: m[2] } : { type: 'other', id: r.ResourceARN };
    const list = byProject.get(tags[PROJECT_TAG]) ?? [];
    list.push(item);
    byProject.set(tags[PROJECT_TAG], list);
  }
  return byProject;
}

const ec2 = (region, ...args) => ['aws', 'ec2', ...args, '--region', region];

/**
 * The commands that delete one project's AWS resources, dependencies first: the instance (and
 * wait until it is gone, which frees its network interface and root disk), its EIP, key pair
 * and leftover volumes, then the network from the inside out. `unknown` lists resources of a
 * type the stacks do not create (never deleted here: a human looks at them).
 */
export function awsPlan(region, resources) {
  const ids = (type) => resources.filter((r) => r.type === type).map((r) => r.id);
  const commands = [];
  const instances = ids('instance');
  if (instances.length) {
    commands.push(ec2(region, 'terminate-instances', '--instance-ids', ...instances));
    commands.push(ec2(region, 'wait', 'instance-terminated', '--instance-ids', ...instances));
  }
  for (const id of ids('elastic-ip')) commands.push(ec2(region, 'release-address', '--allocation-id', id));
  for (const id of ids('key-pair')) commands.push(ec2(region, 'delete-key-pair', '--key-pair-id', id));
  for (const id of ids('volume')) commands.push(ec2(region, 'delete-volume', '--volume-id', id));
  const vpcs = ids('vpc');
  for (const id of ids('internet-gateway')) {
    for (const vpc of vpcs)
      commands.push(ec2(region, 'detach-internet-gateway', '--internet-gateway-id', id, '--vpc-id', vpc));
    commands.push(ec2(region, 'delete-internet-gateway', '--internet-gateway-id', id));
  }
  // A subnet's route table association goes with the subnet; the table can go after it.
  for (const id of ids('subnet')) commands.push(ec2(region, 'delete-subnet', '--subnet-id', id));
  for (const id of ids('route-table'))
    commands.push(ec2(region, 'delete-route-table', '--route-table-id', id));
  for (const id of ids('security-group'))
    commands.push(ec2(region, 'delete-security-group', '--group-id', id));
  for (const id of vpcs) commands.push(ec2(region, 'delete-vpc', '--vpc-id', id));
  // Security group rules are tagged too (provider default tags) and go with their group.
  const known = new Set([
    'security-group-rule',
    'instance',
    'elastic-ip',
    'key-pair',
    'volume',
    'internet-gateway',
    'subnet',
    'route-table',
    'security-group',
    'vpc',
  ]);
  return { commands, unknown: resources.filter((r) => !known.has(r.type)) };
}

// ---- Alibaba Cloud -------------------------------------------------------------------------

const tagFilter = ['--Tag.1.Key', MANAGED_BY.key, '--Tag.1.Value', MANAGED_BY.value];

/**
 * The read-only calls (one per resource kind the stack creates), with where each answer keeps
 * its list and the field that holds the id. Page size 50 (the VPC APIs' maximum): a region with
 * more CI resources of one kind than that is swept over several runs.
 */
export function aliyunDiscovery(region) {
  const call = (product, api, list, id) => ({
    kind: api.replace(/^Describe/, ''),
    argv: ['aliyun', product, api, '--RegionId', region, ...tagFilter, '--PageSize', '50'],
    list,
    id,
  });
  return [
    call('ecs', 'DescribeInstances', 'Instances.Instance', 'InstanceId'),
    call('vpc', 'DescribeEipAddresses', 'EipAddresses.EipAddress', 'AllocationId'),
    call('ecs', 'DescribeKeyPairs', 'KeyPairs.KeyPair', 'KeyPairName'),
    call('ecs', 'DescribeSecurityGroups', 'SecurityGroups.SecurityGroup', 'SecurityGroupId'),
    call('vpc', 'DescribeVSwitches', 'VSwitches.VSwitch', 'VSwitchId'),
    call('vpc', 'DescribeVpcs', 'Vpcs.Vpc', 'VpcId'),
  ];
}

/** ECS answers tags as {TagKey, TagValue}, VPC as {Key, Value}. */
function aliyunTags(item) {
  return Object.fromEntries((item.Tags?.Tag ?? []).map((t) => [t.TagKey ?? t.Key, t.TagValue ?? t.Value]));
}

/**
 * Groups the discovery answers (`answers[i]` is the parsed JSON of `aliyunDiscovery()[i]`) by
 * the Project tag: `Map<project, [{ kind, id, instanceId? }]>` (instanceId: what an EIP is bound to).
 */
export function aliyunInventory(calls, answers) {
  const byProject = new Map();
  calls.forEach((call, i) => {
    const items = call.list.split('.').reduce((o, k) => o?.[k], answers[i]) ?? [];
    for (const item of items) {
      const tags = aliyunTags(item);
      if (tags[MANAGED_BY.key] !== MANAGED_BY.value || !tags[PROJECT_TAG]) continue;
      const entry = { kind: call.kind, id: item[call.id] };
      if (item.InstanceId && call.kind === 'EipAddresses') entry.instanceId = item.InstanceId;
      const list = byProject.get(tags[PROJECT_TAG]) ?? [];
      list.push(entry);
      byProject.set(tags[PROJECT_TAG], list);
    }
  });
  return byProject;
}

/**
 * The commands that delete one project's Alibaba resources: unbind the EIP, force-delete the
 * instance (its system disk goes with it), release the EIP, then key pair, security group,
 * vSwitch and VPC. Commands that depend on the instance being gone are retried by the script.
 */
export function aliyunPlan(region, resources) {
  const of = (kind) => resources.filter((r) => r.kind === kind);
  const call = (product, api, ...args) => ['aliyun', product, api, '--RegionId', region, ...args];
  const commands = [];
  for (const eip of of('EipAddresses')) {
    if (eip.instanceId)
      commands.push(
        call(
          'vpc',
          'UnassociateEipAddress',
          '--AllocationId',
          eip.id,
          '--InstanceId',
          eip.instanceId,
          '--Force',
          'true',
        ),
      );
  }
  for (const i of of('Instances'))
    commands.push(call('ecs', 'DeleteInstance', '--InstanceId', i.id, '--Force', 'true'));
  for (const eip of of('EipAddresses'))
    commands.push(call('vpc', 'ReleaseEipAddress', '--AllocationId', eip.id));
  for (const k of of('KeyPairs'))
    commands.push(call('ecs', 'DeleteKeyPairs', '--KeyPairNames', JSON.stringify([k.id])));
  for (const sg of of('SecurityGroups'))
    commands.push(call('ecs', 'DeleteSecurityGroup', '--SecurityGroupId', sg.id));
  for (const v of of('VSwitches')) commands.push(call('vpc', 'DeleteVSwitch', '--VSwitchId', v.id));
  for (const v of of('Vpcs')) commands.push(call('vpc', 'DeleteVpc', '--VpcId', v.id));
  return { commands, unknown: [] };
}

// ---- The sweep -----------------------------------------------------------------------------

/**
 * What one region's sweep does: every CI project of `cloud` older than `maxAgeMs` with the
 * commands that delete its resources (`plan` is awsPlan or aliyunPlan), and the projects it
 * keeps with the reason (young, or not CI's: a real deployment is never touched).
 */
export function sweepPlan({ cloud, region, inventory, nowMs, maxAgeMs }) {
  const plan = cloud === 'aws' ? awsPlan : aliyunPlan;
  const sweep = [];
  const kept = [];
  for (const [project, resources] of [...inventory].sort(([a], [b]) => a.localeCompare(b))) {
    const ci = parseCiProject(project);
    if (!ci || ci.cloud !== cloud) {
      kept.push({ project, reason: 'not a CI project' });
    } else if (!isOldCiProject(project, cloud, nowMs, maxAgeMs)) {
      kept.push({ project, reason: `created ${ageText(nowMs - ci.createdMs)} ago` });
    } else {
      sweep.push({ project, createdMs: ci.createdMs, resources, ...plan(region, resources) });
    }
  }
  return { sweep, kept };
}

/** The projects whose remote state the sweep removes: CI's, of this cloud, old, and not failing. */
export function staleStates({ cloud, prefixes, nowMs, maxAgeMs, failed = new Set() }) {
  return prefixes.filter((p) => isOldCiProject(p, cloud, nowMs, maxAgeMs) && !failed.has(p));
}

export function ageText(ms) {
  const minutes = Math.round(ms / 60_000);
  return minutes < 120 ? `${minutes} min` : `${(minutes / 60).toFixed(1)} h`;
}

/**
 * The environment for the aliyun CLI: it reads ALIBABA_CLOUD_* only, while the deployer and the
 * CI context use Terraform's ALICLOUD_* names. Values travel in the environment, never argv.
 */
export function aliyunEnv(env) {
  const out = { ...env, ALIBABA_CLOUD_IGNORE_PROFILE: 'TRUE' };
  const alias = {
    ALIBABA_CLOUD_ACCESS_KEY_ID: 'ALICLOUD_ACCESS_KEY',
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'ALICLOUD_SECRET_KEY',
    ALIBABA_CLOUD_SECURITY_TOKEN: 'ALICLOUD_SECURITY_TOKEN',
  };
  for (const [name, from] of Object.entries(alias)) {
    if (!out[name] && env[from]) out[name] = env[from];
  }
  return out;
}

// ---- Remote state --------------------------------------------------------------------------

const ossEndpoint = (region) => ['-e', `oss-${region}.aliyuncs.com`];

/** The read-only call that lists the top-level prefixes (one per project) of the state bucket. */
export function stateListing(cloud, bucket, region) {
  return cloud === 'aws'
    ? [
        'aws',
        's3api',
        'list-objects-v2',
        '--bucket',
        bucket,
        '--delimiter',
        '/',
        '--region',
        region,
        '--output',
        'json',
      ]
    : ['aliyun', 'oss', 'ls', `oss://${bucket}/`, '-d', ...ossEndpoint(region)];
}

/** The project prefixes in a listing (`list-objects-v2` JSON for aws, `oss ls -d` text for alicloud). */
export function statePrefixes(cloud, bucket, output) {
  if (cloud === 'aws') {
    return (JSON.parse(output || '{}').CommonPrefixes ?? []).map((p) => p.Prefix.replace(/\/$/, ''));
  }
  const re = new RegExp(`^oss://${bucket.replace(/\./g, '\\.')}/([^/]+)/$`);
  return output
    .split('\n')
    .map((l) => re.exec(l.trim())?.[1])
    .filter(Boolean);
}

/** The command that removes one project's state (state file and lock file) from the bucket. */
export function stateRemoval(cloud, bucket, region, project) {
  return cloud === 'aws'
    ? ['aws', 's3', 'rm', `s3://${bucket}/${project}/`, '--recursive', '--region', region]
    : ['aliyun', 'oss', 'rm', `oss://${bucket}/${project}/`, '-r', '-f', ...ossEndpoint(region)];
}

/**
 * A delete that failed only because its target is already gone (or, for an internet gateway,
 * already detached) counts as done: AWS says `Invalid<Kind>ID.NotFound` / `Gateway.NotAttached`,
 * Alibaba `Invalid<Kind>Id.NotFound`.
 */
export function alreadyGone(output) {
  return /\.NotFound\b|Gateway\.NotAttached/.test(output);
}

/** The command as it would be typed (for --dry-run and the log); nothing in it is secret. */
export function shellLine(argv) {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}
