/** Messages between the miner and its hashing threads (structured-clone friendly). */
export type ToWorker =
  | {
      type: 'work';
      gen: number;
      chain: 'mainnet' | 'testnet' | 'dev';
      midstate: Uint32Array;
      /** The 16-byte nonce as 4 big-endian words; word 3 is overwritten by the counter. */
      nonceWords: Uint32Array;
      start: number;
      count: number;
      target: bigint;
      targetWords: Uint32Array;
    }
  | { type: 'idle' }
  | { type: 'exit' };

export type FromWorker =
  | { type: 'hashes'; count: number }
  | { type: 'share'; gen: number; nonce: Uint8Array }
  | { type: 'exhausted'; gen: number };
