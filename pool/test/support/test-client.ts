import { eaglesongPow, powMidstate } from '../../src/ckb/eaglesong.js';
import { ckbhash } from '../../src/ckb/hash.js';
import { meetsTarget, u256LeToTarget } from '../../src/ckb/target.js';
import type { Chain } from '../../src/pool/config.js';
import type { Sv2Connection } from '../../src/sv2/connection.js';
import { connectSv2 } from '../../src/sv2/handshake-io.js';
import {
  EXTENSION_CKB,
  type MessageOf,
  type Sv2Message,
  type Sv2MessageType,
} from '../../src/sv2/messages/index.js';

/**
 * A small scripted SV2 client for the pool's integration tests and benchmark: real TCP, real
 * Noise, the profile's messages. Not a miner (that is pool/src/miner, `ckb-pool mine`); it grinds
 * just enough nonces to produce the share a test needs.
 */

export interface ChannelInfo {
  channelId: number;
  groupChannelId: number;
  extranoncePrefix: Uint8Array;
  target: bigint;
}

export interface JobInfo {
  jobId: number;
  channelId: number;
  clean: boolean;
  height: bigint;
  powHash: Uint8Array;
  midstate: Uint32Array;
  compactTarget: number;
}

export class TestClient {
  readonly inbox: Sv2Message[] = [];
  private waiters: Array<() => void> = [];
  jobs: JobInfo[] = [];
  targets = new Map<number, bigint>();
  private seq = 0;

  constructor(readonly conn: Sv2Connection) {
    conn.on('message', (m) => {
      this.inbox.push(m);
      if (m.type === 'NewCkbJob') {
        this.jobs.push({
          jobId: m.jobId,
          channelId: m.channelId,
          clean: m.cleanJobs,
          height: m.height,
          powHash: m.powHash,
          midstate: powMidstate(m.powHash),
          compactTarget: m.compactTarget,
        });
      }
      if (m.type === 'SetTarget') this.targets.set(m.channelId, u256LeToTarget(m.maximumTarget));
      for (const w of this.waiters.splice(0)) w();
    });
    conn.on('close', () => {
      for (const w of this.waiters.splice(0)) w();
    });
  }

  static async connect(address: string, authority: string | null): Promise<TestClient> {
    const i = address.lastIndexOf(':');
    const conn = await connectSv2({
      host: address.slice(0, i).replace(/^\[|\]$/g, ''),
      port: Number(address.slice(i + 1)),
      authorityPubkey: authority,
    });
    return new TestClient(conn);
  }

  send(m: Sv2Message): void {
    this.conn.send(m);
  }

