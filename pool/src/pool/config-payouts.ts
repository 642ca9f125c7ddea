/** pool.yaml rows for paying miners (`payouts.*`; pool/src/payouts, docs/pool-config.md "Payouts"). */
import { bool, int, type Kind, num, text } from '../config-engine/kinds.js';
import type { FieldSpec } from '../config-engine/table.js';

/** One pool.yaml row, spread into POOL_CONFIG_TABLE (config.ts), which says if it may be unset. */
type Row<P extends string, V> = [path: P, kind: Kind<V>, spec: FieldSpec<V, unknown>];

export const PAYOUTS_ENABLED: Row<'payouts.enabled', boolean> = [
  'payouts.enabled',
  bool(),
  {
    default: false,
    doc: 'Pay miners in CKB from the pool wallet (the block-assembler key). Off = solo mode: every reward stays at the block-assembler address, nothing is paid (the behaviour before payouts existed).',
  },
];

export const PAYOUTS_THRESHOLD: Row<'payouts.threshold', number> = [
  'payouts.threshold',
  num(61, 1e9),
  {
    default: 100,
    doc: 'Smallest balance paid, in CKB; smaller balances wait. Never below 61 CKB, the smallest cell a default-lock output can be.',
  },
];

export const PAYOUTS_FEE_PERCENT: Row<'payouts.feePercent', number> = [
  'payouts.feePercent',
  num(0, 100),
  {
    default: 1,
    doc: 'Pool fee in percent of each block reward (as the chain paid it), credited to `payouts.operatorAddress` with the rounding dust of the split.',
  },
];

export const PAYOUTS_OPERATOR_ADDRESS: Row<'payouts.operatorAddress', string> = [
  'payouts.operatorAddress',
  text(),
  {
    doc: "The operator's own CKB address (of the pool's chain) that receives the pool fee. Required when payouts are enabled.",
  },
];

export const PAYOUTS_WALLET_KEY_FILE: Row<'payouts.walletKeyFile', string> = [
  'payouts.walletKeyFile',
  text('path'),
  {
    isPath: true,
    doc: "File with the pool wallet's secp256k1 key (32 bytes hex, mode 0600): the key of the node's `[block_assembler]` lock, which receives the rewards and signs payout batches. Never logged nor printed. Required when payouts are enabled.",
  },
];

export const PAYOUTS_MAX_FEE_RATE: Row<'payouts.maxFeeRate', number> = [
  'payouts.maxFeeRate',
  int(1_000, 10_000_000),
  {
    default: 10_000,
    doc: "Highest fee rate of a payout transaction, in shannons per 1000 bytes. The rate is the node's recent median (`get_fee_rate_statistics`), at least 1000, at most this.",
  },
];

export const PAYOUTS_CONFIRMATIONS: Row<'payouts.confirmations', number> = [
  'payouts.confirmations',
  int(0, 10_000),
  {
    default: 24,
    doc: "Blocks past a reward's cellbase (on top of the chain's cellbase maturity, 4 epochs on mainnet) before its credits become payable, and past a payout transaction before it counts as paid.",
  },
];

export const PAYOUTS_RECHECK_DEPTH: Row<'payouts.recheckDepth', number> = [
  'payouts.recheckDepth',
  int(0, 100_000),
  {
    default: 100,
    doc: 'Blocks a committed payout transaction is re-checked against reorgs (never fewer than `payouts.confirmations`): until it is this deep, a batch whose transaction left the main chain goes back to pending and the same signed transaction is sent again, never rebuilt.',
  },
];

export const PAYOUTS_INTERVAL_MINUTES: Row<'payouts.intervalMinutes', number> = [
  'payouts.intervalMinutes',
  num(1, 10_080),
  {
    default: 60,
    doc: '`serve` runs a payout cycle this often: record and mature rewards, settle sent batches, send at most one new batch.',
  },
];
