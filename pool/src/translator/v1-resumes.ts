import { randomBytes } from 'node:crypto';

/** What a miner that reconnects with its session id gets back (cgminer-style session resume). */
export interface ResumedSession {
  /** The name it authorized as: its channel can be opened under it before it authorizes again. */
  user: string | null;
  /** The target its `mining.suggest_difficulty` asked for. */
  suggestedTarget: bigint | null;
  /**
   * The difficulty its vardiff had settled on (null while still measuring): a miner back within
   * minutes hashes as it did, so it starts there instead of being measured again.
   */
  settledDifficulty: number | null;
}

/**
 * Session ids handed to miners whose dialect resumes sessions (Goldshell), and what each
 * session had, for `RESUME_MS` after it closed. Bounded: the oldest entries go first.
 */
export class V1Resumes {
  private readonly closed = new Map<string, ResumedSession & { atMs: number }>();

  constructor(
    private readonly max = 10_000,
    private readonly resumeMs = 10 * 60_000,
  ) {}

  /** A fresh session id: 8 hex characters, like the extranonce1-sized ids pools hand out. */
  newId(): string {
    let id = randomBytes(4).toString('hex');
    while (this.closed.has(id)) id = randomBytes(4).toString('hex');
    return id;
  }

  /** The session `id` offered on subscribe, if it closed here recently (and forgets it). */
  take(id: unknown, nowMs = Date.now()): ResumedSession | null {
    if (typeof id !== 'string') return null;
    const e = this.closed.get(id);
    if (!e) return null;
    this.closed.delete(id);
    if (nowMs - e.atMs > this.resumeMs) return null;
    return { user: e.user, suggestedTarget: e.suggestedTarget, settledDifficulty: e.settledDifficulty };
  }

  /** A session with `id` closed: remember it for a resume. */
  remember(id: string, s: ResumedSession, nowMs = Date.now()): void {
    this.closed.delete(id);
    if (this.closed.size >= this.max) this.closed.delete(this.closed.keys().next().value as string);
    this.closed.set(id, { ...s, atMs: nowMs });
  }
}
