/**
 * Prometheus (scrape config + alert rules), Alertmanager and Grafana provisioning.
 */
import type { PoolDeployConfig } from '../config/types.js';
import { CONTAINER_PATH, INTERNAL_PORT, SERVICE } from './layout.js';
import {
  GOOD_SHARE_OUTCOMES,
  HOST_METRIC,
  JOB,
  NODE_METRIC,
  PAYOUT_METRIC,
  POOL_METRIC,
  TRANSLATOR_METRIC,
} from './metrics.js';

export function prometheusConfig(): Record<string, unknown> {
  return {
    global: { scrape_interval: '15s', evaluation_interval: '15s' },
    alerting: {
      alertmanagers: [
        { static_configs: [{ targets: [`${SERVICE.alertmanager}:${INTERNAL_PORT.alertmanager}`] }] },
      ],
    },
    rule_files: [`${CONTAINER_PATH.prometheusConfigDir}/alerts.yml`],
    scrape_configs: [
      { job_name: JOB.pool, static_configs: [{ targets: [`${SERVICE.pool}:${INTERNAL_PORT.poolApi}`] }] },
      {
        job_name: JOB.translator,
        static_configs: [{ targets: [`${SERVICE.translator}:${INTERNAL_PORT.translatorMetrics}`] }],
      },
      { job_name: JOB.node, static_configs: [{ targets: [`${SERVICE.ckb}:${INTERNAL_PORT.ckbMetrics}`] }] },
      { job_name: JOB.prometheus, static_configs: [{ targets: [`localhost:${INTERNAL_PORT.prometheus}`] }] },
      {
        job_name: JOB.alertmanager,
        static_configs: [{ targets: [`${SERVICE.alertmanager}:${INTERNAL_PORT.alertmanager}`] }],
      },
      {
        job_name: JOB.host,
        static_configs: [{ targets: [`${SERVICE.nodeExporter}:${INTERNAL_PORT.nodeExporter}`] }],
      },
    ],
  };
}

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels: { severity: 'critical' | 'warning' | 'info' };
  annotations: { summary: string; description: string };
}

/** Regex of the outcomes that are not rejections; `outcome!~` it selects the rejected shares. */
const goodOutcomes = GOOD_SHARE_OUTCOMES.join('|');

