/**
 * The fee rate of a payout batch, in shannons per 1000 bytes: the node's recent median
 * (`get_fee_rate_statistics`), never below the node's minimum relay rate and never above the
 * operator's cap. A quiet chain answers null: the minimum then.
 */
import type { CkbRpcClient } from '../ckb/rpc.js';

/** The node's default `min_fee_rate` (shannons/KB). */
export const MIN_FEE_RATE = 1000n;

export function chooseFeeRate(stats: { median: string } | null, maxFeeRate: bigint): bigint {
  const median = stats ? BigInt(stats.median) : MIN_FEE_RATE;
  const floor = median < MIN_FEE_RATE ? MIN_FEE_RATE : median;
  return floor > maxFeeRate ? maxFeeRate : floor;
}

export async function nodeFeeRate(rpc: CkbRpcClient, maxFeeRate: bigint): Promise<bigint> {
  const stats = await rpc.call<{ mean: string; median: string } | null>('get_fee_rate_statistics', []);
  return chooseFeeRate(stats, maxFeeRate);
}
