import type { Sv2ClientInfo } from '../../api/sri-monitoring.js';

/**
 * Questions the primary asks every instance when the API needs an answer (their channels, their
 * SRI client views), instead of each instance reporting on a timer whether anyone reads it.
 */

/** How the primary asks its instances one kind of question. */
export interface InstanceAsker {
  /** The instances that can answer. */
  indexes(): readonly number[];
  send(index: number, request: number): void;
  /** How long an answer is waited for (then the instance's last report stands). */
  waitMs?: number;
  /** A round this recent serves without asking again. */
  freshMs?: number;
  now?: () => number;
}

/**
 * Rounds of one question to every instance: at most one per `freshMs` (default 1 s, the API's
 * own caches), callers while a round is out share it, and a round ends once each instance
 * answered or `waitMs` (1 s) passed.
 */
export class InstanceRounds {
  private readonly pending = new Map<number, () => void>();
  private nextRequest = 0;
  private asking: Promise<void> | null = null;
  private askedAtMs = Number.NEGATIVE_INFINITY;

  constructor(private readonly asker: InstanceAsker) {}

  refresh(): Promise<void> {
    const a = this.asker;
    if (this.asking) return this.asking;
    const now = (a.now ?? Date.now)();
    if (now - this.askedAtMs < (a.freshMs ?? 1_000)) return Promise.resolve();
    this.askedAtMs = now;
    const round = Promise.all(a.indexes().map((index) => this.ask(index)));
    this.asking = round.then(() => {
      this.asking = null;
    });
    return this.asking;
  }

  /** An instance answered `request`. */
  answered(request: number): void {
    this.pending.get(request)?.();
  }

  private ask(index: number): Promise<void> {
    return new Promise((resolve) => {
      const request = ++this.nextRequest;
      const done = () => {
        clearTimeout(timer);
        this.pending.delete(request);
        resolve();
      };
      const timer = setTimeout(done, this.asker.waitMs ?? 1_000);
      this.pending.set(request, done);
      this.asker.send(index, request);
    });
  }
}

/**
 * Every instance's SV2 clients as SRI's monitoring routes list them. An instance numbers its
 * connections from 1 on its own, so the ids it reports are made unique across instances here
 * (`instanceClientId`).
 */
export class InstanceClients {
  private readonly reports = new Map<number, Sv2ClientInfo[]>();

  constructor(readonly rounds: InstanceRounds | null = null) {}

  update(instance: number, clients: Sv2ClientInfo[], request: number): void {
    this.reports.set(instance, clients);
    this.rounds?.answered(request);
  }

  forget(instance: number): void {
    this.reports.delete(instance);
  }

  refresh(): Promise<void> {
    return this.rounds?.refresh() ?? Promise.resolve();
  }

  all(): Sv2ClientInfo[] {
    return [...this.reports.values()].flat();
  }
}

/** A connection id unique across `count` instances: instance `index`'s id `id`. */
export function instanceClientId(id: number, index: number, count: number): number {
  return id * count + index;
}
