import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { FIELD_LIST } from '../../cli/config/fields.js';
import {
  aliyunDiscovery,
  aliyunEnv,
  aliyunInventory,
  aliyunPlan,
  alreadyGone,
  awsInventory,
  awsPlan,
  isOldCiProject,
  parseCiProject,
  parseDuration,
  shellLine,
  staleStates,
  statePrefixes,
  stateRemoval,
  sweepPlan,
} from './sweep.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const HOUR = 3_600_000;
const NOW = Date.UTC(2026, 11, 6, 12, 0, 0);
const secondsAgo = (h: number) => Math.floor((NOW - h * HOUR) / 1000);
const tags = (project: string) => [
  { Key: 'Project', Value: project },
  { Key: 'Chain', Value: 'testnet' },
  { Key: 'ManagedBy', Value: 'ckb-pool-deploy' },
];
const arn = (type: string, id: string) => `arn:aws:ec2:us-east-1:123456789012:${type}/${id}`;

describe('what the sweeper calls old and ours', () => {
  it('is a smoke-<cloud>-<unix seconds> project of that cloud created more than the max age ago', () => {
    const old = `smoke-aws-${secondsAgo(3)}-4711`;
    expect(parseCiProject(old)).toEqual({ cloud: 'aws', createdMs: secondsAgo(3) * 1000 });
    expect(isOldCiProject(old, 'aws', NOW, 2 * HOUR)).toBe(true);
    expect(isOldCiProject(`smoke-aws-${secondsAgo(1)}-4712`, 'aws', NOW, 2 * HOUR)).toBe(false);
    expect(isOldCiProject(`smoke-alicloud-${secondsAgo(3)}`, 'aws', NOW, 2 * HOUR)).toBe(false);
  });

  it('is never a project with any other name, however old', () => {
    for (const name of [
      'ckb-pool',
      'smoke-aws',
      'smoke-aws-12',
      `prod-smoke-aws-${secondsAgo(9)}`,
      `smoke-gcp-${secondsAgo(9)}`,
    ])
      expect(isOldCiProject(name, 'aws', NOW, 2 * HOUR), name).toBe(false);
  });

  it('reads max ages as minutes, hours or days, and refuses anything else', () => {
    expect(parseDuration('90m')).toBe(1.5 * HOUR);
    expect(parseDuration('2h')).toBe(2 * HOUR);
    expect(parseDuration('1d')).toBe(24 * HOUR);
    for (const bad of ['2', '0h', '2 h', '-1h', '1w', ''])
      expect(() => parseDuration(bad), bad).toThrow(/bad duration/);
  });
});

describe('the project names ci/smoke-deploy.sh gives its deployments', () => {
  const name = (cloud: string, build: string) =>
    execFileSync('bash', [`${root}ci/smoke-deploy.sh`, cloud, 'project'], {
      encoding: 'utf8',
      env: { ...process.env, CIRCLE_BUILD_NUM: build },
    }).trim();
  const projectRule = FIELD_LIST.find((f) => f.path === 'project');

  it.each([
    ['aws', '7'],
    ['alicloud', '123456789'],
  ])('on %s (build %s) are CI projects created now, and valid project names', (cloud, build) => {
    const project = name(cloud, build);
    const parsed = parseCiProject(project);
    expect(parsed?.cloud).toBe(cloud);
    expect(Math.abs(Date.now() - (parsed?.createdMs ?? 0))).toBeLessThan(60_000);
    expect(projectRule?.kind.parse(project)).toBe(project);
  });

  it('would be refused by the config one build digit longer: the script keeps six', () => {
    expect(() => projectRule?.kind.parse(`smoke-alicloud-${secondsAgo(0)}-1234567`)).toThrow();
  });
});

