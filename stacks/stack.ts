/**
 * One Terraform stack per deployment: state backend + the cloud's `PoolHost` + the common
 * outputs. `synthPool` writes plain Terraform JSON (`stacks/<name>/cdk.tf.json`) that
 * `terraform` or OpenTofu applies directly.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createAlicloudPoolCluster } from './alicloud/pool-cluster.js';
import { createAlicloudPoolHost } from './alicloud/pool-host.js';
import { createAwsPoolCluster } from './aws/pool-cluster.js';
import { createAwsPoolHost } from './aws/pool-host.js';
import {
  App,
  type Construct,
  Fn,
  LocalBackend,
  OssBackend,
  S3Backend,
  TerraformOutput,
  TerraformStack,
} from './cdk.js';
import { CLUSTER_OUTPUTS, isCluster, type PoolCluster, type PoolClusterFactory } from './cluster.js';
import { addHostOutputs, type PoolHost, type PoolHostFactory } from './pool-host.js';
import { type Cloud, checkSpec, type PoolHostSpec } from './spec.js';

export const HOST_FACTORIES: Record<Cloud, PoolHostFactory> = {
  aws: createAwsPoolHost,
  alicloud: createAlicloudPoolHost,
};

export const CLUSTER_FACTORIES: Record<Cloud, PoolClusterFactory> = {
  aws: createAwsPoolCluster,
  alicloud: createAlicloudPoolCluster,
};

/** The cluster's addresses; the database password is never among them. */
function addClusterOutputs(scope: Construct, cluster: PoolCluster): void {
  const out = (name: string, value: string, description: string) =>
    new TerraformOutput(scope, name, { value, description, staticId: true });
  out(CLUSTER_OUTPUTS.lbAddress, cluster.lbAddress, 'DNS name of the load balancer miners connect to');
  out(CLUSTER_OUTPUTS.nodePrivateIp, cluster.nodePrivateIp, 'Private IPv4 of the node host');
  new TerraformOutput(scope, CLUSTER_OUTPUTS.poolPublicIps, {
    value: Fn.tolist(cluster.poolPublicIps),
    description: 'Public IPv4 of each pool host, by index (SSH only; miners use the load balancer)',
    staticId: true,
  });
  new TerraformOutput(scope, CLUSTER_OUTPUTS.poolPrivateIps, {
    value: Fn.tolist(cluster.poolPrivateIps),
    description: 'Private IPv4 of each pool host, by index',
    staticId: true,
  });
  out(CLUSTER_OUTPUTS.databaseHost, cluster.databaseHost, 'Host name of the PostgreSQL ledger');
  if (cluster.databaseSecretArn) {
    out(
      CLUSTER_OUTPUTS.databaseSecretArn,
      cluster.databaseSecretArn,
      'Secrets Manager secret holding the ledger password (the ARN, not the password)',
    );
  }
}

/** Terraform state: a local file beside the stack unless a bucket is configured. */
function addBackend(stack: TerraformStack, spec: PoolHostSpec): void {
  const st = spec.state;
  if (st.backend === 's3') {
    // use_lockfile: S3-native locking (Terraform ≥ 1.10, OpenTofu ≥ 1.10), no DynamoDB table.
    new S3Backend(stack, { bucket: st.bucket, key: st.key, region: st.region, encrypt: true });
    stack.addOverride('terraform.backend.s3.use_lockfile', true);
  } else if (st.backend === 'oss') {
    new OssBackend(stack, { bucket: st.bucket, key: st.key, region: st.region, encrypt: true });
  } else {
    new LocalBackend(stack, { path: st.path ?? 'terraform.tfstate' });
  }
}

export class PoolStack extends TerraformStack {
  readonly host: PoolHost;
  readonly cluster?: PoolCluster;
  constructor(
    scope: Construct,
    id: string,
    readonly cloud: Cloud,
    readonly spec: PoolHostSpec,
  ) {
    super(scope, id);
    const checked = checkSpec(cloud, spec);
    addBackend(this, checked);
    this.host = HOST_FACTORIES[cloud](this, 'host', checked);
    addHostOutputs(this, this.host, checked);
    // Several pool hosts: the host above becomes the node host (same ids, so its disk stays).
    if (isCluster(checked)) {
      this.cluster = CLUSTER_FACTORIES[cloud](this, 'pools', checked, this.host);
      addClusterOutputs(this, this.cluster);
    }
  }
}

/** Stack name (and folder under `<outdir>/stacks/`): one per project and cloud. */
function stackName(cloud: Cloud, spec: PoolHostSpec): string {
  return `${spec.name}-${cloud}`;
}

export interface SynthResult {
  stack: string;
  /** Folder to run `terraform init/apply` in. */
  dir: string;
  /** The synthesized Terraform JSON. */
  file: string;
}

/** Synthesizes the stack in-process into `outdir`. */
export function synthPool(cloud: Cloud, spec: PoolHostSpec, outdir: string): SynthResult {
  mkdirSync(outdir, { recursive: true }); // App creates only the last level
  const app = new App({ outdir, stackTraces: false });
  const name = stackName(cloud, spec);
  new PoolStack(app, name, cloud, spec);
  app.synth();
  const dir = join(outdir, 'stacks', name);
  return { stack: name, dir, file: join(dir, 'cdk.tf.json') };
}
