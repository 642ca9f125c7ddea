import type { CommandTable } from '../command.js';

/**
 * The commands of `ckb-pool`, with the one-line summary that `--help` lists. A command's
 * module (and whatever heavy library it needs) is imported only when that command runs.
 */
export const commands: CommandTable = {
  accounts: {
    summary: 'Registered accounts (accounts.mode registered): register, list or remove a name → address.',
    load: () => import('./accounts.js'),
  },
  devnet: {
    summary: 'Run a CKB dev chain (regtest-like) for development and tests.',
    load: () => import('./devnet.js'),
  },
  header: {
    summary: 'Inspect a CKB block header: pow_hash, hash, target, difficulty, PoW validity.',
    load: () => import('./header.js'),
  },
  'jd-client': {
    summary: 'Job Declaration client: mine blocks your own CKB node builds, through a pool.',
    load: () => import('./jd-client.js'),
  },
  keys: {
    summary: 'Generate or show the authority key that signs the SV2 Noise certificate.',
    load: () => import('./keys.js'),
  },
  mine: {
    summary: 'CPU miner (SV2 or V1) with worker threads, for dev chains and pool checks.',
    load: () => import('./mine.js'),
  },
  payouts: {
    summary: 'Miner payouts: list balances and batches, preview the next batch, run a payout cycle.',
    load: () => import('./payouts.js'),
  },
  serve: {
    summary: 'Run the SV2 mining pool (jobs, shares, blocks, ledger, metrics, API).',
    load: () => import('./serve.js'),
  },
  translate: {
    summary: 'Run the Stratum V1 → V2 translator for CKB ASIC and GPU miners.',
    load: () => import('./translate.js'),
  },
  version: {
    summary: 'Print the version of ckb-pool.',
    load: () => import('./version.js'),
  },
};