describe('the AWS sweep', () => {
  const old = `smoke-aws-${secondsAgo(3)}-1`;
  const young = `smoke-aws-${secondsAgo(1)}-2`;
  const inventory = awsInventory({
    ResourceTagMappingList: [
      ...[
        ['instance', 'i-0a'],
        ['vpc', 'vpc-0a'],
        ['subnet', 'subnet-0a'],
        ['internet-gateway', 'igw-0a'],
        ['route-table', 'rtb-0a'],
        ['security-group', 'sg-0a'],
        ['elastic-ip', 'eipalloc-0a'],
        ['key-pair', 'key-0a'],
        ['security-group-rule', 'sgr-0a'],
      ].map(([t, id]) => ({ ResourceARN: arn(t, id), Tags: tags(old) })),
      { ResourceARN: arn('instance', 'i-0b'), Tags: tags(young) },
      { ResourceARN: arn('instance', 'i-prod'), Tags: tags('ckb-pool') },
      // Our tag value, another tool's resource: no Project tag, never ours to delete.
      { ResourceARN: arn('vpc', 'vpc-other'), Tags: [{ Key: 'ManagedBy', Value: 'ckb-pool-deploy' }] },
    ],
  });

  it('groups what the stacks tagged by project, and ignores resources without a project', () => {
    expect([...inventory.keys()].sort()).toEqual(['ckb-pool', old, young].sort());
    expect(inventory.get(old)).toHaveLength(9);
  });

  it('sweeps the old CI project only, and says why it keeps the others', () => {
    const { sweep, kept } = sweepPlan({
      cloud: 'aws',
      region: 'us-east-1',
      inventory,
      nowMs: NOW,
      maxAgeMs: 2 * HOUR,
    });
    expect(sweep.map((p: { project: string }) => p.project)).toEqual([old]);
    expect(kept).toEqual([
      { project: 'ckb-pool', reason: 'not a CI project' },
      { project: young, reason: expect.stringMatching(/^created 60 min ago$/) },
    ]);
  });

  it('deletes in an order EC2 accepts: instance (and wait), EIP, key, gateway, subnet, route table, security group (with its rules), VPC', () => {
    const { commands, unknown } = awsPlan('us-east-1', inventory.get(old));
    expect(unknown).toEqual([]);
    expect(commands.map((c: string[]) => shellLine(c))).toEqual([
      'aws ec2 terminate-instances --instance-ids i-0a --region us-east-1',
      'aws ec2 wait instance-terminated --instance-ids i-0a --region us-east-1',
      'aws ec2 release-address --allocation-id eipalloc-0a --region us-east-1',
      'aws ec2 delete-key-pair --key-pair-id key-0a --region us-east-1',
      'aws ec2 detach-internet-gateway --internet-gateway-id igw-0a --vpc-id vpc-0a --region us-east-1',
      'aws ec2 delete-internet-gateway --internet-gateway-id igw-0a --region us-east-1',
      'aws ec2 delete-subnet --subnet-id subnet-0a --region us-east-1',
      'aws ec2 delete-route-table --route-table-id rtb-0a --region us-east-1',
      'aws ec2 delete-security-group --group-id sg-0a --region us-east-1',
      'aws ec2 delete-vpc --vpc-id vpc-0a --region us-east-1',
    ]);
  });

  it('leaves a kind of resource the stacks never create to a human', () => {
    const { commands, unknown } = awsPlan('us-east-1', [{ type: 'natgateway', id: 'nat-1' }]);
    expect(commands).toEqual([]);
    expect(unknown).toEqual([{ type: 'natgateway', id: 'nat-1' }]);
  });
});

