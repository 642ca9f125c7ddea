/**
 * mining_job_token allocation for the JDS (docs/job-declaration-ckb.md §3.2): a token is valid
 * for one declaration, on the connection it was allocated on, until it expires. The store is
 * bounded per connection and in total, so a client asking in a loop only evicts its own (and
 * then the oldest) tokens instead of growing memory.
 */
import { randomBytes } from 'node:crypto';
import { bytesToHex } from '../ckb/hex.js';

export const JOB_TOKEN_SIZE = 8;

export interface JobTokenOptions {
  /** How long an unused token stays valid (default 600 s). */
  ttlMs?: number;
  /** Unused tokens per connection; allocating one more evicts that connection's oldest (16). */
  maxPerConnection?: number;
  /** Unused tokens in total; beyond it the oldest of all goes (100,000). */
  maxTotal?: number;
  /** Token bytes; random by default (tests inject a sequence). */
  random?: (size: number) => Uint8Array;
}

/** Why a token cannot be used, or 'ok'. */
export type TokenCheck = 'ok' | 'unknown' | 'expired' | 'other-connection';

interface Entry {
  connectionId: number;
  expiresAt: number;
}

export class JobTokens {
  private readonly ttlMs: number;
  private readonly maxPerConnection: number;
  private readonly maxTotal: number;
  private readonly random: (size: number) => Uint8Array;
  /** Insertion order = allocation order, which eviction relies on. */
  private readonly byToken = new Map<string, Entry>();
  private readonly byConnection = new Map<number, Set<string>>();

  constructor(opts: JobTokenOptions = {}) {
    this.ttlMs = opts.ttlMs ?? 600_000;
    this.maxPerConnection = opts.maxPerConnection ?? 16;
    this.maxTotal = opts.maxTotal ?? 100_000;
    this.random = opts.random ?? ((n) => new Uint8Array(randomBytes(n)));
  }

  get size(): number {
    return this.byToken.size;
  }

  allocate(connectionId: number, nowMs: number): Uint8Array {
    const own = this.byConnection.get(connectionId) ?? new Set<string>();
    while (own.size >= this.maxPerConnection) this.remove(own.values().next().value as string);
    while (this.byToken.size >= this.maxTotal) this.remove(this.byToken.keys().next().value as string);
    let token: Uint8Array;
    do token = this.random(JOB_TOKEN_SIZE);
    while (this.byToken.has(bytesToHex(token)));
    const key = bytesToHex(token);
    this.byToken.set(key, { connectionId, expiresAt: nowMs + this.ttlMs });
    own.add(key);
    // Set again: evicting the last token of a connection removed its (now refilled) set.
    this.byConnection.set(connectionId, own);
    return token;
  }

  /** Checks a token and, when it is good, uses it up (one declaration per token). */
  consume(connectionId: number, token: Uint8Array, nowMs: number): TokenCheck {
    const key = bytesToHex(token);
    const entry = this.byToken.get(key);
    if (!entry) return 'unknown';
    if (entry.connectionId !== connectionId) return 'other-connection';
    this.remove(key);
    return nowMs >= entry.expiresAt ? 'expired' : 'ok';
  }

  /** Forgets a closed connection's tokens. */
  dropConnection(connectionId: number): void {
    for (const key of this.byConnection.get(connectionId) ?? []) this.byToken.delete(key);
    this.byConnection.delete(connectionId);
  }

  private remove(key: string): void {
    const entry = this.byToken.get(key);
    if (!entry) return;
    this.byToken.delete(key);
    const own = this.byConnection.get(entry.connectionId);
    own?.delete(key);
    if (own && own.size === 0) this.byConnection.delete(entry.connectionId);
  }
}
