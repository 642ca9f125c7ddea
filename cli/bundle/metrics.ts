/**
 * Every metric name the bundle's alert rules and dashboards use, in one place. Pool metrics
 * come from pool/src/api/metrics.ts (a test checks each name against a live PoolMetrics
 * registry); node metrics from the CKB node's Prometheus exporter.
 */
export const POOL_METRIC = {
  connections: 'ckb_pool_connections',
  channels: 'ckb_pool_channels',
  handshakes: 'ckb_pool_handshakes_total',
  shares: 'ckb_pool_shares_total',
  acceptedDifficulty: 'ckb_pool_accepted_difficulty_total',
  blocks: 'ckb_pool_blocks_total',
  jobBroadcastSeconds: 'ckb_pool_job_broadcast_seconds',
  templateAgeSeconds: 'ckb_pool_template_age_seconds',
  nodeHeight: 'ckb_pool_node_height',
  poolHeight: 'ckb_pool_pool_height',
  connectionsRejected: 'ckb_pool_connections_rejected_total',
  jobs: 'ckb_pool_jobs_total',
  templatesRefused: 'ckb_pool_templates_refused_total',
} as const;

/** From pool/src/payouts/metrics.ts, on the pool's registry when payouts are enabled. */
export const PAYOUT_METRIC = {
  walletShannons: 'ckb_pool_payout_wallet_shannons',
  pendingBatches: 'ckb_pool_payout_pending_batches',
  oldestPendingBatchSeconds: 'ckb_pool_payout_oldest_pending_batch_seconds',
  batches: 'ckb_pool_payout_batches_total',
  paidShannons: 'ckb_pool_payout_paid_shannons',
  rewards: 'ckb_pool_payout_rewards_total',
  droppedShannons: 'ckb_pool_payout_dropped_shannons_total',
} as const;

/** From pool/src/translator/metrics.ts (checked the same way). */
export const TRANSLATOR_METRIC = {
  v1Connections: 'ckb_translator_v1_connections',
  upstreamUp: 'ckb_translator_upstream_up',
  shares: 'ckb_translator_shares_total',
} as const;

/** Exported by the CKB node ([metrics.exporter.prometheus] in ckb.toml). */
export const NODE_METRIC = {
  chainTip: 'ckb_chain_tip',
} as const;

/** Prometheus job names (the `job` label of `up`). */
export const JOB = {
  pool: 'ckb-pool',
  translator: 'ckb-translator',
  node: 'ckb-node',
  prometheus: 'prometheus',
  alertmanager: 'alertmanager',
  host: 'host',
} as const;

/** From the host exporter (node_exporter) of the bundle. */
export const HOST_METRIC = {
  filesystemAvail: 'node_filesystem_avail_bytes',
  filesystemSize: 'node_filesystem_size_bytes',
} as const;

/** Share outcomes that are not rejections (`ckb_pool_shares_total{outcome}`). */
export const GOOD_SHARE_OUTCOMES = ['accepted', 'block'] as const;
