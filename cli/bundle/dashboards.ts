/**
 * Grafana dashboards (JSON model, schemaVersion 39) built from a few panel helpers, so every
 * query uses the metric names of metrics.ts. Pool overview, workers and connections, node (with
 * the host's disk, which the chain fills).
 */
import { HOST_METRIC, JOB, NODE_METRIC, POOL_METRIC, TRANSLATOR_METRIC } from './metrics.js';

interface Target {
  expr: string;
  legendFormat: string;
}

interface Panel {
  id: number;
  type: 'timeseries' | 'stat';
  title: string;
  description: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource: { type: 'prometheus'; uid: 'prometheus' };
  targets: (Target & { refId: string; datasource: { type: 'prometheus'; uid: 'prometheus' } })[];
  fieldConfig: { defaults: { unit: string; thresholds?: Thresholds }; overrides: never[] };
  options: Record<string, unknown>;
}

const DS = { type: 'prometheus', uid: 'prometheus' } as const;

/** Grafana colour steps: each colour from its value up (the first from -infinity, value null). */
interface Thresholds {
  mode: 'absolute';
  steps: { color: string; value: number | null }[];
}

interface PanelSpec {
  title: string;
  description: string;
  unit: string;
  targets: Target[];
  stat?: boolean;
  /** Width in grid columns (24 = full row). */
  w?: number;
  thresholds?: Thresholds;
}

function layout(specs: PanelSpec[]): Panel[] {
  let x = 0;
  let y = 0;
  return specs.map((s, i) => {
    const w = s.w ?? 12;
    const h = s.stat ? 4 : 8;
    if (x + w > 24) {
      x = 0;
      y += 8;
    }
    const panel: Panel = {
      id: i + 1,
      type: s.stat ? 'stat' : 'timeseries',
      title: s.title,
      description: s.description,
      gridPos: { x, y, w, h },
      datasource: DS,
      targets: s.targets.map((t, j) => ({ ...t, refId: String.fromCharCode(65 + j), datasource: DS })),
      fieldConfig: {
        defaults: s.thresholds ? { unit: s.unit, thresholds: s.thresholds } : { unit: s.unit },
        overrides: [],
      },
      options: s.stat
        ? {
            reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
            colorMode: 'value',
            graphMode: 'area',
          }
        : {
            legend: { displayMode: 'list', placement: 'bottom', showLegend: true },
            tooltip: { mode: 'multi', sort: 'none' },
          },
    };
    x += w;
    return panel;
  });
}

function dashboard(uid: string, title: string, panels: PanelSpec[]): Record<string, unknown> {
  return {
    uid,
    title,
    tags: ['ckb-pool'],
    editable: false,
    graphTooltip: 1,
    refresh: '30s',
    schemaVersion: 39,
    version: 1,
    time: { from: 'now-6h', to: 'now' },
    timezone: 'utc',
    templating: { list: [] },
    annotations: { list: [] },
    panels: layout(panels),
  };
}

const M = POOL_METRIC;

export function poolOverviewDashboard(): Record<string, unknown> {
  return dashboard('ckb-pool-overview', 'CKB pool — overview', [
    {
      title: 'Pool hashrate',
      description: 'Accepted share difficulty per second (CKB difficulty = expected hashes per share).',
      unit: 'Hs',
      stat: true,
      w: 6,
      targets: [{ expr: `sum(rate(${M.acceptedDifficulty}[10m]))`, legendFormat: 'hashrate' }],
    },
    {
      title: 'Blocks found (24 h)',
      description: 'Blocks the pool found and submitted in the last 24 hours.',
      unit: 'short',
      stat: true,
      w: 6,
      targets: [
        // found only: every block is counted once as found and again as accepted.
        { expr: `sum(increase(${M.blocks}{outcome="found"}[24h]))`, legendFormat: 'blocks' },
      ],
    },
    {
      title: 'Mining channels',
      description: 'Open SV2 mining channels (one per device or per proxy channel).',
      unit: 'short',
      stat: true,
      w: 6,
      targets: [{ expr: `sum(${M.channels})`, legendFormat: 'channels' }],
    },
    {
      title: 'Template age',
      description: 'Seconds since the last template from the node.',
      unit: 's',
      stat: true,
      w: 6,
      targets: [{ expr: `max(${M.templateAgeSeconds})`, legendFormat: 'age' }],
    },
    {
      title: 'Hashrate',
      description: 'Pool hashrate from accepted share difficulty, 10-minute rate.',
      unit: 'Hs',
      targets: [{ expr: `sum(rate(${M.acceptedDifficulty}[10m]))`, legendFormat: 'pool' }],
    },
    {
      title: 'Shares by outcome',
      description: 'Submitted shares per second: accepted, block, and every rejection reason.',
      unit: 'ops',
      targets: [{ expr: `sum by (outcome) (rate(${M.shares}[5m]))`, legendFormat: '{{outcome}}' }],
    },
    {
      title: 'Job broadcast latency',
      description: 'Time from the node push to the last channel written, per new job (p50, p99).',
      unit: 's',
      targets: [
        {
          expr: `histogram_quantile(0.5, sum by (le) (rate(${M.jobBroadcastSeconds}_bucket[10m])))`,
          legendFormat: 'p50',
        },
        {
          expr: `histogram_quantile(0.99, sum by (le) (rate(${M.jobBroadcastSeconds}_bucket[10m])))`,
          legendFormat: 'p99',
        },
      ],
    },
    {
      title: 'Blocks',
      description: 'Found blocks by outcome.',
      unit: 'short',
      targets: [{ expr: `sum by (outcome) (increase(${M.blocks}[1h]))`, legendFormat: '{{outcome}}' }],
    },
  ]);
}

