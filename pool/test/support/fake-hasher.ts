import { EventEmitter } from 'node:events';
import type { FoundShare, Work } from '../../src/miner/threads.js';

/**
 * Hashing threads as a work feed sees them (miner/feed.ts `Hasher`): records the work it is
 * given; `find` plays a thread reporting a share for the latest work.
 */
export class FakeHasher extends EventEmitter<{ share: [FoundShare]; error: [Error] }> {
  work: Work[] = [];
  idles = 0;
  setWork(w: Work): void {
    this.work.push(w);
  }
  idle(): void {
    this.idles += 1;
  }
  find(nonce: Uint8Array): void {
    const key = this.work.at(-1)?.key;
    this.emit('share', { key, nonce } as FoundShare);
  }
}
