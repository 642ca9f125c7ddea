/**
 * The JD client role (`ckb-pool jd-client`, docs/job-declaration-ckb.md §1): templates from the
 * miner's own node, declared to the pool's JDS with the pool's payout lock, announced on an
 * extended channel of a REQUIRES_WORK_SELECTION connection to the pool, served to the JD
 * client's own miners; their shares are relayed to the pool, and a block on a declared job is
 * submitted through the miner's node and pushed to the JDS (§7). While no declared job is
 * accepted the miners mine the pool's own jobs; a refused declaration is logged with its reason
 * and tried again with the next template.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { Chain } from '../ckb/chain.js';
import { blockHash, nonceFromBytes } from '../ckb/header.js';
import { bytesToHex0x } from '../ckb/hex.js';
import { concatBytes } from '../ckb/molecule.js';
import { powOutput } from '../ckb/pow.js';
import { compactToTarget, meetsTarget, targetToDifficulty } from '../ckb/target.js';
import { blockToSubmitJson } from '../ckb/template.js';
import { type OpenedChannel, UpstreamClient, type UpstreamJob } from '../sv2/client/upstream.js';
import { SETUP_REQUIRES_WORK_SELECTION } from '../sv2/messages/index.js';
import { declareTemplate } from './declarer.js';
import { JdsClient } from './jds-client.js';
import { listenForMiners, type MinerListener } from './miner-listener.js';
import type { DownstreamJob, MinerHub, OpenedMinerChannel, ShareAnswer } from './miner-session.js';
import type { JdcNode } from './node.js';
import type { TxPolicy } from './policy.js';
import { type Work, WorkBook } from './work-book.js';

export interface JdClientOptions {
  node: JdcNode;
  /** The pool's mining URL (`stratum2+tcp://HOST:PORT/KEY`). */
  poolUrl: string;
  /** The pool's JD URL (`jd.listen`, same authority key). */
  jdsUrl: string;
  /** The pool account the work is credited to (channel user identity and JDS user). */
  userIdentity: string;
  policy: TxPolicy;
  chain: Chain;
  /** The JD client's own SV2 mining listener and the key its miners trust. */
  listen: { host: string; port: number };
  authoritySecret: Uint8Array;
  /** get_block_template polling (default 1000 ms). */
  pollIntervalMs?: number;
  /** A refused parent is declared again after this long (default 5000 ms). */
  retryMs?: number;
  log: Logger;
}

export interface FoundBlock {
  /** null for a pool job: only the pool holds that block's body. */
  hash: string | null;
  source: Work['source'];
  /** What the miner's own node said (declared jobs only; the pool submits pool jobs). */
  node: 'accepted' | 'not-submitted' | string;
}

export interface JdClientEvents {
  work: [work: Work];
  refused: [stage: string, reason: string];
  block: [block: FoundBlock];
}

/** Bytes of the JD client's own per-channel part of the extranonce. */
const LOCAL_PREFIX_BYTES = 4;

const u32be = (n: number) => Uint8Array.of(n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);

export class JdClient extends EventEmitter<JdClientEvents> implements MinerHub {
  private readonly up: UpstreamClient;
  private ch: OpenedChannel | null = null;
  private jds: JdsClient | null = null;
  private readonly book = new WorkBook();
  private readonly local = new Map<number, Uint8Array>();
  private nextChannel = 1;
  private listener: MinerListener | null = null;
  private timer: NodeJS.Timeout | null = null;
  private busy = false;
  private attempted: { parent: string; at: number } | null = null;
  private stopped = false;

  constructor(private readonly o: JdClientOptions) {
    super();
    this.up = new UpstreamClient({
      urls: [o.poolUrl],
      vendor: 'ckb-pool-jd-client',
      flags: SETUP_REQUIRES_WORK_SELECTION,
      log: o.log.child({ part: 'pool' }),
    });
    this.up.on('up', (epoch) => this.openUpstreamChannel(epoch));
    this.up.on('down', () => {
      this.ch = null;
      this.book.reset();
      this.attempted = null;
    });
    this.up.on('job', (j) => this.onPoolJob(j));
    this.up.on('target', (epoch, channelId, target) => {
      if (!this.isUpstream(epoch, channelId) || !this.ch) return;
      this.ch = { ...this.ch, target };
      for (const s of this.listener?.sessions ?? []) s.setTarget(target);
    });
    this.up.on('prefix', (epoch, channelId, prefix) => {
      if (!this.isUpstream(epoch, channelId) || !this.ch) return;
      this.ch = { ...this.ch, extranoncePrefix: prefix };
      for (const s of this.listener?.sessions ?? []) s.setPrefix((id) => this.prefixOf(id));
    });
  }

