/**
 * THE config schema: one row per field of `ckb-pool.yaml` on the pool's config engine, in
 * resolution order (a default or a check may read fields above it, and the compiler holds it
 * to that). The config type (types.ts), validation, defaults, `init` prompts and flags, and
 * docs/config.md are all derived from this table.
 */
import { createRequire } from 'node:module';
import { PUBLIC_CHAINS } from 'ckb-pool/ckb/chain';
import type { ConfigProblem } from 'ckb-pool/config-engine/errors';
import { ConfigTable, type FieldSpec as EngineFieldSpec, type Field } from 'ckb-pool/config-engine/table';
import { CLOUD_PROFILES, isCloud } from '../../stacks/clouds.js';
import { MAX_POOL_HOSTS } from '../../stacks/cluster.js';
import { MIN_DISK_GB, PRIVATE_PORTS, SIZES } from '../../stacks/spec.js';
import { payoutLock } from './address.js';
import { bool, cidr, int, type Kind, list, oneOf, str } from './kinds.js';
import {
  PAYOUTS_CONFIRMATIONS,
  PAYOUTS_ENABLED,
  PAYOUTS_FEE_PERCENT,
  PAYOUTS_INTERVAL,
  PAYOUTS_MAX_FEE_RATE,
  PAYOUTS_OPERATOR_ADDRESS,
  PAYOUTS_THRESHOLD,
  payoutsOn,
  WEB_PUBLIC,
} from './payout-fields.js';

/** What a deployer row carries besides the engine's: its `init` flag and question. */
export interface DeployMeta {
  /** The `init` flag, e.g. `payout-address` for `--payout-address`. */
  flag: string;
  /** The question `init` asks (absent: never asked, the default is used). */
  prompt?: string;
}

/** A row of the table as init and the docs read it. */
export type FieldSpec = Field<DeployMeta>;

// The pool package this deployer was released with: its image carries the same version.
const POOL_VERSION = (createRequire(import.meta.url)('ckb-pool/package.json') as { version: string }).version;

/**
 * Where CI publishes the pool image on every release tag (.circleci/config.yml, docs/release.md).
 * A fork publishing elsewhere sets images.pool; `up` builds the image when it cannot be pulled.
 */
export const POOL_IMAGE_REPOSITORY = 'ghcr.io/ckb-pool-deploy/ckb-pool';

/** Pinned images. Bump deliberately: a tag is a tested combination. */
export const DEFAULT_IMAGES = {
  ckb: 'nervos/ckb:v0.205.0',
  pool: `${POOL_IMAGE_REPOSITORY}:${POOL_VERSION}`,
  prometheus: 'prom/prometheus:v3.5.0',
  alertmanager: 'prom/alertmanager:v0.28.1',
  grafana: 'grafana/grafana:12.1.1',
  nodeExporter: 'prom/node-exporter:v1.9.1',
} as const;

// What the rows' checks read of the fields above them.
type WithCloud = { cloud?: string };
type WithState = { state?: { backend?: string } };

const isCloudVm = (c: WithCloud) => c.cloud !== undefined && isCloud(c.cloud);
const isRemote = (c: WithCloud) => c.cloud !== 'local';
const isBucket = (c: WithState) => c.state?.backend === 's3' || c.state?.backend === 'oss';

const ABSTRACT_SIZES = Object.keys(SIZES);
/** The profile (stacks/<cloud>/profile.ts) of a config's cloud when it is a cloud VM. */
const vmProfile = (c: WithCloud) => (c.cloud && isCloud(c.cloud) ? CLOUD_PROFILES[c.cloud] : undefined);

type Row<P extends string, V> = [path: P, kind: Kind<V>, spec: EngineFieldSpec<V, unknown> & DeployMeta];

function image<N extends keyof typeof DEFAULT_IMAGES>(name: N): Row<`images.${N}`, string> {
  return [
    `images.${name}`,
    str('image reference'),
    {
      doc: `Image of the ${name === 'pool' ? 'pool (`ckb-pool serve` and `ckb-pool translate`)' : name === 'nodeExporter' ? 'host exporter (node_exporter: disk, CPU, memory of the host)' : name} service: \`name:tag\`, or \`name:tag@sha256:<digest>\` to pin the content as well (required on mainnet unless \`render --allow-unpinned\`).`,
      default: DEFAULT_IMAGES[name],
      flag: `${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}-image`,
      check: (v) => imageProblem(v, DEFAULT_IMAGES[name]),
    },
  ];
}

