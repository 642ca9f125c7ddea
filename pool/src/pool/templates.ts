import type { Logger } from 'pino';
import { type PayoutLock, payoutLockProblem } from '../ckb/cellbase-lock.js';
import { bytesToHex0x } from '../ckb/hex.js';
import { type NotifyReceiver, startNotifyReceiver } from '../ckb/notify.js';
import type { CkbRpcClient } from '../ckb/rpc.js';
import { TipSubscription } from '../ckb/subscription.js';
import { type BlockTemplate, type TemplateBlock, templateToBlock } from '../ckb/template.js';
import { parseHostPort } from '../net/address.js';

/**
 * Where templates come from: `new_tip_header` pushes (then one get_block_template), the block
 * assembler's notify POSTs (the template itself), and get_block_template polling as the
 * fallback that always runs. Decides what each template means for miners:
 * - a new parent → a clean job at once;
 * - the same parent with a different pow_hash → a non-clean job, at most one per
 *   `minUpdateIntervalMs` (the latest one wins);
 * - an answer to a request that started before the last applied template is dropped, so a
 *   slow poll never rolls the pool back to an older tip.
 */

export interface TemplateEvent {
  block: TemplateBlock;
  clean: boolean;
  /** When the push (or poll answer) that led to this template arrived. */
  receivedAtMs: number;
  source: 'subscription' | 'notify' | 'poll';
  /** The id the primary gave this job (an instance of several); unset: the next id here. */
  jobId?: number;
}

export interface TemplateSourceOptions {
  rpc: CkbRpcClient;
  subscribeAddress: string | null;
  notifyListen: string | null;
  /** Required in the notify URL path when set. */
  notifySecret?: string | null;
  /** When set, a template whose cellbase pays another lock is refused. */
  payoutLock?: PayoutLock | null;
  /** A template was refused (reason label, and the problem for the log). */
  onRefused?(reason: 'payout_lock', problem: string): void;
  pollIntervalMs: number;
  minUpdateIntervalMs: number;
  log: Logger;
  onTemplate(ev: TemplateEvent): void;
  /** The node's tip number whenever it is learnt. */
  onTip?(number: bigint): void;
  now?: () => number;
}

export interface TemplateSourceStatus {
  lastTemplateAtMs: number;
  lastErrorAtMs: number;
  lastError: string | null;
  subscription: string;
  notifyUrl: string | null;
}

/**
 * Identity of a template without parsing it: the node bumps work_id on every new template;
 * parent, time and contents sizes are added so a restarted node (work_id from 0 again) is
 * never mistaken for the old one.
 */
function templateKey(t: BlockTemplate): string | null {
  if (typeof t !== 'object' || t === null) return null;
  const txs = Array.isArray(t.transactions) ? t.transactions.length : -1;
  const uncles = Array.isArray(t.uncles) ? t.uncles.length : -1;
  const proposals = Array.isArray(t.proposals) ? t.proposals.length : -1;
  return [
    t.work_id,
    t.parent_hash,
    t.current_time,
    t.number,
    t.compact_target,
    txs,
    uncles,
    proposals,
    t.cellbase?.hash,
  ].join('|');
}

/** After a tip push, how long to retry until the node's template has moved to the new tip. */
const TIP_CATCHUP_MS = 2_000;
const TIP_RETRY_MS = 25;

export class TemplateSource {
  private current: TemplateBlock | null = null;
  private lastKey: string | null = null;
  private lastBlock: TemplateBlock | null = null;
  private lastEmitAtMs = 0;
  private pendingUpdate: TemplateEvent | null = null;
  private updateTimer: NodeJS.Timeout | null = null;
  private pollTimer: NodeJS.Timeout | null = null;
  private subscription: TipSubscription | null = null;
  private notify: NotifyReceiver | null = null;
  private seq = 0;
  private appliedSeq = 0;
  private closed = false;
  private readonly now: () => number;
  readonly status: TemplateSourceStatus = {
    lastTemplateAtMs: 0,
    lastErrorAtMs: 0,
    lastError: null,
    subscription: 'off',
    notifyUrl: null,
  };

  constructor(private readonly opts: TemplateSourceOptions) {
    this.now = opts.now ?? Date.now;
  }

  get currentBlock(): TemplateBlock | null {
    return this.current;
  }

  async start(): Promise<void> {
    const { opts } = this;
    if (opts.notifyListen) {
      const { host, port } = parseHostPort(opts.notifyListen, 'node.notifyListen');
      this.notify = await startNotifyReceiver({
        host,
        port,
        secret: opts.notifySecret,
        onTemplate: (t) => this.ingest(t as BlockTemplate, this.now(), ++this.seq, 'notify'),
        onReject: (reason) => opts.log.warn({ reason }, 'notify push rejected'),
      });
      this.status.notifyUrl = this.notify.url;
      opts.log.info({ url: this.notify.url }, 'listening for block assembler notify');
    }
    if (opts.subscribeAddress) {
      this.status.subscription = 'connecting';
      this.subscription = new TipSubscription({
        address: opts.subscribeAddress,
        onHeader: (h) => this.onTipHeader(h.hash, BigInt(h.number)),
        onSubscribed: (id, reconnect) => {
          this.status.subscription = 'subscribed';
          opts.log.info({ id, reconnect }, 'subscribed to new_tip_header');
          if (reconnect) void this.fetch('poll', this.now());
        },
        onDisconnect: (err, retryInMs) => {
          this.status.subscription = 'waiting';
          opts.log.warn({ err: err.message, retryInMs }, 'tip subscription lost');
        },
        onWarning: (message) => opts.log.warn({ message }, 'tip subscription warning'),
      });
    }
    await this.fetch('poll', this.now());
    this.schedulePoll();
  }

