import type { Logger } from 'pino';
import { powOutput } from '../ckb/pow.js';
import { meetsTarget } from '../ckb/target.js';
import type { FeedContext, Hasher, WorkFeed } from './feed.js';
import type { ShareTally } from './share-tally.js';
import { V1Client, type V1Work } from './v1-client.js';

/** What a hashing thread's share must be checked and submitted against. */
interface V1Key {
  jobId: string;
  extranonce1: Uint8Array;
  powHash: Uint8Array;
}

/** Work from a CKB Stratum V1 pool or translator (stratum+tcp://). V1 jobs carry no network target. */
export class V1Feed implements WorkFeed {
  private target: bigint | null = null;
  private job: V1Work | null = null;

  constructor(
    private readonly c: FeedContext,
    private readonly hasher: Hasher,
    private readonly tally: ShareTally,
    private readonly log: Logger,
    private readonly client = new V1Client(c.url, c.user),
  ) {
    client.on('ready', () => this.work());
    client.on('extranonce', () => this.work());
    client.on('target', (t) => {
      this.target = t;
      this.work();
    });
    client.on('job', (j) => {
      tally.newJob();
      this.job = j;
      this.work();
    });
    client.on('refused', (message) => c.refuse?.(`mining.authorize refused ${c.user}: ${message}`));
    client.on('down', () => {
      this.job = null;
      this.target = null;
      hasher.idle();
    });
    hasher.on('share', ({ key, nonce }) => this.onShare(key as V1Key, nonce));
  }

  private work(): void {
    const { client, job, target } = this;
    if (!job || target === null || client.extranonce2Size === 0) return;
    if (client.extranonce1.length + client.extranonce2Size !== 16) {
      this.log.error(
        { en1: client.extranonce1.length, en2: client.extranonce2Size },
        'extranonce sizes do not add to 16',
      );
      return;
    }
    const key: V1Key = { jobId: job.jobId, extranonce1: client.extranonce1, powHash: job.powHash };
    this.hasher.setWork({
      key,
      chain: this.c.chain,
      powHash: job.powHash,
      prefix: client.extranonce1,
      target,
    });
  }

  private onShare(k: V1Key, nonce: Uint8Array): void {
    const { client, target } = this;
    if (k.extranonce1 !== client.extranonce1) return; // mined under an extranonce1 since replaced
    if (target === null || !meetsTarget(powOutput(this.c.chain, k.powHash, nonce), target)) return;
    client.submit(k.jobId, nonce.slice(k.extranonce1.length)).then((v) => {
      if (v.ok) this.tally.accept();
      else this.tally.reject(String(v.code));
    });
  }

  connected(): boolean {
    return this.client.connected;
  }
  connections(): number {
    return this.client.connections;
  }
  wire(): { bytesIn: number; bytesOut: number } {
    return { bytesIn: this.client.wireBytesIn, bytesOut: this.client.wireBytesOut };
  }
  start(): void {
    this.client.start();
  }
  async close(): Promise<void> {
    this.client.close();
  }
}