/** The alert rules: what an operator must hear about. Thresholds are documented in the descriptions. */
export function alertRules(): Rule[] {
  return [
    {
      alert: 'PoolDown',
      expr: `up{job="${JOB.pool}"} == 0`,
      for: '2m',
      labels: { severity: 'critical' },
      annotations: {
        summary: 'The pool is down',
        description:
          'Prometheus cannot scrape the pool API for 2 minutes: miners cannot connect or submit shares.',
      },
    },
    {
      alert: 'TranslatorDown',
      expr: `up{job="${JOB.translator}"} == 0 or ${TRANSLATOR_METRIC.upstreamUp} == 0`,
      for: '5m',
      labels: { severity: 'critical' },
      annotations: {
        summary: 'The V1 endpoint is down',
        description:
          'The translator is unreachable or has no connection to the pool for 5 minutes: V1 miners cannot work.',
      },
    },
    {
      alert: 'NodeDown',
      expr: `up{job="${JOB.node}"} == 0`,
      for: '5m',
      labels: { severity: 'critical' },
      annotations: {
        summary: 'The CKB node is down',
        description: 'The node metrics endpoint has not answered for 5 minutes; the pool gets no templates.',
      },
    },
    {
      alert: 'NodeBehindNetwork',
      // CKB targets ~10 s blocks; 20 minutes without a new tip means the node is stuck,
      // syncing, or cut off from its peers — either way it is behind the network.
      expr: `changes(${POOL_METRIC.nodeHeight}[20m]) == 0 or changes(${NODE_METRIC.chainTip}[20m]) == 0`,
      for: '5m',
      labels: { severity: 'critical' },
      annotations: {
        summary: 'The node is behind the network',
        description:
          'The node tip has not advanced for 20 minutes (CKB blocks come every ~10 s): it is stuck, still syncing or has no peers. Shares mined now are on a stale tip.',
      },
    },
    {
      alert: 'NoNewJob',
      expr: `sum(increase(${POOL_METRIC.jobs}[10m])) == 0 or ${POOL_METRIC.templateAgeSeconds} > 300`,
      for: '2m',
      labels: { severity: 'critical' },
      annotations: {
        summary: 'No new job for too long',
        description:
          'The pool sent no new job for 10 minutes or its template is older than 5 minutes: miners work on stale jobs.',
      },
    },
    {
      alert: 'TemplatePaysAnotherLock',
      expr: `increase(${POOL_METRIC.templatesRefused}{reason="payout_lock"}[5m]) > 0`,
      labels: { severity: 'critical' },
      annotations: {
        summary: 'A block template paid another lock than the payout address',
        description:
          'The pool refused a template whose cellbase does not pay the configured payout lock (a misconfigured node, or a template pushed by someone else). No work is mined on it; check the node’s [block_assembler] and the pool log ("block template refused").',
      },
    },
    {
      alert: 'RejectedSharesSpike',
      expr:
        `sum(rate(${POOL_METRIC.shares}{outcome!~"${goodOutcomes}"}[10m])) / ` +
        `sum(rate(${POOL_METRIC.shares}[10m])) > 0.1 and sum(rate(${POOL_METRIC.shares}[10m])) > 0.05`,
      for: '10m',
      labels: { severity: 'warning' },
      annotations: {
        summary: 'More than 10 % of shares are rejected',
        description:
          'Over 10 minutes more than 10 % of submitted shares were rejected (stale, duplicate or invalid): check miners, latency and the node.',
      },
    },
    {
      alert: 'BlockFound',
      expr: `increase(${POOL_METRIC.blocks}{outcome="found"}[5m]) > 0`,
      labels: { severity: 'info' },
      annotations: {
        summary: 'The pool found a block',
        description: 'A share met the network target and the block was submitted to the node.',
      },
    },
    {
      alert: 'BlockOrphaned',
      expr: `increase(${POOL_METRIC.blocks}{outcome="orphaned"}[1h]) > 0`,
      labels: { severity: 'warning' },
      annotations: {
        summary: 'A block the pool found was orphaned',
        description:
          'A block the node had accepted is no longer on the main chain: another block won its height. Its reward is lost; frequent orphans mean the node is slow to hear or relay blocks.',
      },
    },
    {
      alert: 'HashrateDrop',
      // Accepted difficulty per second is the pool's hashrate (up to a constant).
      expr:
        `sum(rate(${POOL_METRIC.acceptedDifficulty}[15m])) < 0.5 * sum(rate(${POOL_METRIC.acceptedDifficulty}[15m] offset 1h)) ` +
        `and sum(rate(${POOL_METRIC.acceptedDifficulty}[15m] offset 1h)) > 0`,
      for: '15m',
      labels: { severity: 'warning' },
      annotations: {
        summary: 'Pool hashrate dropped by more than half',
        description:
          'The hashrate of accepted shares over 15 minutes is less than half of what it was an hour earlier: miners left, lost the connection, or are rejected.',
      },
    },
    {
      alert: 'HostExporterDown',
      expr: `up{job="${JOB.host}"} == 0`,
      for: '10m',
      labels: { severity: 'warning' },
      annotations: {
        summary: 'The host exporter is down',
        description: 'node_exporter has not answered for 10 minutes: disk space is not watched.',
      },
    },
    {
      alert: 'DiskSpaceLow',
      // Real filesystems of the host (the chain volume lives on one of them), not tmpfs/overlays.
      expr:
        `${HOST_METRIC.filesystemAvail}{fstype!~"tmpfs|overlay|squashfs|nsfs"} / ${HOST_METRIC.filesystemSize}{fstype!~"tmpfs|overlay|squashfs|nsfs"} < 0.10 ` +
        `or predict_linear(${HOST_METRIC.filesystemAvail}{fstype!~"tmpfs|overlay|squashfs|nsfs"}[6h], 24 * 3600) < 0`,
      for: '15m',
      labels: { severity: 'critical' },
      annotations: {
        summary: 'The host disk is filling up',
        description:
          'A host filesystem has less than 10 % free, or at its rate of the last 6 hours will be full within a day. The chain grows every block: grow the disk (instance.diskGb) before the node stops.',
      },
    },
    {
      alert: 'BlockRejected',
      expr: `increase(${POOL_METRIC.blocks}{outcome=~"rejected|submit_error"}[15m]) > 0`,
      labels: { severity: 'critical' },
      annotations: {
        summary: 'A found block was rejected or could not be submitted',
        description:
          'The node rejected a block the pool found, or submitting it failed: check the pool and node logs now.',
      },
    },
    ...payoutAlertRules(),
  ];
}

