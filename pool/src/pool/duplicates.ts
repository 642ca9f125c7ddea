/**
 * Duplicate share detection with bounded memory. Each job keeps the set of full 16-byte nonces
 * accepted on it (the nonce includes the channel's prefix, so one set per job covers every
 * channel); the set is dropped together with the job. A hard cap per job bounds memory even
 * against a client that floods one long-lived job: past the cap, `check` answers 'full' and the
 * caller refuses the share as stale rather than risk counting it twice.
 */

export type DuplicateVerdict = 'new' | 'duplicate' | 'full';

export class JobNonceSet {
  private readonly seen = new Set<string>();

  constructor(readonly maxEntries: number) {}

  get size(): number {
    return this.seen.size;
  }

  /** Checks and, when new, remembers the nonce. */
  checkAndAdd(nonce16: Uint8Array): DuplicateVerdict {
    const key = nonceKey(nonce16);
    if (this.seen.has(key)) return 'duplicate';
    if (this.seen.size >= this.maxEntries) return 'full';
    this.seen.add(key);
    return 'new';
  }

  has(nonce16: Uint8Array): boolean {
    return this.seen.has(nonceKey(nonce16));
  }
}

/** A compact string key: one UTF-16 code unit per byte pair (8 units for 16 bytes). */
export function nonceKey(nonce: Uint8Array): string {
  let s = '';
  for (let i = 0; i < nonce.length; i += 2) {
    s += String.fromCharCode((nonce[i] << 8) | (nonce[i + 1] ?? 0));
  }
  return nonce.length % 2 === 1 ? `${s}!` : s;
}