/** A reference keeps its tag (which release) and may add a digest (which bytes). */
function imageProblem(v: string, example: string): string | undefined {
  const at = v.indexOf('@');
  const ref = at < 0 ? v : v.slice(0, at);
  const digest = at < 0 ? null : v.slice(at + 1);
  const tagged =
    /^[a-z0-9][a-z0-9._\-/:]*:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(ref) &&
    ref.slice(ref.lastIndexOf('/') + 1).includes(':');
  if (!tagged) return `'${v}' has no tag; keep the tag even with a digest, e.g. ${example}`;
  if (digest !== null && !/^sha256:[0-9a-f]{64}$/.test(digest))
    return `'${v}': a digest is sha256: and 64 lowercase hex characters`;
  if (ref.endsWith(':latest')) return `'${v}' uses :latest; pin an exact version, e.g. ${example}`;
  return undefined;
}

const PORT_NAMES = ['sv2', 'v1', 'p2p', 'api', 'prometheus', 'grafana', 'web'] as const;
type PortName = (typeof PORT_NAMES)[number];
// `web` too: it is public as soon as web.public is switched on.
const PUBLIC_PORTS: readonly PortName[] = ['sv2', 'v1', 'p2p', 'web'];
function port<N extends PortName>(name: N, value: number, doc: string): Row<`ports.${N}`, number> {
  return [
    `ports.${name}`,
    int(1, 65535, { strings: true }),
    {
      doc,
      default: value,
      flag: `${name}-port`,
      check: (v) => {
        if (v === 8114) return '8114 is the CKB RPC port, which must never be published; pick another';
        if (PUBLIC_PORTS.includes(name) && PRIVATE_PORTS.includes(v)) {
          return `${v} belongs to a service that must stay private (${PRIVATE_PORTS.join(', ')}); pick another public port`;
        }
        return undefined;
      },
    },
  ];
}

/** Every port must differ: a clash is reported on the later one, naming the earlier. */
function portsDiffer(c: { ports?: Partial<Record<PortName, number>> }): ConfigProblem[] {
  const seen = new Map<number, PortName>();
  const problems: ConfigProblem[] = [];
  for (const name of PORT_NAMES) {
    const v = c.ports?.[name];
    if (v === undefined) continue;
    const earlier = seen.get(v);
    if (earlier)
      problems.push({
        path: `ports.${name}`,
        message: `${v} is also ports.${earlier}; every port must differ`,
      });
    else seen.set(v, name);
  }
  return problems;
}