export function workersDashboard(): Record<string, unknown> {
  return dashboard('ckb-pool-workers', 'CKB pool — workers and connections', [
    {
      title: 'Connections',
      description: 'Open SV2 connections (miners, proxies and the V1 translator).',
      unit: 'short',
      targets: [{ expr: `sum(${M.connections})`, legendFormat: 'connections' }],
    },
    {
      title: 'Channels',
      description: 'Open mining channels.',
      unit: 'short',
      targets: [{ expr: `sum(${M.channels})`, legendFormat: 'channels' }],
    },
    {
      title: 'V1 miners',
      description: 'Open Stratum V1 connections at the translator, and whether it is connected to the pool.',
      unit: 'short',
      targets: [
        { expr: `sum(${TRANSLATOR_METRIC.v1Connections})`, legendFormat: 'V1 connections' },
        { expr: `max(${TRANSLATOR_METRIC.upstreamUp})`, legendFormat: 'upstream up' },
      ],
    },
    {
      title: 'V1 shares by outcome',
      description: 'Shares V1 miners submitted at the translator per second, by outcome.',
      unit: 'ops',
      targets: [
        { expr: `sum by (outcome) (rate(${TRANSLATOR_METRIC.shares}[5m]))`, legendFormat: '{{outcome}}' },
      ],
    },
    {
      title: 'Handshakes by outcome',
      description: 'Noise handshakes and connection setups per second by outcome.',
      unit: 'ops',
      targets: [{ expr: `sum by (outcome) (rate(${M.handshakes}[5m]))`, legendFormat: '{{outcome}}' }],
    },
    {
      title: 'Rejected connections',
      description: 'Connections closed by a limit or for bad input, per second by reason.',
      unit: 'ops',
      targets: [{ expr: `sum by (reason) (rate(${M.connectionsRejected}[5m]))`, legendFormat: '{{reason}}' }],
    },
    {
      title: 'Rejected share ratio',
      description:
        'Share of submissions that were rejected (the RejectedSharesSpike alert fires above 10 %).',
      unit: 'percentunit',
      w: 24,
      targets: [
        {
          expr: `sum(rate(${M.shares}{outcome!~"accepted|block"}[10m])) / sum(rate(${M.shares}[10m]))`,
          legendFormat: 'rejected',
        },
      ],
    },
  ]);
}

/**
 * The host's real filesystems, as the DiskSpaceLow alert selects them (monitoring.ts): the
 * chain's Docker volume lives on one of them, tmpfs and overlays are not disks.
 */
export const HOST_DISKS = `job="${JOB.host}", fstype!~"tmpfs|overlay|squashfs|nsfs"`;
/** The alert fires below this free fraction; the panels turn red there too. */
export const DISK_FREE_ALERT_RATIO = 0.1;

export function nodeDashboard(): Record<string, unknown> {
  return dashboard('ckb-pool-node', 'CKB pool — node', [
    {
      title: 'Node tip',
      description: "The node's tip block number, as the pool and the node report it.",
      unit: 'none',
      targets: [
        { expr: `max(${M.nodeHeight})`, legendFormat: 'pool view' },
        { expr: `max(${NODE_METRIC.chainTip})`, legendFormat: 'node' },
      ],
    },
    {
      title: 'Blocks per 10 minutes',
      description: 'New tips per 10 minutes (CKB targets one block every ~10 s); 0 means the node is behind.',
      unit: 'short',
      targets: [{ expr: `changes(${M.nodeHeight}[10m])`, legendFormat: 'new tips' }],
    },
    {
      title: 'Scrape targets up',
      description: '1 when Prometheus reaches the service.',
      unit: 'short',
      targets: [
        { expr: `up{job="${JOB.pool}"}`, legendFormat: 'pool' },
        { expr: `up{job="${JOB.translator}"}`, legendFormat: 'translator' },
        { expr: `up{job="${JOB.node}"}`, legendFormat: 'node' },
      ],
    },
    {
      title: 'Jobs',
      description: 'Jobs created per minute by kind (clean = new tip, update = same tip).',
      unit: 'short',
      targets: [{ expr: `sum by (kind) (increase(${M.jobs}[1m]))`, legendFormat: '{{kind}}' }],
    },
    {
      title: 'Chain disk free',
      description:
        'Free share of the fullest host filesystem (the chain volume sits on the root disk). The DiskSpaceLow alert fires below 10 %: grow instance.diskGb before the node stops.',
      unit: 'percentunit',
      stat: true,
      w: 6,
      thresholds: {
        mode: 'absolute',
        steps: [
          { color: 'red', value: null },
          { color: 'orange', value: DISK_FREE_ALERT_RATIO },
          { color: 'green', value: 2 * DISK_FREE_ALERT_RATIO },
        ],
      },
      targets: [
        {
          expr: `min(${HOST_METRIC.filesystemAvail}{${HOST_DISKS}} / ${HOST_METRIC.filesystemSize}{${HOST_DISKS}})`,
          legendFormat: 'free',
        },
      ],
    },
    {
      title: 'Disk free space',
      description:
        'Free bytes per host filesystem, from the host exporter (node_exporter). The chain grows with every block.',
      unit: 'bytes',
      w: 18,
      targets: [
        { expr: `${HOST_METRIC.filesystemAvail}{${HOST_DISKS}}`, legendFormat: '{{mountpoint}} free' },
        { expr: `${HOST_METRIC.filesystemSize}{${HOST_DISKS}}`, legendFormat: '{{mountpoint}} size' },
      ],
    },
  ]);
}

export const DASHBOARDS: Record<string, () => Record<string, unknown>> = {
  'pool-overview.json': poolOverviewDashboard,
  'workers.json': workersDashboard,
  'node.json': nodeDashboard,
};
