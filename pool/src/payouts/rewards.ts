/**
 * Rewards as the chain pays them. CKB pays block N's reward (primary + secondary + proposal +
 * fee shares) in the cellbase of block N+11, to the lock block N named; that capacity, not an
 * estimate, is what the pool shares out. For each found block on the main chain, once the tip
 * reaches N+11: read that cellbase, take what it pays the pool lock, write the reward and its
 * credits (immature). A reward matures when its cellbase is spendable (the chain's
 * cellbase_maturity) and the tip is `confirmations` blocks past it; if block N or N+11 leaves
 * the main chain first, its credits are dropped: status, warning and metric.
 */
import type { Logger } from 'pino';
import { toMinimalHex } from '../ckb/hex.js';
import type { CkbRpcClient } from '../ckb/rpc.js';
import type { BlockViewJson, HeaderViewJson, ScriptJson } from '../ckb/rpc-types.js';
import type { RewardRow } from '../ledger/payout-types.js';
import type { BlockRow } from '../ledger/records.js';
import type { LedgerStore } from '../ledger/store.js';
import { type CreditPolicy, creditsFor } from './credits.js';
import { cellbaseMatured } from './maturity.js';
import type { PayoutMetrics } from './metrics.js';

/** Block N's reward is in the cellbase of block N + FINALIZATION_DELAY (proposal window + 1). */
export const FINALIZATION_DELAY = 11;

export interface RewardTrackerOptions {
  rpc: CkbRpcClient;
  ledger: LedgerStore;
  log: Logger;
  metrics: PayoutMetrics;
  /** The block-assembler lock: the pool wallet's. */
  poolLock: ScriptJson;
  policy: CreditPolicy;
  /** Packed epoch fraction, from the node's `get_consensus` (readCellbaseMaturity). */
  cellbaseMaturity: bigint;
  /** Blocks past the reward block before its credits become payable. */
  confirmations: number;
}

/** The chain's cellbase maturity (packed EpochNumberWithFraction) from `get_consensus`. */
export async function readCellbaseMaturity(rpc: CkbRpcClient): Promise<bigint> {
  const c = await rpc.call<{ cellbase_maturity?: string }>('get_consensus', []);
  if (typeof c.cellbase_maturity !== 'string') throw new Error('get_consensus has no cellbase_maturity');
  return BigInt(c.cellbase_maturity);
}

function sameScript(a: ScriptJson, b: ScriptJson): boolean {
  return (
    a.code_hash === b.code_hash &&
    a.hash_type === b.hash_type &&
    a.args.toLowerCase() === b.args.toLowerCase()
  );
}

/** Capacity the cellbase of `block` pays to `lock`, in shannons. */
export function cellbasePays(block: BlockViewJson, lock: ScriptJson): bigint {
  const cellbase = block.transactions[0];
  if (!cellbase) return 0n;
  return cellbase.outputs
    .filter((o) => sameScript(o.lock, lock))
    .reduce((a, o) => a + BigInt(o.capacity), 0n);
}

export class RewardTracker {
  constructor(private readonly opts: RewardTrackerOptions) {}

  /** One pass: record new rewards, then mature or drop immature ones. Returns the tip it used. */
  async step(): Promise<HeaderViewJson> {
    const tip = await this.opts.rpc.getTipHeader();
    for (const b of await this.opts.ledger.blocksAwaitingReward()) await this.record(b, tip);
    for (const r of await this.opts.ledger.rewards('immature')) await this.settle(r, tip);
    return tip;
  }

  private async onMainChain(height: number, hash: string): Promise<boolean> {
    return (await this.opts.rpc.getHeaderByNumber(BigInt(height)))?.hash === hash;
  }

  private async record(b: BlockRow, tip: HeaderViewJson): Promise<void> {
    const { rpc, ledger, log, metrics, policy, poolLock } = this.opts;
    const rewardNumber = b.height + FINALIZATION_DELAY;
    if (BigInt(rewardNumber) > BigInt(tip.number)) return;
    // The chain-status check (blocks.ts) orphans a block that lost its height; wait for it.
    if (!(await this.onMainChain(b.height, b.hash))) return;
    const block = await rpc.call<BlockViewJson | null>('get_block_by_number', [
      toMinimalHex(BigInt(rewardNumber)),
    ]);
    if (!block) return;
    const shannons = cellbasePays(block, poolLock);
    const credits = creditsFor(shannons, await ledger.blockSplit(b.id), policy);
    const reward = {
      blockId: b.id,
      shannons,
      rewardBlockNumber: rewardNumber,
      rewardBlockHash: block.header.hash,
      rewardEpoch: block.header.epoch,
    };
    if (!(await ledger.recordReward(reward, credits))) return;
    metrics.rewards.inc({ outcome: 'recorded' });
    const fields = {
      block: b.id,
      height: b.height,
      rewardBlock: rewardNumber,
      shannons: shannons.toString(),
    };
    if (shannons === 0n)
      log.error(
        fields,
        "the reward block pays nothing to the pool lock: is the node's block assembler the pool wallet?",
      );
    else
      log.info(
        { ...fields, accounts: credits.length },
        'block reward recorded from the cellbase; credits immature',
      );
  }

  private async settle(r: RewardRow, tip: HeaderViewJson): Promise<void> {
    const { ledger, log, metrics } = this.opts;
    const b = await ledger.block(r.blockId);
    if (!b) return;
    const lost = !(await this.onMainChain(b.height, b.hash))
      ? `block ${b.height} ${b.hash} left the main chain`
      : !(await this.onMainChain(r.rewardBlockNumber, r.rewardBlockHash))
        ? `reward block ${r.rewardBlockNumber} ${r.rewardBlockHash} left the main chain`
        : null;
    if (lost) {
      if (await ledger.settleReward(r.blockId, 'orphaned', lost)) {
        metrics.rewards.inc({ outcome: 'orphaned' });
        metrics.droppedShannons.inc(Number(r.shannons));
        log.warn(
          { block: r.blockId, shannons: r.shannons.toString(), reason: lost },
          'block reward orphaned; its credits are dropped',
        );
      }
      return;
    }
    const deep = BigInt(tip.number) >= BigInt(r.rewardBlockNumber + this.opts.confirmations);
    if (!deep || !cellbaseMatured(BigInt(r.rewardEpoch), this.opts.cellbaseMaturity, BigInt(tip.epoch)))
      return;
    if (await ledger.settleReward(r.blockId, 'matured', null)) {
      metrics.rewards.inc({ outcome: 'matured' });
      log.info(
        { block: r.blockId, shannons: r.shannons.toString() },
        'block reward matured; its credits are payable',
      );
    }
  }
}
