import type { Chain } from '../ckb/pow.js';
import type { HashThreads } from './threads.js';

/** Where the hashing threads get their work from and send their shares to: a pool or translator. */
export interface WorkFeed {
  /** Connected and able to take shares. */
  connected(): boolean;
  /** Connections made so far (1 = never reconnected). */
  connections(): number;
  wire(): { bytesIn: number; bytesOut: number };
  start(): void;
  close(): Promise<void>;
}

/** The part of HashThreads a feed drives. */
export type Hasher = Pick<HashThreads, 'setWork' | 'idle' | 'on'>;

export interface FeedContext {
  url: string;
  user: string;
  threads: number;
  chain: Chain;
  /** The pool refuses this worker name for good (it would refuse every share): stop mining. */
  refuse?: (reason: string) => void;
}
