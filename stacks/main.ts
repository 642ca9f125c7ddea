/**
 * Entry point for the cdktf / cdktn CLI (`app` in cdktf.json), for people who drive the stacks
 * with `cdktf synth|diff|deploy` instead of `ckb-pool-deploy synth`. Same config, same output.
 *   CKB_POOL_CONFIG  deploy config (default ckb-pool.yaml)
 *   CKB_POOL_CLOUD   aws | alicloud (default: the config's cloud)
 *   CDKTF_OUTDIR     set by the CLI (default cdktf.out)
 * No provider bindings are generated (`terraformProviders` is empty): AWS comes prebuilt and
 * the Alibaba Cloud blocks are hand-written in stacks/alicloud/constructs/.
 */

import { loadConfig } from '../cli/config/schema.js';
import { CLOUDS, type Cloud } from './spec.js';
import { synthDeployment } from './synth.js';

const cloud = process.env.CKB_POOL_CLOUD;
if (cloud !== undefined && !CLOUDS.includes(cloud as Cloud)) {
  throw new Error(`CKB_POOL_CLOUD must be aws or alicloud, not '${cloud}'`);
}
const result = await synthDeployment(
  loadConfig(process.env.CKB_POOL_CONFIG ?? 'ckb-pool.yaml'),
  cloud as Cloud | undefined,
  process.env.CDKTF_OUTDIR ?? 'cdktf.out',
);
process.stdout.write(`synthesized ${result.file}\n`);
