/**
 * Rows of the deployer's config for paying miners (`payouts.*`) and for the miners' web page
 * (`web.public`). The payout rows mirror pool.yaml's `payouts` section (pool/src/pool/config.ts)
 * name for name; the bundle copies them across (cli/bundle/pool-config.ts).
 */

import { num, str } from 'ckb-pool/config-engine/kinds';
import type { FieldSpec as EngineFieldSpec } from 'ckb-pool/config-engine/table';
import { decodeAddress } from './address.js';
import type { DeployMeta } from './fields.js';
import { bool, int, type Kind } from './kinds.js';

/** What these rows' checks read of the fields above them. */
interface Draft {
  chain?: string;
  payouts?: { enabled?: boolean };
}

type Row<P extends string, V> = [path: P, kind: Kind<V>, spec: EngineFieldSpec<V, Draft> & DeployMeta];

export const payoutsOn = (c: Draft): boolean => c.payouts?.enabled === true;

export const PAYOUTS_ENABLED: Row<'payouts.enabled', boolean> = [
  'payouts.enabled',
  bool(),
  {
    doc:
      'Pay miners in CKB (PPLNS, by the address they mine as) from a pool wallet whose key `init` creates or imports into the secrets folder; ' +
      'that wallet becomes `payoutAddress`, the node’s block-assembler lock. Off = solo mode: every reward stays at `payoutAddress`, nothing is paid.',
    default: false,
    flag: 'payouts',
    prompt: 'Pay miners from a pool wallet (PPLNS payouts)? No = solo mode, rewards stay at your address',
  },
];

export const PAYOUTS_OPERATOR_ADDRESS: Row<'payouts.operatorAddress', string> = [
  'payouts.operatorAddress',
  str('CKB address'),
  {
    doc: 'Your own address (of the deployment’s chain), which receives the pool fee. Required when payouts are enabled; any lock the chain knows.',
    requiredWhen: payoutsOn,
    defaultDoc: 'required when payouts are enabled',
    flag: 'operator-address',
    prompt: 'Your own address (receives the pool fee)',
    ask: payoutsOn,
    check: (v, c) => {
      try {
        const chain = decodeAddress(v).chain;
        const want = c.chain ?? 'mainnet';
        return chain === want ? undefined : `is a ${chain} address but chain is ${want}`;
      } catch (e) {
        return (e as Error).message;
      }
    },
  },
];

export const PAYOUTS_THRESHOLD: Row<'payouts.threshold', number> = [
  'payouts.threshold',
  num(61, 1e9),
  {
    doc: 'Smallest balance paid, in CKB; smaller balances wait. Never below 61 CKB, the smallest cell a default-lock output can be.',
    default: 100,
    flag: 'payout-threshold',
    prompt: 'Payout threshold (CKB)',
    ask: payoutsOn,
  },
];

export const PAYOUTS_FEE_PERCENT: Row<'payouts.feePercent', number> = [
  'payouts.feePercent',
  num(0, 100),
  {
    doc: 'Pool fee in percent of each block reward (as the chain paid it), credited to `payouts.operatorAddress`.',
    default: 1,
    flag: 'pool-fee-percent',
    prompt: 'Pool fee (percent)',
    ask: payoutsOn,
  },
];

export const PAYOUTS_INTERVAL: Row<'payouts.intervalMinutes', number> = [
  'payouts.intervalMinutes',
  num(1, 10_080),
  {
    doc: 'How often the pool runs a payout cycle, in minutes: record and mature rewards, settle sent batches, send at most one new batch.',
    default: 60,
    flag: 'payout-interval-minutes',
  },
];

export const PAYOUTS_MAX_FEE_RATE: Row<'payouts.maxFeeRate', number> = [
  'payouts.maxFeeRate',
  int(1_000, 10_000_000, { strings: true }),
  {
    doc: "Highest fee rate of a payout transaction, in shannons per 1000 bytes (the node's recent median, at least 1000, at most this).",
    default: 10_000,
    flag: 'payout-max-fee-rate',
  },
];

export const PAYOUTS_CONFIRMATIONS: Row<'payouts.confirmations', number> = [
  'payouts.confirmations',
  int(0, 10_000, { strings: true }),
  {
    doc: "Blocks past a reward's cellbase (on top of the chain's cellbase maturity) before its credits become payable, and past a payout transaction before it counts as paid.",
    default: 24,
    flag: 'payout-confirmations',
  },
];

export const WEB_PUBLIC: Row<'web.public', boolean> = [
  'web.public',
  bool(),
  {
    doc:
      'Open the miners’ web page (pool overview, one page per address; read-only, rate-limited) on `ports.web` to `publicCidrs`: security group, host firewall, and the load balancer with several pool hosts. ' +
      'Off: the page is served on 127.0.0.1 only (reach it over an SSH tunnel).',
    default: false,
    flag: 'web-public',
    prompt: 'Open the miners’ web page to the Internet?',
  },
];
