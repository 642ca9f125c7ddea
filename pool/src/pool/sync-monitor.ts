/**
 * What the pool knows of its node: the highest tip it has heard of and whether the node is
 * synced. Health and the API read it; a node in initial block download, or unreachable, makes
 * the pool report unhealthy rather than hand out work on a stale chain.
 */

export interface SyncRpc {
  getBlockchainInfo(): Promise<{ is_initial_block_download: boolean }>;
}

export interface SyncState {
  synced: boolean;
  error: string | null;
}

/** Never poll the node's sync state faster than this, whatever the template poll interval. */
const MIN_SYNC_POLL_MS = 5_000;

export class SyncMonitor {
  private tipHeight: bigint | null = null;
  private state: SyncState = { synced: false, error: null };
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly rpc: SyncRpc,
    private readonly onTipHeight: (height: bigint) => void = () => {},
  ) {}

  /** The highest tip seen (a poll that lags behind a notification never lowers it). */
  get tip(): bigint | null {
    return this.tipHeight;
  }

  get synced(): boolean {
    return this.state.synced;
  }

  sync(): SyncState {
    return { ...this.state };
  }

  /** The template source saw the node's tip at `height`. */
  sawTip(height: bigint): void {
    if (this.tipHeight === null || height > this.tipHeight) this.tipHeight = height;
    this.onTipHeight(this.tipHeight);
  }

  /** Asks the node once; never throws (an unreachable node is a state, not an error). */
  async check(): Promise<void> {
    try {
      const info = await this.rpc.getBlockchainInfo();
      const synced = !info.is_initial_block_download;
      this.state = { synced, error: synced ? null : 'node is in initial block download' };
    } catch (err) {
      this.state = { synced: false, error: `node unreachable: ${(err as Error).message}` };
    }
  }

  /** Polls every `pollIntervalMs` (at least every 5 s apart) until stop(). */
  start(pollIntervalMs: number): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.check(), Math.max(pollIntervalMs, MIN_SYNC_POLL_MS));
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
