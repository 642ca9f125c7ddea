import type { Logger } from 'pino';
import { powOutput } from '../ckb/pow.js';
import { compactToTarget, meetsTarget } from '../ckb/target.js';
import { type OpenedChannel, UpstreamClient, type UpstreamJob } from '../sv2/client/upstream.js';
import type { FeedContext, Hasher, WorkFeed } from './feed.js';
import type { ShareTally } from './share-tally.js';

/** What a hashing thread's share must be checked and submitted against. */
interface Sv2Key {
  epoch: number;
  channelId: number;
  jobId: number;
  powHash: Uint8Array;
  networkTarget: bigint;
  /** The share target the job came with (a later SetTarget applies to later jobs only). */
  target: bigint;
}

export type Sv2Upstream = Pick<
  UpstreamClient,
  | 'on'
  | 'openChannel'
  | 'latestJob'
  | 'submit'
  | 'start'
  | 'close'
  | 'epoch'
  | 'connected'
  | 'bytesIn'
  | 'bytesOut'
>;

/**
 * Work from an SV2 pool over one standard channel (stratum2+tcp://, Noise, extension 0x4CCB),
 * reopened after every reconnect; shares that meet the network target are counted as blocks.
 */
export class Sv2Feed implements WorkFeed {
  private ch: OpenedChannel | null = null;
  private job: UpstreamJob | null = null;
  /** The channel target when `job` arrived: the one its shares are judged by. */
  private jobTarget = 0n;

  constructor(
    private readonly c: FeedContext,
    private readonly hasher: Hasher,
    private readonly tally: ShareTally,
    private readonly log: Logger,
    private readonly up: Sv2Upstream = new UpstreamClient({
      urls: [c.url],
      vendor: 'ckb-pool-miner',
      log: log.child({ part: 'sv2' }),
      backoffMinMs: 100,
      backoffMaxMs: 3_000,
    }),
  ) {
    up.on('up', (epoch) => this.openChannel(epoch));
    up.on('down', () => {
      this.ch = null;
      this.job = null;
      hasher.idle();
    });
    up.on('job', (j) => this.onJob(j));
    // SetTarget applies to the jobs received after it (sv2-spec; the pool judges a share by
    // its job's target), so the running job keeps its target until the next job arrives.
    up.on('target', (epoch, channelId, target) => {
      if (this.isCurrent(epoch, channelId)) this.ch = { ...(this.ch as OpenedChannel), target };
    });
    up.on('prefix', (epoch, channelId, prefix) => {
      if (this.isCurrent(epoch, channelId)) this.update({ extranoncePrefix: prefix });
    });
    hasher.on('share', ({ key, nonce }) => this.onShare(key as Sv2Key, nonce));
  }

  private openChannel(epoch: number): void {
    const { up, c } = this;
    up.openChannel('standard', c.user, c.threads * 100_000).then(
      (opened) => {
        if (epoch !== up.epoch) return;
        this.ch = opened;
        const prefix = Buffer.from(opened.extranoncePrefix).toString('hex');
        this.log.info({ channel: opened.channelId, prefix }, 'channel open');
        this.job = up.latestJob(opened.channelId, opened.groupChannelId);
        this.jobTarget = opened.target;
        this.work();
      },
      (err: Error) => this.log.error({ err: err.message }, 'could not open a channel'),
    );
  }

  private isCurrent(epoch: number, channelId: number): boolean {
    return this.ch !== null && this.ch.epoch === epoch && this.ch.channelId === channelId;
  }

  private update(change: Partial<OpenedChannel>): void {
    this.ch = { ...(this.ch as OpenedChannel), ...change };
    this.work();
  }

  private onJob(j: UpstreamJob): void {
    const { ch } = this;
    if (!ch || j.epoch !== ch.epoch) return;
    if (j.channelId !== ch.channelId && j.channelId !== ch.groupChannelId) return;
    this.tally.newJob();
    this.job = j;
    this.jobTarget = ch.target;
    this.work();
  }

  private work(): void {
    const { ch, job } = this;
    if (!ch || !job || job.epoch !== ch.epoch) return;
    const key: Sv2Key = {
      epoch: ch.epoch,
      channelId: ch.channelId,
      jobId: job.jobId,
      powHash: job.powHash,
      networkTarget: compactToTarget(job.compactTarget),
      target: this.jobTarget,
    };
    const { chain } = this.c;
    this.hasher.setWork({
      key,
      chain,
      powHash: job.powHash,
      prefix: ch.extranoncePrefix,
      target: key.target,
    });
  }

  private onShare(k: Sv2Key, nonce: Uint8Array): void {
    const { ch } = this;
    if (!ch || k.epoch !== ch.epoch || k.channelId !== ch.channelId) return;
    const out = powOutput(this.c.chain, k.powHash, nonce);
    // Checked against its job's target, as the pool checks it.
    if (!meetsTarget(out, k.target)) return;
    const isBlock = meetsTarget(out, k.networkTarget);
    this.up.submit(k.epoch, k.channelId, k.jobId, nonce.slice(ch.extranoncePrefix.length)).then((v) => {
      if (!v.ok) {
        this.tally.reject(v.code);
        // This error names the worker, not the share: every later share would get it too.
        if (v.code === 'not-an-address')
          this.c.refuse?.(
            `the pool refuses every share of ${this.c.user} (not-an-address): it credits only names that start with a CKB address of its chain (--user <address>[.<worker>])`,
          );
        else if (v.code === 'unregistered-name')
          this.c.refuse?.(
            `the pool refuses every share of ${this.c.user} (unregistered-name): it credits only names registered with \`ckb-pool accounts register\``,
          );
        return;
      }
      this.tally.accept(isBlock);
      if (isBlock) this.log.info({ job: k.jobId }, 'block found');
    });
  }

  connected(): boolean {
    return this.up.connected && this.ch !== null;
  }
  connections(): number {
    return this.up.epoch;
  }
  wire(): { bytesIn: number; bytesOut: number } {
    return { bytesIn: this.up.bytesIn, bytesOut: this.up.bytesOut };
  }
  start(): void {
    this.up.start();
  }
  close(): Promise<void> {
    return this.up.close();
  }
}