  /** The URL the JD client's miners dial. */
  get minerUrl(): string {
    if (!this.listener) throw new Error('the JD client is not started');
    return this.listener.url;
  }

  /** The pool's extended channel is open: miners can be served. */
  get upstreamReady(): boolean {
    return this.ch !== null;
  }

  get activeWork(): Work | null {
    return this.book.active;
  }

  async start(): Promise<void> {
    this.listener = await listenForMiners(this, {
      ...this.o.listen,
      authoritySecret: this.o.authoritySecret,
    });
    this.up.start();
    const poll = () => {
      void this.tick().finally(() => {
        if (!this.stopped) this.timer = setTimeout(poll, this.o.pollIntervalMs ?? 1_000);
      });
    };
    poll();
  }

  async close(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.jds?.close();
    await this.listener?.close();
    await this.up.close();
  }

  // --- the pool's extended channel ---

  private openUpstreamChannel(epoch: number): void {
    this.up.openChannel('extended', this.o.userIdentity).then(
      (ch) => {
        if (epoch !== this.up.epoch) return;
        this.ch = ch;
        this.o.log.info({ channel: ch.channelId }, 'extended channel to the pool open');
        // A reconnect gives a new prefix and target: miners still connected must follow.
        for (const s of this.listener?.sessions ?? []) {
          s.setPrefix((id) => this.prefixOf(id));
          s.setTarget(ch.target);
        }
        const latest = this.up.latestJob(ch.channelId, ch.groupChannelId);
        if (latest) this.onPoolJob(latest);
      },
      (err: Error) => this.o.log.error({ err: err.message }, 'the pool refused the extended channel'),
    );
  }

  private isUpstream(epoch: number, channelId: number): boolean {
    const ch = this.ch;
    return (
      ch !== null && ch.epoch === epoch && (ch.channelId === channelId || ch.groupChannelId === channelId)
    );
  }

  private onPoolJob(j: UpstreamJob): void {
    if (!this.isUpstream(j.epoch, j.channelId)) return;
    const work = this.book.poolJob({ source: 'pool', upstreamJobId: j.jobId, ...j });
    if (work) this.publish(work);
  }

  private publish(work: Work): void {
    for (const s of this.listener?.sessions ?? []) s.broadcast(work.job);
    this.emit('work', work);
  }

  // --- declaring the miner's own templates ---

  private async tick(): Promise<void> {
    if (this.busy || !this.ch) return;
    this.busy = true;
    try {
      const template = await this.o.node.blockTemplate();
      const parent = String(template.parent_hash);
      const a = this.attempted;
      const retry = this.o.retryMs ?? 5_000;
      if (a && a.parent === parent && (this.book.active?.source === 'declared' || Date.now() - a.at < retry))
        return;
      this.attempted = { parent, at: Date.now() };
      await this.declare(template);
    } catch (err) {
      this.refused('template', (err as Error).message);
    } finally {
      this.busy = false;
    }
  }

  private async declare(template: unknown): Promise<void> {
    const ch = this.ch;
    if (!ch) return;
    const jds = await this.jdsConnection();
    if (!jds) return;
    const step = await declareTemplate(template, {
      node: this.o.node,
      policy: this.o.policy,
      jds,
      setCustomJob: (fields) => this.up.setCustomJob(ch.epoch, ch.channelId, fields),
    });
    for (const note of step.notes) this.o.log.info({ note }, 'transaction policy');
    if (!step.ok) {
      this.refused(step.stage, step.reason);
      return;
    }
    const h = step.local.rawHeader;
    const work = this.book.declaredJob({
      source: 'declared',
      upstreamJobId: step.upstreamJobId,
      height: h.number,
      powHash: step.local.powHash,
      parentHash: h.parentHash,
      compactTarget: h.compactTarget,
      local: step.local,
      token: step.token,
    });
    this.o.log.info(
      { number: h.number, transactions: step.local.txHashes.length, added: step.local.added },
      'declared job accepted: miners mine the block this client chose',
    );
    if (work) this.publish(work);
  }

