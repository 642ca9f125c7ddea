import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The pool's Prometheus metrics, all prefixed `ckb_pool_`, on a registry of their own (so
 * several pools in one process — tests, `ckb-pool-deploy dev` — never clash).
 */
export class PoolMetrics {
  readonly registry = new Registry();
  readonly connections: Gauge;
  readonly channels: Gauge;
  readonly handshakes: Counter<'outcome'>;
  readonly shares: Counter<'outcome'>;
  readonly acceptedDifficulty: Counter;
  readonly blocks: Counter<'outcome'>;
  readonly jobBroadcastSeconds: Histogram;
  readonly templateAgeSeconds: Gauge;
  readonly nodeHeight: Gauge;
  readonly poolHeight: Gauge;
  readonly ledgerWriteSeconds: Histogram;
  readonly connectionsRejected: Counter<'reason'>;
  readonly jobs: Counter<'kind'>;
  readonly templatesRefused: Counter<'reason'>;
  /** Time the last template arrived (ms), read by the template age gauge. */
  lastTemplateAtMs = 0;

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    if (opts.defaultMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'ckb_pool_process_' });
    this.connections = new Gauge({ name: 'ckb_pool_connections', help: 'Open SV2 connections.', registers });
    this.channels = new Gauge({ name: 'ckb_pool_channels', help: 'Open mining channels.', registers });
    this.handshakes = new Counter({
      name: 'ckb_pool_handshakes_total',
      help: 'Noise handshakes and connection setups by outcome (ok, timeout, failed, setup_error).',
      labelNames: ['outcome'],
      registers,
    });
    this.shares = new Counter({
      name: 'ckb_pool_shares_total',
      help: 'Submitted shares by outcome (accepted, block, or the SubmitShares.Error code).',
      labelNames: ['outcome'],
      registers,
    });
    this.acceptedDifficulty = new Counter({
      name: 'ckb_pool_accepted_difficulty_total',
      help: 'Sum of accepted share difficulty (2^256/target); its rate is the pool hashrate in H/s.',
      registers,
    });
    this.blocks = new Counter({
      name: 'ckb_pool_blocks_total',
      help: 'Found blocks by outcome (found, accepted, rejected, submit_error).',
      labelNames: ['outcome'],
      registers,
    });
    this.jobBroadcastSeconds = new Histogram({
      name: 'ckb_pool_job_broadcast_seconds',
      help: 'Time from the node push (or poll answer) to the last channel written, for each new job.',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    const self = this;
    this.templateAgeSeconds = new Gauge({
      name: 'ckb_pool_template_age_seconds',
      help: 'Seconds since the last template arrived from the node.',
      registers,
      collect() {
        this.set(self.lastTemplateAtMs ? (Date.now() - self.lastTemplateAtMs) / 1000 : -1);
      },
    });
    this.nodeHeight = new Gauge({
      name: 'ckb_pool_node_height',
      help: "The node's tip block number.",
      registers,
    });
    this.poolHeight = new Gauge({
      name: 'ckb_pool_pool_height',
      help: 'Block number the pool is currently mining on (tip + 1).',
      registers,
    });
    this.ledgerWriteSeconds = new Histogram({
      name: 'ckb_pool_ledger_write_seconds',
      help: 'Duration of one batched ledger write.',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    });
    this.connectionsRejected = new Counter({
      name: 'ckb_pool_connections_rejected_total',
      help: 'Connections closed, or their requests refused, by a limit or for bad input, by reason: total, per_ip, shutdown, slow_reader, rate_limit, messages_per_ip, idle, frame_timeout, frame_memory (connections closed); channels_per_connection, channels_per_ip, channels_total, worker_names_per_connection, worker_names_per_ip (a channel or a worker name refused); frame, protocol (bad input). docs/security.md lists the limits.',
      labelNames: ['reason'],
      registers,
    });
    this.jobs = new Counter({
      name: 'ckb_pool_jobs_total',
      help: 'Jobs created by kind (clean = new tip, update = same tip).',
      labelNames: ['kind'],
      registers,
    });
    this.templatesRefused = new Counter({
      name: 'ckb_pool_templates_refused_total',
      help: 'Block templates refused before they became jobs (payout_lock: the cellbase pays another lock than node.payoutLock).',
      labelNames: ['reason'],
      registers,
    });
    // Present at 0 from the start, so an alert on its increase sees the first refusal.
    this.templatesRefused.inc({ reason: 'payout_lock' }, 0);
  }

  private readonly shareChildren = new Map<string, { inc(v?: number): void }>();

  /** Counts one share by outcome (labelled children cached: this is on the share hot path). */
  share(outcome: string): void {
    let c = this.shareChildren.get(outcome);
    if (!c) {
      c = this.shares.labels({ outcome });
      this.shareChildren.set(outcome, c);
    }
    c.inc();
  }

  async text(): Promise<string> {
    return this.registry.metrics();
  }
}
