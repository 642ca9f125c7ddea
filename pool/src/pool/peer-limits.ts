import { TokenBucket } from '../sv2/rate-limit.js';

/**
 * What one IP address may hold in the pool, over all its connections: channels, worker names
 * and a share of the message rate; and the pool-wide channel total. Connections are counted
 * by the listener (server.ts); the per-connection limits are the Session's. Every refusal
 * names the limit, and that name is the `reason` label of
 * `ckb_pool_connections_rejected_total`.
 */

export type PeerLimitReason =
  | 'channels_per_connection'
  | 'channels_per_ip'
  | 'channels_total'
  | 'worker_names_per_connection'
  | 'worker_names_per_ip';

/** OpenMiningChannel.Error code for a channel whose name would exceed a worker-name limit. */
export const TOO_MANY_WORKER_NAMES = 'too-many-worker-names';

export interface PeerLimitSettings {
  maxChannels: number;
  maxChannelsPerIp: number;
  maxWorkerNamesPerIp: number;
  /** perSecond 0 = no per-IP message limit. */
  ipMessageRate: { perSecond: number; burst: number };
}

interface IpUsage {
  connections: number;
  channels: number;
  workerNames: number;
  bucket: TokenBucket | null;
}

/** One connection's handle on its IP's usage; every method is O(1). */
export interface PeerAccount {
  /** The message bucket this IP's connections share (null = unlimited). */
  readonly messageBucket: TokenBucket | null;
  /** Takes a channel slot; the limit that refuses it, or null. */
  openChannel(): PeerLimitReason | null;
  closeChannel(): void;
  /** Takes a worker-name slot; the limit that refuses it, or null. */
  addWorkerName(): PeerLimitReason | null;
  removeWorkerName(): void;
  /** The connection is gone: gives back everything it still holds. Idempotent. */
  leave(): void;
}

/** An account with no limits (unit tests of a Session without a listener). */
export const UNLIMITED_PEER: PeerAccount = {
  messageBucket: null,
  openChannel: () => null,
  closeChannel: () => {},
  addWorkerName: () => null,
  removeWorkerName: () => {},
  leave: () => {},
};

export class PeerLimits {
  private channelsTotal = 0;
  private readonly byIp = new Map<string, IpUsage>();

  constructor(
    private readonly settings: PeerLimitSettings,
    private readonly clockMs: () => number = () => performance.now(),
  ) {}

  /** Channels open in the pool (all IPs). */
  get channels(): number {
    return this.channelsTotal;
  }

  /** What `ip` holds now (tests, logs); undefined when it has no connection. */
  usage(ip: string): Readonly<Omit<IpUsage, 'bucket'>> | undefined {
    const u = this.byIp.get(ip);
    return u && { connections: u.connections, channels: u.channels, workerNames: u.workerNames };
  }

  /** A new connection from `ip`. */
  join(ip: string): PeerAccount {
    let u = this.byIp.get(ip);
    if (!u) {
      const r = this.settings.ipMessageRate;
      u = {
        connections: 0,
        channels: 0,
        workerNames: 0,
        bucket: r.perSecond > 0 ? new TokenBucket(r.perSecond, r.burst, this.clockMs()) : null,
      };
      this.byIp.set(ip, u);
    }
    u.connections += 1;
    return this.account(ip, u);
  }

  private account(ip: string, u: IpUsage): PeerAccount {
    const s = this.settings;
    let channels = 0;
    let names = 0;
    let left = false;
    return {
      messageBucket: u.bucket,
      openChannel: () => {
        if (u.channels >= s.maxChannelsPerIp) return 'channels_per_ip';
        if (this.channelsTotal >= s.maxChannels) return 'channels_total';
        u.channels += 1;
        this.channelsTotal += 1;
        channels += 1;
        return null;
      },
      closeChannel: () => {
        if (channels === 0) return;
        channels -= 1;
        u.channels -= 1;
        this.channelsTotal -= 1;
      },
      addWorkerName: () => {
        if (u.workerNames >= s.maxWorkerNamesPerIp) return 'worker_names_per_ip';
        u.workerNames += 1;
        names += 1;
        return null;
      },
      removeWorkerName: () => {
        if (names === 0) return;
        names -= 1;
        u.workerNames -= 1;
      },
      leave: () => {
        if (left) return;
        left = true;
        u.channels -= channels;
        this.channelsTotal -= channels;
        u.workerNames -= names;
        channels = 0;
        names = 0;
        u.connections -= 1;
        // The bucket goes with the last connection: a reconnecting flood starts full again,
        // but only after it has paid a handshake per connection.
        if (u.connections === 0) this.byIp.delete(ip);
      },
    };
  }
}