  /** Waits for the first inbox message (from `from` on) matching `pred`. */
  async waitAny(
    pred: (m: Sv2Message) => boolean,
    timeoutMs = 5_000,
    from = 0,
    what = 'message',
  ): Promise<Sv2Message> {
    const deadline = Date.now() + timeoutMs;
    let scanned = from;
    for (;;) {
      for (; scanned < this.inbox.length; scanned++) {
        const m = this.inbox[scanned] as Sv2Message;
        if (pred(m)) return m;
      }
      if (this.conn.closeInfo)
        throw new Error(`connection closed (${this.conn.closeInfo.reason}) while waiting for ${what}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${what} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Waits for the first inbox message of `type` (from `from` on) matching `pred`. */
  async waitFor<T extends Sv2MessageType>(
    type: T,
    pred: (m: MessageOf<T>) => boolean = () => true,
    timeoutMs = 5_000,
    from = 0,
  ): Promise<MessageOf<T>> {
    return (await this.waitAny(
      (m) => m.type === type && pred(m as MessageOf<T>),
      timeoutMs,
      from,
      type,
    )) as MessageOf<T>;
  }

  async setup(flags = 0, extensions: number[] = [EXTENSION_CKB]): Promise<void> {
    this.send({
      type: 'SetupConnection',
      protocol: 0,
      minVersion: 2,
      maxVersion: 2,
      flags,
      endpointHost: '127.0.0.1',
      endpointPort: 0,
      vendor: 'ckb-pool-test',
      hardwareVersion: '',
      firmware: '',
      deviceId: '',
    });
    await this.waitFor('SetupConnectionSuccess');
    if (extensions.length > 0) {
      this.send({ type: 'RequestExtensions', requestId: 1, requestedExtensions: extensions });
      await this.waitFor('RequestExtensionsSuccess');
    }
  }

  async openStandard(user: string, requestId = 1, nominalHashRate = 0): Promise<ChannelInfo> {
    const from = this.inbox.length;
    this.send({
      type: 'OpenStandardMiningChannel',
      requestId,
      userIdentity: user,
      nominalHashRate,
      maxTarget: new Uint8Array(32).fill(0xff),
    });
    const ok = await this.waitFor(
      'OpenStandardMiningChannelSuccess',
      (m) => m.requestId === requestId,
      5_000,
      from,
    );
    return this.remember(ok);
  }

  async openExtended(user: string, requestId = 1, minExtranonceSize = 12): Promise<ChannelInfo> {
    const from = this.inbox.length;
    this.send({
      type: 'OpenExtendedMiningChannel',
      requestId,
      userIdentity: user,
      nominalHashRate: 0,
      maxTarget: new Uint8Array(32).fill(0xff),
      minExtranonceSize,
    });
    const ok = await this.waitFor(
      'OpenExtendedMiningChannelSuccess',
      (m) => m.requestId === requestId,
      5_000,
      from,
    );
    return this.remember(ok);
  }

  private remember(ok: {
    channelId: number;
    groupChannelId: number;
    extranoncePrefix: Uint8Array;
    target: Uint8Array;
  }): ChannelInfo {
    const target = u256LeToTarget(ok.target);
    this.targets.set(ok.channelId, target);
    return {
      channelId: ok.channelId,
      groupChannelId: ok.groupChannelId,
      extranoncePrefix: ok.extranoncePrefix,
      target,
    };
  }

  /** The newest job that applies to a channel (sent to it or to its group). */
  latestJob(ch: ChannelInfo): JobInfo | undefined {
    for (let i = this.jobs.length - 1; i >= 0; i--) {
      const j = this.jobs[i] as JobInfo;
      if (j.channelId === ch.channelId || j.channelId === ch.groupChannelId) return j;
    }
    return undefined;
  }

  async waitJob(ch: ChannelInfo, after = -1): Promise<JobInfo> {
    await this.waitFor(
      'NewCkbJob',
      (m) => (m.channelId === ch.channelId || m.channelId === ch.groupChannelId) && m.jobId > after,
    );
    return this.latestJob(ch) as JobInfo;
  }

  /**
   * Grinds a 12-byte suffix whose PoW meets (`hit` true) or misses the target; starts at
   * `start` so successive calls find different nonces.
   */
  static grind(
    chain: Chain,
    job: JobInfo,
    prefix: Uint8Array,
    target: bigint,
    hit: boolean,
    start = 0,
    avoid?: bigint,
  ): { suffix: Uint8Array; next: number; output: Uint8Array } {
    const nonce = new Uint8Array(16);
    nonce.set(prefix);
    const view = new DataView(nonce.buffer);
    for (let i = start; ; i++) {
      view.setUint32(12, i >>> 0);
      view.setUint32(8, Math.floor(i / 2 ** 32));
      let out = eaglesongPow(job.midstate, nonce);
      if (chain === 'testnet') out = ckbhash(out);
      // `avoid` (the network target) keeps an ordinary share from being a block by chance.
      if (avoid !== undefined && meetsTarget(out, avoid)) continue;
      if (meetsTarget(out, target) === hit) return { suffix: nonce.slice(4), next: i + 1, output: out };
    }
  }

  submit(channelId: number, jobId: number, nonceSuffix: Uint8Array): number {
    this.seq += 1;
    this.send({ type: 'SubmitSharesCkb', channelId, sequenceNumber: this.seq, jobId, nonceSuffix });
    return this.seq;
  }

  /** Waits for the answer covering `seq`: 'ok' (a Success with last ≥ seq) or the error code. */
  async answer(channelId: number, seq: number, timeoutMs = 5_000): Promise<string> {
    const m = await this.waitAny(
      (x) =>
        (x.type === 'SubmitSharesSuccess' && x.channelId === channelId && x.lastSequenceNumber >= seq) ||
        (x.type === 'SubmitSharesError' && x.channelId === channelId && x.sequenceNumber === seq),
      timeoutMs,
      0,
      `answer to share ${seq}`,
    );
    return m.type === 'SubmitSharesError' ? m.errorCode : 'ok';
  }

  /** Waits for an error for `seq` specifically. */
  async error(channelId: number, seq: number, timeoutMs = 5_000): Promise<string> {
    const e = await this.waitFor(
      'SubmitSharesError',
      (x) => x.channelId === channelId && x.sequenceNumber === seq,
      timeoutMs,
    );
    return e.errorCode;
  }

  close(): void {
    this.conn.close('local-close', 'test done');
  }
}
