/**
 * What one V1 miner may cost the translator, and what all of them together may send up the
 * one pool connection they share. The pool closes a connection that floods it, and here that
 * connection carries every miner, so the translator keeps each miner far below the pool's
 * per-connection limit and sheds load itself before the pool would have to.
 */

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

interface LimitField {
  section: 'v1' | 'upstream';
  key: string;
  prop: keyof TranslatorLimits;
  min: number;
  max: number;
  default: number;
  doc: string;
}

/** translator.yaml fields of the limits: one list for the parser and docs/pool-config.md. */
export const TRANSLATOR_LIMIT_FIELDS: readonly LimitField[] = [
  {
    section: 'v1',
    key: 'maxConnectionsPerIp',
    prop: 'maxConnectionsPerIp',
    min: 1,
    max: 1_000_000,
    default: 1_000,
    doc: 'Open V1 connections from one IP address (a farm behind NAT needs one per device); a further one gets an error line and is closed (reason `per_ip`).',
  },
  {
    section: 'v1',
    key: 'idleTimeoutMs',
    prop: 'idleTimeoutMs',
    min: 1_000,
    max: 86_400_000,
    default: 300_000,
    doc: 'A miner that sends no complete line for this long is closed (reason `idle`); a mining miner submits every few seconds. Before `mining.subscribe` the shorter 60 s subscribe deadline applies (reason `subscribe_timeout`).',
  },
  {
    section: 'v1',
    key: 'maxAuthorizes',
    prop: 'maxAuthorizes',
    min: 1,
    max: 1_000_000,
    default: 16,
    doc: '`mining.authorize` requests one connection may send; one more is answered with an error and closes it (reason `authorize_churn`). Only the first authorize moves a miner to a channel under its name: later names ride on 0x0002 TLVs, so authorizes never open or close pool channels.',
  },
  {
    section: 'v1',
    key: 'maxMessagesPerSecond',
    prop: 'maxMessagesPerSecond',
    min: 1,
    max: 1_000_000,
    default: 50,
    doc: "Requests one miner may send per second, sustained (a token bucket holding `v1.maxMessageBurst`); the miner that empties it is closed (reason `messages`) and no other notices. Far below the pool's 2,000 per connection, which every miner behind the translator shares.",
  },
  {
    section: 'v1',
    key: 'maxMessageBurst',
    prop: 'maxMessageBurst',
    min: 1,
    max: 1_000_000,
    default: 1_000,
    doc: "Requests one miner may send at once before `v1.maxMessagesPerSecond` applies: room for a fast device's shares at its first, too easy target until the pool's vardiff raises it.",
  },
  {
    section: 'upstream',
    key: 'maxMessagesPerSecond',
    prop: 'upstreamMessagesPerSecond',
    min: 1,
    max: 10_000_000,
    default: 1_500,
    doc: "Shares and channel opens all miners together may send up the pool connection per second (a token bucket holding `upstream.maxMessageBurst`). Beyond it a share is answered here (code 20, `translator busy`) and a subscribe with an error, rather than forwarded (reason `upstream_busy`), so the pool's per-connection rate limit (2,000/s, burst 20,000) never closes the connection every miner shares. Keep both below the pool's `limits.maxMessagesPerSecond` and `limits.maxMessageBurst`. Shares that fail the local checks (target, duplicate) never count: they never leave the translator.",
  },
  {
    section: 'upstream',
    key: 'maxMessageBurst',
    prop: 'upstreamMessageBurst',
    min: 1,
    max: 10_000_000,
    default: 15_000,
    doc: 'Shares and channel opens the translator may send at once before `upstream.maxMessagesPerSecond` applies (room for every miner resubscribing after a pool restart).',
  },
];

export const TRANSLATOR_LIMIT_DEFAULTS: TranslatorLimits = Object.fromEntries(
  TRANSLATOR_LIMIT_FIELDS.map((f) => [f.prop, f.default]),
) as unknown as TranslatorLimits;

/** Keys of the limits in a translator.yaml section (so the parser can accept them there). */
export function limitKeys(section: 'v1' | 'upstream'): string[] {
  return TRANSLATOR_LIMIT_FIELDS.filter((f) => f.section === section).map((f) => f.key);
}

/**
 * The limits from translator.yaml's `v1` and `upstream` mappings, defaults for the rest.
 * `fail` builds the error for a bad value (the config module's error type).
 */
export function parseTranslatorLimits(
  sections: { v1: Record<string, unknown>; upstream: Record<string, unknown> },
  fail: (message: string) => Error,
): TranslatorLimits {
  const out = { ...TRANSLATOR_LIMIT_DEFAULTS };
  for (const f of TRANSLATOR_LIMIT_FIELDS) {
    const v = sections[f.section][f.key];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < f.min || v > f.max)
      throw fail(`${f.section}.${f.key} must be an integer ${f.min}..${f.max}`);
    out[f.prop] = v;
  }
  return out;
}

/** The translator.yaml limits table for docs/pool-config.md. */
export function translatorLimitsMarkdown(): string {
  const rows = ['| field | type | default | meaning |', '|---|---|---|---|'];
  for (const f of TRANSLATOR_LIMIT_FIELDS) {
    rows.push(`| \`${f.section}.${f.key}\` | integer ${f.min}..${f.max} | \`${f.default}\` | ${f.doc} |`);
  }
  return `${rows.join('\n')}\n`;
}

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