  private schedulePoll(): void {
    if (this.closed) return;
    this.pollTimer = setTimeout(async () => {
      await this.fetch('poll', this.now());
      this.schedulePoll();
    }, this.opts.pollIntervalMs);
    this.pollTimer.unref?.();
  }

  private onTipHeader(hash: string, number: bigint): void {
    const receivedAtMs = this.now();
    this.opts.onTip?.(number);
    if (this.current && bytesToHex0x(this.current.rawHeader.parentHash) === hash) return;
    void this.fetchUntilParent(hash, receivedAtMs);
  }

  /** Fetches until the node's template builds on `parentHash` (its assembler may lag a push). */
  private async fetchUntilParent(parentHash: string, receivedAtMs: number): Promise<void> {
    const deadline = this.now() + TIP_CATCHUP_MS;
    while (!this.closed) {
      const block = await this.fetch('subscription', receivedAtMs);
      if (!block || bytesToHex0x(block.rawHeader.parentHash) === parentHash) return;
      if (this.current && bytesToHex0x(this.current.rawHeader.parentHash) === parentHash) return;
      if (this.now() > deadline) return;
      await new Promise((r) => setTimeout(r, TIP_RETRY_MS));
    }
  }

  /** One get_block_template; applies the answer. Never throws. */
  async fetch(source: TemplateEvent['source'], receivedAtMs: number): Promise<TemplateBlock | null> {
    const seq = ++this.seq;
    try {
      const t = await this.opts.rpc.getBlockTemplate();
      return this.ingest(
        t as unknown as BlockTemplate,
        source === 'poll' ? this.now() : receivedAtMs,
        seq,
        source,
      );
    } catch (err) {
      this.noteError(err);
      return null;
    }
  }

  private noteError(err: unknown): void {
    const message = (err as Error).message ?? String(err);
    if (this.status.lastError !== message) this.opts.log.warn({ err: message }, 'template fetch failed');
    this.status.lastError = message;
    this.status.lastErrorAtMs = this.now();
  }

  /** Applies a template (from any source). Returns the parsed block, or null when dropped. */
  ingest(
    t: BlockTemplate,
    receivedAtMs: number,
    seq: number,
    source: TemplateEvent['source'],
  ): TemplateBlock | null {
    if (this.closed || seq < this.appliedSeq) return null;
    // The node answers polls with the same template until it changes: recognise it without
    // re-hashing every transaction (a full block's template is megabytes of JSON).
    const key = templateKey(t);
    if (key !== null && key === this.lastKey && this.lastBlock) {
      this.status.lastTemplateAtMs = this.now();
      this.status.lastError = null;
      this.appliedSeq = seq;
      return this.lastBlock;
    }
    let block: TemplateBlock;
    try {
      block = templateToBlock(t);
    } catch (err) {
      this.noteError(err);
      return null;
    }
    const lockProblem = this.opts.payoutLock ? payoutLockProblem(block, this.opts.payoutLock) : null;
    if (lockProblem) {
      // Never mined: not remembered as the last template either, so each push is checked.
      this.opts.onRefused?.('payout_lock', lockProblem);
      this.noteError(new Error(`template from ${source} refused: ${lockProblem}`));
      return null;
    }
    this.lastKey = key;
    this.lastBlock = block;
    this.status.lastTemplateAtMs = this.now();
    this.status.lastError = null;
    this.appliedSeq = seq;
    this.opts.onTip?.(block.rawHeader.number - 1n);
    const cur = this.current;
    if (cur && bytesToHex0x(cur.powHash) === bytesToHex0x(block.powHash)) return block;
    const clean = !cur || bytesToHex0x(cur.rawHeader.parentHash) !== bytesToHex0x(block.rawHeader.parentHash);
    const ev: TemplateEvent = { block, clean, receivedAtMs, source };
    if (clean) {
      this.pendingUpdate = null;
      if (this.updateTimer) clearTimeout(this.updateTimer);
      this.updateTimer = null;
      this.emit(ev);
      return block;
    }
    // Same tip, new contents: rate-limited.
    const wait = this.lastEmitAtMs + this.opts.minUpdateIntervalMs - this.now();
    if (wait <= 0) {
      this.emit(ev);
    } else {
      this.pendingUpdate = ev;
      if (!this.updateTimer) {
        this.updateTimer = setTimeout(() => {
          this.updateTimer = null;
          const p = this.pendingUpdate;
          this.pendingUpdate = null;
          if (p && !this.closed) this.emit(p);
        }, wait);
        this.updateTimer.unref?.();
      }
    }
    return block;
  }

  private emit(ev: TemplateEvent): void {
    this.current = ev.block;
    this.lastEmitAtMs = this.now();
    this.opts.onTemplate(ev);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.pollTimer) clearTimeout(this.pollTimer);
    if (this.updateTimer) clearTimeout(this.updateTimer);
    this.subscription?.close();
    await this.notify?.close();
  }
}