/** Payouts (only exported when `payouts.enabled`): wallet low, transaction stuck, payout failed. */
function payoutAlertRules(): Rule[] {
  return [
    {
      alert: 'PayoutWalletLow',
      expr: `${PAYOUT_METRIC.walletShannons} < 1000 * 100000000`,
      for: '30m',
      labels: { severity: 'warning' },
      annotations: {
        summary: 'The pool wallet holds less than 1000 spendable CKB',
        description:
          "Matured capacity of the pool wallet (the block-assembler lock) is below 1000 CKB: payouts may not cover the balances due. Check that blocks are found and that the node's block assembler is the pool wallet.",
      },
    },
    {
      alert: 'PayoutTransactionStuck',
      expr: `${PAYOUT_METRIC.oldestPendingBatchSeconds} > 3600`,
      for: '10m',
      labels: { severity: 'warning' },
      annotations: {
        summary: 'A payout transaction has not confirmed for an hour',
        description:
          "A payout batch was written and sent more than an hour ago and is not committed yet; no new batch is built until it is. Check `ckb-pool payouts list` and the node's transaction pool (fee rate below the market: raise payouts.maxFeeRate).",
      },
    },
    {
      alert: 'PayoutFailed',
      expr: `increase(${PAYOUT_METRIC.batches}{outcome="failed"}[1h]) > 0`,
      labels: { severity: 'critical' },
      annotations: {
        summary: 'A payout batch failed',
        description:
          'The inputs of a payout transaction were spent by another transaction, so it can never confirm: its debits were restored and the next cycle pays again. Something else spends the pool wallet: find out what.',
      },
    },
  ];
}

export function prometheusAlerts(): Record<string, unknown> {
  return { groups: [{ name: 'ckb-pool', rules: alertRules() }] };
}

export function alertmanagerConfig(config: PoolDeployConfig): Record<string, unknown> {
  const url = config.monitoring.alertWebhookUrl;
  const receiver = url ? 'webhook' : 'none';
  return {
    route: {
      receiver,
      group_by: ['alertname'],
      group_wait: '30s',
      group_interval: '5m',
      repeat_interval: '4h',
    },
    receivers: url
      ? [{ name: receiver, webhook_configs: [{ url, send_resolved: true }] }]
      : [{ name: receiver }],
  };
}

export function grafanaDatasources(): Record<string, unknown> {
  return {
    apiVersion: 1,
    datasources: [
      {
        name: 'Prometheus',
        uid: 'prometheus',
        type: 'prometheus',
        access: 'proxy',
        url: `http://${SERVICE.prometheus}:${INTERNAL_PORT.prometheus}`,
        isDefault: true,
        editable: false,
      },
    ],
  };
}

export function grafanaDashboardProviders(): Record<string, unknown> {
  return {
    apiVersion: 1,
    providers: [
      {
        name: 'ckb-pool',
        folder: 'CKB pool',
        type: 'file',
        disableDeletion: true,
        allowUiUpdates: false,
        options: { path: CONTAINER_PATH.grafanaDashboards },
      },
    ],
  };
}
