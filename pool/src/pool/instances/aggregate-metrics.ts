import { AggregatorRegistry, type MetricObjectWithValues, type MetricValue } from 'prom-client';

/**
 * One /metrics for the whole pool: the primary's own metrics (templates, node, ledger, blocks,
 * instance restarts) plus every instance's connection, channel and share metrics, summed by
 * prom-client's AggregatorRegistry (histograms bucket by bucket; process metrics with the
 * aggregator each declares). A metric both sides have is taken from the side that owns it, so
 * an instance's idle copy (say its pool height gauge) never adds to the primary's.
 */

type MetricJson = MetricObjectWithValues<MetricValue<string>>;

/** What the instances measure: the sessions live there. */
export const INSTANCE_OWNED = new Set([
  'ckb_pool_connections',
  'ckb_pool_channels',
  'ckb_pool_handshakes_total',
  'ckb_pool_shares_total',
  'ckb_pool_accepted_difficulty_total',
  'ckb_pool_connections_rejected_total',
  'ckb_pool_job_broadcast_seconds',
]);

const isProcessMetric = (name: string) => name.startsWith('ckb_pool_process_');

export function aggregatePoolMetrics(
  primary: MetricJson[],
  instances: MetricJson[][],
): ReturnType<typeof AggregatorRegistry.aggregate> {
  const own = primary.filter((m) => !INSTANCE_OWNED.has(m.name));
  const theirs = instances.map((list) =>
    list.filter((m) => INSTANCE_OWNED.has(m.name) || isProcessMetric(m.name)),
  );
  return AggregatorRegistry.aggregate([own, ...theirs]);
}
