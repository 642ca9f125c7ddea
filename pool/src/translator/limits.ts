/**
 * What one V1 miner may cost the translator, and what all of them together may send up the
 * one pool connection they share. The pool closes a connection that floods it, and here that
 * connection carries every miner, so the translator keeps each miner far below the pool's
 * per-connection limit and sheds load itself before the pool would have to.
 */

/** The limits as the translator uses them; translator.yaml's rows for them are in config.ts. */
export interface TranslatorLimits {
  /** Open V1 connections from one IP address. */
  maxConnectionsPerIp: number;
  /** A miner that sends no complete line for this long is closed. */
  idleTimeoutMs: number;
  /** mining.authorize requests one connection may send. */
  maxAuthorizes: number;
  /** Requests one miner may send per second (sustained) and at once. */
  maxMessagesPerSecond: number;
  maxMessageBurst: number;
  /**
   * Requests (shares, channel opens) all miners together may cause on the pool connection per
   * second, and at once.
   */
  upstreamMessagesPerSecond: number;
  upstreamMessageBurst: number;
}

/**
 * The translator's `ckb_translator_connections_rejected_total{reason}` labels: a connection
 * refused or closed by a limit, or (upstream_busy) a share answered here instead of forwarded.
 */
export type TranslatorLimitReason =
  | 'total'
  | 'per_ip'
  | 'shutdown'
  | 'subscribe_timeout'
  | 'idle'
  | 'messages'
  | 'authorize_churn'
  | 'line_too_long'
  | 'pending_requests'
  | 'slow_reader'
  | 'upstream_busy';

/** V1 connections counted in total and per IP address. */
export class V1Admission {
  private open = 0;
  private readonly byIp = new Map<string, number>();

  constructor(
    private readonly maxConnections: number,
    private readonly maxPerIp: number,
  ) {}

  get connections(): number {
    return this.open;
  }

  /** True when no further connection can be admitted from anywhere. */
  get full(): boolean {
    return this.open >= this.maxConnections;
  }

  /** Admits a connection from `ip`, or names the limit that refuses it. */
  admit(ip: string): 'total' | 'per_ip' | null {
    if (this.open >= this.maxConnections) return 'total';
    const n = this.byIp.get(ip) ?? 0;
    if (n >= this.maxPerIp) return 'per_ip';
    this.byIp.set(ip, n + 1);
    this.open += 1;
    return null;
  }

  leave(ip: string): void {
    const n = this.byIp.get(ip);
    if (n === undefined) return;
    if (n <= 1) this.byIp.delete(ip);
    else this.byIp.set(ip, n - 1);
    this.open -= 1;
  }
}