describe('the Alibaba Cloud sweep', () => {
  const old = `smoke-alicloud-${secondsAgo(5)}-9`;
  const calls = aliyunDiscovery('cn-hangzhou');
  const ecsTags = (p: string) => ({ Tag: tags(p).map((t) => ({ TagKey: t.Key, TagValue: t.Value })) });
  const vpcTags = (p: string) => ({ Tag: tags(p) });
  const answers = [
    {
      Instances: {
        Instance: [
          { InstanceId: 'i-a', Tags: ecsTags(old) },
          { InstanceId: 'i-prod', Tags: ecsTags('mypool') },
        ],
      },
    },
    { EipAddresses: { EipAddress: [{ AllocationId: 'eip-a', InstanceId: 'i-a', Tags: vpcTags(old) }] } },
    { KeyPairs: { KeyPair: [{ KeyPairName: `${old}-key`, Tags: ecsTags(old) }] } },
    { SecurityGroups: { SecurityGroup: [{ SecurityGroupId: 'sg-a', Tags: ecsTags(old) }] } },
    { VSwitches: { VSwitch: [{ VSwitchId: 'vsw-a', Tags: vpcTags(old) }] } },
    { Vpcs: { Vpc: [{ VpcId: 'vpc-a', Tags: vpcTags(old) }] } },
  ];

  it('asks each API for what carries the ManagedBy tag, read-only', () => {
    expect(calls.map((c: { argv: string[] }) => c.argv.slice(1, 3).join(' '))).toEqual([
      'ecs DescribeInstances',
      'vpc DescribeEipAddresses',
      'ecs DescribeKeyPairs',
      'ecs DescribeSecurityGroups',
      'vpc DescribeVSwitches',
      'vpc DescribeVpcs',
    ]);
    for (const c of calls)
      expect(shellLine(c.argv)).toContain('--Tag.1.Key ManagedBy --Tag.1.Value ckb-pool-deploy');
  });

  it('reads both tag shapes (ECS TagKey/TagValue, VPC Key/Value) into one inventory per project', () => {
    const inventory = aliyunInventory(calls, answers);
    expect([...inventory.keys()].sort()).toEqual(['mypool', old].sort());
    expect(inventory.get(old)).toContainEqual({ kind: 'EipAddresses', id: 'eip-a', instanceId: 'i-a' });
  });

  it('unbinds the EIP, force-deletes the instance, then releases the EIP and deletes the network', () => {
    const inventory = aliyunInventory(calls, answers);
    const { sweep, kept } = sweepPlan({
      cloud: 'alicloud',
      region: 'cn-hangzhou',
      inventory,
      nowMs: NOW,
      maxAgeMs: 2 * HOUR,
    });
    expect(kept).toEqual([{ project: 'mypool', reason: 'not a CI project' }]);
    expect(sweep[0].commands.map((c: string[]) => shellLine(c))).toEqual([
      'aliyun vpc UnassociateEipAddress --RegionId cn-hangzhou --AllocationId eip-a --InstanceId i-a --Force true',
      'aliyun ecs DeleteInstance --RegionId cn-hangzhou --InstanceId i-a --Force true',
      'aliyun vpc ReleaseEipAddress --RegionId cn-hangzhou --AllocationId eip-a',
      `aliyun ecs DeleteKeyPairs --RegionId cn-hangzhou --KeyPairNames '["${old}-key"]'`,
      'aliyun ecs DeleteSecurityGroup --RegionId cn-hangzhou --SecurityGroupId sg-a',
      'aliyun vpc DeleteVSwitch --RegionId cn-hangzhou --VSwitchId vsw-a',
      'aliyun vpc DeleteVpc --RegionId cn-hangzhou --VpcId vpc-a',
    ]);
    expect(aliyunPlan('cn-hangzhou', []).commands).toEqual([]);
  });

  it('gives the aliyun CLI the Terraform-named credentials in its own variables, ignoring any profile', () => {
    const env = aliyunEnv({ ALICLOUD_ACCESS_KEY: 'id', ALICLOUD_SECRET_KEY: 'secret', PATH: '/bin' });
    expect(env).toMatchObject({
      ALIBABA_CLOUD_ACCESS_KEY_ID: 'id',
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'secret',
      ALIBABA_CLOUD_IGNORE_PROFILE: 'TRUE',
      PATH: '/bin',
    });
    expect(
      aliyunEnv({ ALIBABA_CLOUD_ACCESS_KEY_ID: 'own', ALICLOUD_ACCESS_KEY: 'tf' })
        .ALIBABA_CLOUD_ACCESS_KEY_ID,
    ).toBe('own');
  });
});

describe('deletes that find nothing to delete', () => {
  it('count as done when the cloud says the target is gone, and only then', () => {
    expect(
      alreadyGone('An error occurred (InvalidVpcID.NotFound) when calling the DeleteVpc operation'),
    ).toBe(true);
    expect(alreadyGone('An error occurred (Gateway.NotAttached) when calling DetachInternetGateway')).toBe(
      true,
    );
    expect(alreadyGone('ERROR: SDK.ServerError\nErrorCode: InvalidInstanceId.NotFound')).toBe(true);
    expect(alreadyGone('An error occurred (DependencyViolation) when calling the DeleteVpc operation')).toBe(
      false,
    );
    expect(alreadyGone('An error occurred (UnauthorizedOperation)')).toBe(false);
  });
});