  private async jdsConnection(): Promise<JdsClient | null> {
    if (this.jds && !this.jds.lost) return this.jds;
    if (this.stopped) return null;
    try {
      const jds = await JdsClient.connect({
        url: this.o.jdsUrl,
        userIdentifier: this.o.userIdentity,
        log: this.o.log.child({ part: 'jds' }),
      });
      if (this.stopped) {
        jds.close(); // close() ran while this connection was being set up
        return null;
      }
      this.jds = jds;
      return jds;
    } catch (err) {
      this.refused('jds', (err as Error).message);
      return null;
    }
  }

  private refused(stage: string, reason: string): void {
    this.o.log.warn({ stage, reason }, 'declaration failed: miners stay on the pool’s jobs');
    const back = this.book.fallBack();
    if (back) this.publish(back);
    this.emit('refused', stage, reason);
  }

  // --- the miners (MinerHub) ---

  private prefixOf(channelId: number): Uint8Array {
    return concatBytes(this.ch?.extranoncePrefix ?? new Uint8Array(0), this.local.get(channelId) ?? u32be(0));
  }

  openChannel(_userIdentity: string): OpenedMinerChannel | { error: string } {
    const ch = this.ch;
    if (!ch) return { error: 'upstream-unavailable' };
    if (ch.extranonceSize <= LOCAL_PREFIX_BYTES) return { error: 'max-channels-reached' };
    const channelId = this.nextChannel++;
    this.local.set(channelId, u32be(channelId));
    return {
      channelId,
      extranoncePrefix: this.prefixOf(channelId),
      extranonceSize: ch.extranonceSize - LOCAL_PREFIX_BYTES,
      target: ch.target,
    };
  }

  closeChannel(channelId: number): void {
    this.local.delete(channelId);
  }

  currentJob(): DownstreamJob | null {
    return this.book.active?.job ?? null;
  }

  async share(channelId: number, jobId: number, suffix: Uint8Array): Promise<ShareAnswer> {
    const ch = this.ch;
    const work = this.book.job(jobId);
    if (!ch) return { ok: false, code: 'upstream-unavailable' };
    if (!this.local.has(channelId)) return { ok: false, code: 'invalid-channel-id' };
    if (!work) return { ok: false, code: 'stale-share' };
    const nonce = concatBytes(this.prefixOf(channelId), suffix);
    if (nonce.length !== 16) return { ok: false, code: 'invalid-nonce-size' };
    const out = powOutput(this.o.chain, work.job.powHash, nonce);
    if (!meetsTarget(out, ch.target)) return { ok: false, code: 'difficulty-too-low' };
    if (meetsTarget(out, compactToTarget(work.job.compactTarget))) void this.found(work, nonce);
    const verdict = await this.up.submit(
      ch.epoch,
      ch.channelId,
      work.upstreamJobId,
      nonce.slice(ch.extranoncePrefix.length),
    );
    return verdict.ok ? { ok: true, difficulty: targetToDifficulty(ch.target) } : verdict;
  }

  /** A share meets the network target: on a declared job both this node and the JDS get it (§7). */
  private async found(work: Work, nonce16: Uint8Array): Promise<void> {
    const nonce = nonceFromBytes(nonce16);
    if (work.source !== 'declared' || !work.local || !work.token) {
      this.emit('block', { hash: null, source: 'pool', node: 'not-submitted' });
      return;
    }
    const hash = bytesToHex0x(blockHash({ ...work.local.rawHeader, nonce }));
    this.jds?.pushSolution(work.token, nonce);
    let node = 'accepted';
    try {
      await this.o.node.submitBlock(
        work.local.workId,
        blockToSubmitJson({ rawHeader: work.local.rawHeader, ...work.local.body }, nonce),
      );
    } catch (err) {
      node = (err as Error).message;
    }
    this.o.log.info({ hash, number: work.job.height, node }, 'block found on a declared job');
    this.emit('block', { hash, source: 'declared', node });
  }
}
