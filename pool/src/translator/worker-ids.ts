import type { Logger } from 'pino';
import type { DeclareAnswer } from '../sv2/client/worker-declarations.js';
import { workerIdTlv } from '../sv2/messages/index.js';
import type { ChannelState } from './types.js';

/**
 * The 0x4CCB long-name carrier, translator side (docs/extensions/0x4CCB.md §3.4). Whenever the
 * pool supports it, a miner whose shares go on a channel under another name (the aggregated
 * channel, or the first per-worker channel of a miner that cannot take a new extranonce1) is
 * declared on that channel once, under exactly the name it authorized as — `<address>.<worker>`
 * does not fit extension 0x0002's 32 bytes, and a declared name is credited as it is, not inside
 * the channel's account — and each of its shares carries the short worker_id. The declaration
 * at mining.authorize is also how the miner learns that the pool refuses its name.
 *
 * A pool that does not know DeclareWorker never answers it: after the first `no-answer` on a
 * connection (epoch) nothing more is declared there and shares fall back to 0x0002 as before.
 */
export type Declared =
  /** Shares of this miner carry `tail` (a worker_id TLV). */
  | { kind: 'declared'; tail: Uint8Array }
  /** The pool refuses the name itself (`not-an-address`, `unregistered-name`, `invalid-worker-name`): tell the miner. */
  | { kind: 'refused'; code: string }
  /** No carrier for this miner now (an older pool, a limit, a lost connection): use 0x0002. */
  | { kind: 'fallback'; code: string };

/** Error codes that refuse the name itself, as opposed to a limit or a channel going away. */
const NAME_REFUSALS = new Set(['not-an-address', 'unregistered-name', 'invalid-worker-name']);

/** What a channel remembers of its declarations. */
interface ChannelDeclarations {
  nextId: number;
  /** By name: the answer, or the promise of it while the pool has not answered. */
  byName: Map<string, Declared | Promise<Declared>>;
}

export interface WorkerIdsUpstream {
  readonly epoch: number;
  declareWorker(epoch: number, channelId: number, workerId: number, name: string): Promise<DeclareAnswer>;
}

export class WorkerIds {
  private readonly channels = new WeakMap<ChannelState, ChannelDeclarations>();
  /** The connection (epoch) found not to answer DeclareWorker. */
  private unsupportedEpoch = -1;

  constructor(private readonly upstream: WorkerIdsUpstream) {}

  /**
   * The declaration of `user` on `ch`: made on first use, then remembered for the channel's
   * life (a resolved answer is returned as it is, so the share path pays no promise).
   */
  declare(ch: ChannelState, user: string, log: Logger): Declared | Promise<Declared> {
    if (ch.epoch === this.unsupportedEpoch) return { kind: 'fallback', code: 'no-answer' };
    let c = this.channels.get(ch);
    if (!c) {
      c = { nextId: 1, byName: new Map() };
      this.channels.set(ch, c);
    }
    const known = c.byName.get(user);
    if (known) return known;
    const book = c;
    const workerId = book.nextId++;
    const pending = this.upstream
      .declareWorker(ch.epoch, ch.channelId, workerId, user)
      .then((a): Declared => {
        const d = this.meaning(ch, a, workerId, user, log);
        // A lost connection or an older pool is no answer about the name: ask again next time.
        if (d.kind === 'fallback' && (d.code === 'upstream-lost' || d.code === 'no-answer'))
          book.byName.delete(user);
        else book.byName.set(user, d);
        return d;
      });
    book.byName.set(user, pending);
    return pending;
  }

  private meaning(ch: ChannelState, a: DeclareAnswer, workerId: number, user: string, log: Logger): Declared {
    if (a.ok) return { kind: 'declared', tail: workerIdTlv(workerId) };
    if (a.code === 'no-answer') {
      if (this.unsupportedEpoch !== ch.epoch)
        log.info('the pool does not answer DeclareWorker (0x4CCB long names): names go on 0x0002 TLVs');
      this.unsupportedEpoch = ch.epoch;
      return { kind: 'fallback', code: a.code };
    }
    if (NAME_REFUSALS.has(a.code)) return { kind: 'refused', code: a.code };
    if (a.code !== 'upstream-lost')
      log.warn(
        { user, channel: ch.name, code: a.code },
        'the pool refused a worker declaration; using 0x0002',
      );
    return { kind: 'fallback', code: a.code };
  }
}

/** What a V1 miner is told when the pool refuses its name. */
export function refusalMessage(code: string): string {
  if (code === 'not-an-address')
    return 'the pool credits only names that start with a CKB address of its chain: authorize as <address>[.<worker>] (not-an-address)';
  if (code === 'unregistered-name')
    return "the pool credits only registered names: ask the pool's operator to register your name (or its part before the first '.') to your CKB address (unregistered-name)";
  return `the pool refuses this worker name (${code})`;
}
