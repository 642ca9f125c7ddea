import type { CommandTable } from '../command.js';

/**
 * The commands of `ckb-pool-deploy`, with the one-line summary that `--help` lists. A command's
 * module (and whatever heavy library it needs) is imported only when that command runs.
 */
export const commands: CommandTable = {
  backup: {
    summary:
      'Archive the share ledger (consistent, while the pool runs), config and secrets to one local file.',
    load: () => import('./backup.js'),
  },
  dev: {
    summary: 'Run the whole pool locally (dev chain, pool, translator, CPU miner); no Docker.',
    load: () => import('./dev.js'),
  },
  doctor: {
    summary: 'Check tools, versions, SSH keys and cloud credentials needed by up; say how to fix each.',
    load: () => import('./doctor.js'),
  },
  down: {
    summary: 'Destroy the cloud deployment (terraform destroy), or stop the local / on-prem pool.',
    load: () => import('./down.js'),
  },
  image: {
    summary: 'Pin every image by digest in the config, or build the pool image from the installed ckb-pool.',
    load: () => import('./image.js'),
  },
  init: {
    summary: 'Write ckb-pool.yaml (interactively or from flags) and generate the secrets once.',
    load: () => import('./init.js'),
  },
  render: {
    summary:
      'Render the docker compose bundle (compose.yaml, ckb.toml, pool.yaml, monitoring) from the config.',
    load: () => import('./render.js'),
  },
  restore: {
    summary: 'Bring back a backup: config and secrets, then the ledger into the deployed stack.',
    load: () => import('./restore.js'),
  },
  status: {
    summary: 'Show pool height vs node, hashrate, workers and the last block (over SSH for remote hosts).',
    load: () => import('./status.js'),
  },
  synth: {
    summary: 'Write the Terraform JSON for the AWS or Alibaba Cloud pool host.',
    load: () => import('./synth.js'),
  },
  up: {
    summary: 'Deploy the pool (aws, alicloud, your server with --host, or local) and verify it.',
    load: () => import('./up.js'),
  },
  version: {
    summary: 'Print the version of ckb-pool-deploy.',
    load: () => import('./version.js'),
  },
};