export const DEPLOY_TABLE = ConfigTable.create<DeployMeta>()
  .field(
    'project',
    str(
      'project name',
      /^[a-z][a-z0-9-]{1,30}[a-z0-9]$/,
      '3-32 characters: lowercase letters, digits, dashes',
    ),
    {
      doc: 'Name of this deployment: the compose project, and the prefix of every cloud resource and of the Terraform state key.',
      default: 'ckb-pool',
      flag: 'project',
      prompt: 'Project name',
    },
  )
  .field('chain', oneOf(PUBLIC_CHAINS), {
    doc: 'CKB chain the node follows and the pool mines on. Decides the node spec, the PoW function and the address prefix.',
    default: 'mainnet',
    flag: 'chain',
    prompt: 'Chain',
  })
  .field(...PAYOUTS_ENABLED)
  .field('payoutAddress', str('CKB address'), {
    doc:
      'Address that receives block rewards (the node’s `[block_assembler]` lock): `ckb1…` on mainnet, `ckt1…` on testnet. ' +
      'Full (bech32m) and deprecated short/full formats are accepted; it must use the default secp256k1-blake160 lock. ' +
      'With payouts enabled it is the pool wallet’s address: `init` writes it from the wallet key and `render` refuses any other.',
    flag: 'payout-address',
    prompt: 'Payout address',
    ask: (c) => !payoutsOn(c),
    check: (v, c) => {
      try {
        payoutLock(v, c.chain ?? 'mainnet');
        return undefined;
      } catch (e) {
        return `${(e as Error).message}`;
      }
    },
  })
  .field('cloud', oneOf(['aws', 'alicloud', 'local', 'ssh'] as const), {
    doc: 'Where the pool runs: a new AWS or Alibaba Cloud VM, this machine (`local`), or an existing server over SSH (`ssh`).',
    default: 'local',
    flag: 'cloud',
    prompt: 'Where should the pool run?',
  })
  .optional('region', str('region'), {
    doc: 'Cloud region, e.g. `us-east-1` (AWS) or `ap-southeast-1` (Alibaba Cloud). Required for aws/alicloud and always written explicitly into the provider: no silent fallback region.',
    requiredWhen: isCloudVm,
    suggest: (c) => vmProfile(c)?.region.example,
    defaultDoc: 'required for aws/alicloud (init suggests us-east-1 / ap-southeast-1)',
    flag: 'region',
    prompt: 'Region',
    ask: isCloudVm,
    check: (v, c) => {
      const p = vmProfile(c);
      return p && !p.region.pattern.test(v)
        ? `'${v}' is not a region name of ${c.cloud}, e.g. ${p.region.example}`
        : undefined;
    },
  })
  .field('instance.size', str('instance type'), {
    doc: `VM size: \`small\`, \`medium\` or \`large\` (${Object.entries(SIZES)
      .map(([k, v]) => `${k} = ${v.cpu} vCPU/${v.memoryGiB} GiB`)
      .join(
        ', ',
      )}), or a concrete instance type. 2 vCPU and 8 GiB suit a mainnet node plus the pool. Ignored for local and ssh.`,
    default: (c) => vmProfile(c)?.instanceType.default ?? '',
    defaultDoc: '`m6i.large` (aws), `ecs.g7.large` (alicloud), empty otherwise',
    flag: 'instance-size',
    prompt: 'Instance type',
    ask: isCloudVm,
    check: (v, c) => {
      const p = vmProfile(c);
      return p && !ABSTRACT_SIZES.includes(v) && !p.instanceType.pattern.test(v)
        ? `'${v}' is not an instance type of ${c.cloud}; use ${ABSTRACT_SIZES.join('/')} or e.g. ${p.instanceType.default}`
        : undefined;
    },
  })
  .field('instance.diskGb', int(30, 16384, { strings: true }), {
    doc: 'Size in GiB of the VM’s one disk (encrypted root disk), which holds the chain data, the ledger and metrics. Ignored for local and ssh (checked as free space by the Ansible role).',
    default: (c) => (c.chain === 'testnet' ? 150 : 300),
    defaultDoc: '300 (mainnet), 150 (testnet)',
    flag: 'disk-gb',
    prompt: 'Disk size (GiB)',
    ask: isCloudVm,
    check: (v, c) => {
      const p = vmProfile(c);
      if (!p) return undefined;
      const min = MIN_DISK_GB[c.chain ?? 'mainnet'];
      const max = p.maxDiskGb;
      if (v < min) return `${v} GiB is too small for a ${c.chain} node; use at least ${min}`;
      if (v > max) return `${v} GiB is more than ${c.cloud} allows for this disk (${max})`;
      return undefined;
    },
  })
  .field('adminCidrs', list(cidr(), 'list of CIDRs'), {
    doc: 'Who may reach SSH (and, over an SSH tunnel, Grafana, Prometheus and the pool API), e.g. `203.0.113.7/32`. Required for aws, alicloud and ssh; `0.0.0.0/0` is refused.',
    default: [],
    flag: 'admin-cidr',
    prompt: 'Admin CIDRs allowed to SSH in (comma-separated, e.g. 203.0.113.7/32)',
    ask: isRemote,
    check: (v, c) => {
      if (isRemote(c) && v.length === 0) {
        return `at least one is required for cloud ${c.cloud}: your public IP as a /32 (e.g. --admin-cidr 203.0.113.7/32)`;
      }
      const open = v.find((x) => x.endsWith('/0'));
      return open
        ? `${open} would open SSH to the whole internet; list your own address(es) instead`
        : undefined;
    },
  })
  .field('publicCidrs', list(cidr(), 'list of CIDRs'), {
    doc: 'Who may reach the public ports (SV2, V1, CKB P2P). Narrow it to your miners’ networks for a private pool.',
    default: ['0.0.0.0/0'],
    flag: 'public-cidr',
  })
  .field(
    ...port(
      'sv2',
      3336,
      'Public Stratum V2 (Noise-encrypted) port for SV2 miners and proxies. 3336 sits next to 3333 so both protocols fit one firewall range.',
    ),
  )
  .field(
    ...port(
      'v1',
      3333,
      'Public Stratum V1 port served by the translator (`ckb-pool translate`): 3333 is what CKB ASIC/GPU miner firmware and pool lists use by convention.',
    ),
  )
  .field(
    ...port(
      'p2p',
      8115,
      'Public CKB peer-to-peer port of the node (CKB’s default 8115); peers need it to reach the node.',
    ),
  )
  .field(
    ...port('api', 8080, 'Host port of the pool HTTP API (`/health`, `/metrics`), bound to 127.0.0.1 only.'),
  )
  .field(
    ...port(
      'prometheus',
      9090,
      'Host port of Prometheus, bound to 127.0.0.1 only (reach it over an SSH tunnel).',
    ),
  )
  .field(
    ...port('grafana', 3000, 'Host port of Grafana, bound to 127.0.0.1 only (reach it over an SSH tunnel).'),
  )
  .field(
    ...port(
      'web',
      8081,
      'Host port of the miners’ web page. On 127.0.0.1 only unless `web.public` (then open to `publicCidrs`); the page is read-only and rate-limited.',
    ),
  )
  .field(...WEB_PUBLIC)
  .optional(...PAYOUTS_OPERATOR_ADDRESS)
  .field(...PAYOUTS_THRESHOLD)
  .field(...PAYOUTS_FEE_PERCENT)
  .field(...PAYOUTS_INTERVAL)
  .field(...PAYOUTS_MAX_FEE_RATE)
  .field(...PAYOUTS_CONFIRMATIONS)
  .field(...image('ckb'))
  .field(...image('pool'))
  .field('images.translator', str('image reference'), {
    doc:
      'Image of the translator service (`ckb-pool translate`, the V1 port). `init` writes it with the pool’s version, so changing `images.pool` ' +
      'alone upgrades only the pool while V1 miners stay connected; change this too to upgrade the translator (V1 miners reconnect once). ' +
      'Unset: the same as `images.pool` (docs/operations.md, Upgrading).',
    default: (c) => c.images?.pool ?? DEFAULT_IMAGES.pool,
    defaultDoc: 'the value of `images.pool`',
    flag: 'translator-image',
    check: (v) => imageProblem(v, DEFAULT_IMAGES.pool),
  })
  .field(...image('prometheus'))
  .field(...image('alertmanager'))
  .field(...image('grafana'))
  .field(...image('nodeExporter'))
  .field('monitoring.enabled', bool(), {
    doc: 'Run Prometheus, Alertmanager and Grafana with the provisioned dashboards and alert rules.',
    default: true,
    flag: 'monitoring',
    prompt: 'Run monitoring (Prometheus, Alertmanager, Grafana)?',
  })
  .optional('monitoring.alertWebhookUrl', str('http(s) URL', /^https?:\/\/[^\s/]+(\/\S*)?$/), {
    doc: 'Alertmanager sends every alert (pool or translator down, node down or behind, no new job, a template paying another lock, rejected-share spike, block found or rejected) to this webhook. Unset: alerts are only visible in Prometheus/Alertmanager.',
    flag: 'alert-webhook-url',
    prompt: 'Alert webhook URL (empty for none)',
    ask: (c) => c.monitoring?.enabled === true,
  })
  .field('pool.shareIntervalSeconds', int(1, 600, { strings: true }), {
    doc:
      'Average time between accepted shares that vardiff aims for on every miner (pool.yaml `vardiff.targetShareIntervalSeconds`). ' +
      'Shorter: steadier hashrate charts, more ledger rows and traffic (the ledger grows by about 60 bytes per share); longer: the reverse. ' +
      'Changing it restarts only the pool service.',
    default: 10,
    flag: 'share-interval',
  })
  .field('pool.hosts', int(1, MAX_POOL_HOSTS, { strings: true }), {
    doc:
      'Pool hosts behind a TCP load balancer (aws and alicloud). 1: one VM runs everything (node, pool, ledger, monitoring). ' +
      '2 or more: one node host (CKB node, monitoring, private network only) shared by N pool hosts on one PostgreSQL ledger; see docs/clouds.md "Several pool hosts".',
    default: 1,
    flag: 'pool-hosts',
    check: (v, c) => (v > 1 && !isCloudVm(c) ? 'several pool hosts need cloud: aws or alicloud' : undefined),
  })
  .field('secretsDir', str('path'), {
    doc: 'Folder with the generated secrets (SV2 authority key, Grafana admin password), mode 0700/0600. Written once by `init`; keep it out of version control.',
    default: 'secrets',
    isPath: true,
    flag: 'secrets-dir',
  })
  .field('ssh.publicKeyPath', str('path'), {
    doc: 'SSH public key installed on the VM (aws/alicloud).',
    default: '~/.ssh/id_ed25519.pub',
    isPath: true,
    flag: 'ssh-public-key',
    prompt: 'SSH public key',
    ask: isCloudVm,
  })
  .field('ssh.privateKeyPath', str('path'), {
    doc: 'SSH private key Ansible connects with (aws, alicloud, ssh).',
    default: '~/.ssh/id_ed25519',
    isPath: true,
    flag: 'ssh-private-key',
    prompt: 'SSH private key',
    ask: isRemote,
  })
  .optional('ssh.user', str('user name', /^[a-z_][a-z0-9_-]{0,31}$/), {
    doc: 'SSH login user. Unset: `admin` on aws/alicloud (created by cloud-init on the Debian 12 VM); required for ssh.',
    requiredWhen: (c) => c.cloud === 'ssh',
    suggest: (c) => (c.cloud === 'ssh' ? 'root' : undefined),
    defaultDoc: 'required for ssh',
    flag: 'ssh-user',
    prompt: 'SSH user',
    ask: (c) => c.cloud === 'ssh',
  })
  .optional('ssh.host', str('host name or IP', /^[A-Za-z0-9.:-]+$/), {
    doc: 'Address of the existing server (cloud `ssh` only).',
    requiredWhen: (c) => c.cloud === 'ssh',
    defaultDoc: 'required for ssh',
    flag: 'ssh-host',
    prompt: 'Server address',
    ask: (c) => c.cloud === 'ssh',
  })
  .field('state.backend', oneOf(['local', 's3', 'oss'] as const), {
    doc: 'Where Terraform keeps its state: a local file, an S3 bucket (aws) or an OSS bucket (alicloud).',
    default: 'local',
    flag: 'state-backend',
    prompt: 'Terraform state backend',
    ask: isCloudVm,
    check: (v, c) => {
      if (v === 'local') return undefined;
      const owner = Object.values(CLOUD_PROFILES).find((p) => p.stateBackend === v);
      const own = vmProfile(c)?.stateBackend;
      return own === v
        ? undefined
        : `${v} state needs cloud ${owner?.cloud}; use local${own ? ` or ${own}` : ''}`;
    },
  })
  .optional('state.bucket', str('bucket name', /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/), {
    doc: 'Existing bucket for the Terraform state (s3/oss).',
    requiredWhen: isBucket,
    defaultDoc: 'required for s3/oss',
    flag: 'state-bucket',
    prompt: 'State bucket',
    ask: isBucket,
  })
  .optional('state.key', str('object key'), {
    doc: 'Object key of the state file in the bucket.',
    default: (c) => (isBucket(c) ? `${c.project}/terraform.tfstate` : undefined),
    defaultDoc: '`<project>/terraform.tfstate` (s3/oss)',
    flag: 'state-key',
  })
  .optional('state.region', str('region'), {
    doc: 'Region of the state bucket.',
    default: (c) => (isBucket(c) ? c.region : undefined),
    defaultDoc: 'the deployment’s `region` (s3/oss)',
    flag: 'state-region',
  })
  .rule(portsDiffer);

export const FIELD_LIST: readonly FieldSpec[] = DEPLOY_TABLE.fields;