describe('the remote state the sweeper removes', () => {
  const old = `smoke-aws-${secondsAgo(4)}-3`;
  const young = `smoke-aws-${secondsAgo(0.5)}-4`;

  it('is the state folder of each old CI project whose resources are all gone', () => {
    const listing = JSON.stringify({
      CommonPrefixes: [old, young, 'ckb-pool'].map((p) => ({ Prefix: `${p}/` })),
    });
    const prefixes = statePrefixes('aws', 'ci-state', listing);
    expect(prefixes).toEqual([old, young, 'ckb-pool']);
    expect(staleStates({ cloud: 'aws', prefixes, nowMs: NOW, maxAgeMs: 2 * HOUR })).toEqual([old]);
    expect(
      staleStates({ cloud: 'aws', prefixes, nowMs: NOW, maxAgeMs: 2 * HOUR, failed: new Set([old]) }),
    ).toEqual([]);
    expect(shellLine(stateRemoval('aws', 'ci-state', 'us-east-1', old))).toBe(
      `aws s3 rm s3://ci-state/${old}/ --recursive --region us-east-1`,
    );
  });

  it('is read from an OSS listing the same way', () => {
    const oldAli = `smoke-alicloud-${secondsAgo(4)}-5`;
    const listing = `oss://ci-state/${oldAli}/\noss://ci-state/mypool/\n\nObject and Directory Number is: 2\n`;
    expect(statePrefixes('alicloud', 'ci-state', listing)).toEqual([oldAli, 'mypool']);
    expect(shellLine(stateRemoval('alicloud', 'ci-state', 'cn-hangzhou', oldAli))).toBe(
      `aliyun oss rm oss://ci-state/${oldAli}/ -r -f -e oss-cn-hangzhou.aliyuncs.com`,
    );
  });
});

describe('ci/sweep.mjs', () => {
  const script = `${root}ci/sweep.mjs`;
  const bin = mkdtempSync(join(tmpdir(), 'sweep-test-'));
  afterAll(() => rmSync(bin, { recursive: true, force: true }));

  it('explains itself with --help and refuses bad usage before calling any cloud', () => {
    expect(execFileSync(process.execPath, [script, '--help'], { encoding: 'utf8' })).toMatch(
      /^Usage: node ci\/sweep\.mjs --cloud aws\|alicloud[\s\S]*--dry-run/,
    );
    for (const [args, message] of [
      [['--cloud', 'gcp'], /--cloud must be aws or alicloud/],
      [['--cloud', 'aws', '--max-age', '30m'], /under 1h/],
      [['--cloud', 'aws', '--max-age', 'soon'], /bad duration 'soon'/],
    ] as const) {
      const r = spawnSync(process.execPath, [script, ...args], { encoding: 'utf8' });
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
    }
  });

  // No AWS account is reachable here: a stand-in `aws` answers the one read-only call with a
  // recorded inventory and logs every call, so the test sees exactly what --dry-run runs.
  it('with --dry-run lists the commands for old CI projects and runs none of them', () => {
    const old = `smoke-aws-${Math.floor(Date.now() / 1000) - 3 * 3600}-77`;
    const answer = {
      ResourceTagMappingList: [
        { ResourceARN: arn('instance', 'i-old'), Tags: tags(old) },
        { ResourceARN: arn('instance', 'i-prod'), Tags: tags('ckb-pool') },
      ],
    };
    writeFileSync(join(bin, 'answer.json'), JSON.stringify(answer));
    writeFileSync(
      join(bin, 'aws'),
      `#!/bin/sh\necho "$*" >> "${bin}/calls.log"\n[ "$1" = resourcegroupstaggingapi ] && cat "${bin}/answer.json"\nexit 0\n`,
    );
    chmodSync(join(bin, 'aws'), 0o755);
    const out = execFileSync(
      process.execPath,
      [script, '--cloud', 'aws', '--region', 'eu-west-1', '--dry-run'],
      {
        encoding: 'utf8',
        env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
      },
    );
    expect(out).toContain('eu-west-1: keep ckb-pool (not a CI project)');
    expect(out).toContain(`eu-west-1: sweep ${old}`);
    expect(out).toContain('would run: aws ec2 terminate-instances --instance-ids i-old --region eu-west-1');
    const calls = readFileSync(join(bin, 'calls.log'), 'utf8').trim().split('\n');
    expect(calls).toEqual([
      '--version',
      'resourcegroupstaggingapi get-resources --region eu-west-1 --tag-filters Key=ManagedBy,Values=ckb-pool-deploy --output json',
    ]);
  });
});
