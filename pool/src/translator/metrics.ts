import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** The translator's Prometheus metrics, prefixed `ckb_translator_`, on a registry of their own. */
export class TranslatorMetrics {
  readonly registry = new Registry();
  readonly v1Connections: Gauge;
  readonly upstreamUp: Gauge;
  readonly upstreamReconnects: Counter;
  readonly upstreamFailbacks: Counter;
  readonly upstreamProbes: Counter<'outcome'>;
  readonly shares: Counter<'outcome'>;
  readonly jobs: Counter;
  readonly localSeconds: Histogram;
  readonly rejected: Counter<'reason'>;
  readonly channelOpens: Counter;
  readonly localShares: Counter;
  readonly channelUpdates: Counter;

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    if (opts.defaultMetrics)
      collectDefaultMetrics({ register: this.registry, prefix: 'ckb_translator_process_' });
    this.v1Connections = new Gauge({
      name: 'ckb_translator_v1_connections',
      help: 'Open Stratum V1 miner connections.',
      registers,
    });
    this.upstreamUp = new Gauge({
      name: 'ckb_translator_upstream_up',
      help: '1 while the SV2 connection to the pool is established.',
      registers,
    });
    this.upstreamReconnects = new Counter({
      name: 'ckb_translator_upstream_disconnects_total',
      help: 'Established pool connections that were lost (each is followed by reconnect/failover).',
      registers,
    });
    this.upstreamFailbacks = new Counter({
      name: 'ckb_translator_upstream_failbacks_total',
      help: 'Switches from a backup pool back to a more preferred --upstream after its hold-down.',
      registers,
    });
    this.upstreamProbes = new Counter({
      name: 'ckb_translator_upstream_probes_total',
      help: 'Failback probes (full SV2 setup) of more preferred pools while on a backup, by outcome: ok or failed.',
      labelNames: ['outcome'],
      registers,
    });
    this.shares = new Counter({
      name: 'ckb_translator_shares_total',
      help: 'V1 shares by outcome: accepted (by the pool) or the reason they were rejected.',
      labelNames: ['outcome'],
      registers,
    });
    this.jobs = new Counter({
      name: 'ckb_translator_jobs_total',
      help: 'Jobs received from the pool.',
      registers,
    });
    this.localSeconds = new Histogram({
      name: 'ckb_translator_share_check_seconds',
      help: 'Time from a V1 submit line to the SV2 share written upstream (local check and encode).',
      buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05],
      registers,
    });
    this.rejected = new Counter({
      name: 'ckb_translator_connections_rejected_total',
      help: 'V1 connections refused or closed by a limit, by reason: total, per_ip, shutdown (refused at connect); subscribe_timeout, idle, messages, authorize_churn, line_too_long, pending_requests, slow_reader (closed); upstream_busy (a share or subscribe answered here to protect the shared pool connection). docs/security.md lists the limits.',
      labelNames: ['reason'],
      registers,
    });
    this.channelOpens = new Counter({
      name: 'ckb_translator_upstream_channel_opens_total',
      help: 'Channels the translator asked the pool to open (one per miner in per-worker mode, and again after a reconnect).',
      registers,
    });
    this.localShares = new Counter({
      name: 'ckb_translator_local_shares_total',
      help: "V1 shares that met the miner's own target but not its pool channel's: answered true here, not forwarded (not in ckb_translator_shares_total).",
      registers,
    });
    this.channelUpdates = new Counter({
      name: 'ckb_translator_upstream_channel_updates_total',
      help: "UpdateChannel messages sent: a channel's miners' summed hashrate moved more than 20 % from what it declared.",
      registers,
    });
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}
