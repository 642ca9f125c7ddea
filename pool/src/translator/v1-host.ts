import type { UpstreamClient } from '../sv2/client/upstream.js';
import type { ChannelAssigner } from './channel-assigner.js';
import { bindingOf, extranonceFor } from './channel-registry.js';
import type { TranslatorLimitReason } from './limits.js';
import type { ShareRelay } from './share-relay.js';
import type { TranslatorMode } from './types.js';
import type { SubmitOutcome, V1Session, V1SessionHost } from './v1-session.js';
import { type Declared, refusalMessage, type WorkerIds } from './worker-ids.js';

export interface V1HostDeps {
  mode: TranslatorMode;
  identity: string;
  upstream: Pick<UpstreamClient, 'epoch' | 'connected' | 'workerHashrate'>;
  assigner: ChannelAssigner;
  relay: ShareRelay;
  workerIds: WorkerIds;
  limited: (reason: TranslatorLimitReason) => void;
  /** Resolves once the pool is connected, rejects after `ms`. */
  waitUp: (ms: number) => Promise<void>;
  /** How long a subscribe waits for the pool (default 30 s). */
  subscribeWaitMs?: number | undefined;
}

/** What the translator does for each V1 request a session has parsed and checked. */
export class V1Host implements V1SessionHost {
  constructor(private readonly d: V1HostDeps) {}

  async subscribe(s: V1Session): Promise<{ extranonce1: Uint8Array; extranonce2Size: number }> {
    const { d } = this;
    const b = bindingOf(s);
    if (b.channel && b.channel.epoch === d.upstream.epoch) return extranonceFor(b.channel, b);
    await d.waitUp(d.subscribeWaitMs ?? 30_000);
    const ch = await d.assigner.attach(s, (d.mode === 'per-worker' && s.userHint) || d.identity);
    // A miner that pipelined authorize behind subscribe gets its work once both are answered.
    if (s.user) {
      const user = s.user;
      setImmediate(() => this.authorized(s, user));
    }
    return extranonceFor(ch, bindingOf(s));
  }

  /**
   * The pool's word on a name at mining.authorize: declared (0x4CCB) on the miner's channel, so a
   * name the pool refuses (accounts.mode) is refused to the miner. Null when it cannot be asked
   * now (no channel or no pool yet: the shares will ask).
   */
  checkName(s: V1Session, user: string): Promise<string | null> | null {
    const ch = bindingOf(s).channel;
    if (!ch || ch.epoch !== this.d.upstream.epoch || !this.d.upstream.connected) return null;
    const verdict = (x: Declared) => (x.kind === 'refused' ? refusalMessage(x.code) : null);
    const found = this.d.workerIds.declare(ch, user, s.log);
    return found instanceof Promise ? found.then(verdict) : Promise.resolve(verdict(found));
  }

  authorized(s: V1Session, user: string): void {
    const { d } = this;
    const b = bindingOf(s);
    const ch = b.channel;
    if (!ch) return; // work follows when the pool is back
    const perWorker = d.mode === 'per-worker';
    if (perWorker && ch.name !== user && s.takesNewExtranonce && d.upstream.connected && !b.renamed) {
      // A channel under the miner's own name, so the pool credits and tunes it by name. Once
      // per connection: a miner that authorizes again and again must not make the pool open
      // and close channels on the connection every miner shares (its later names go on TLVs).
      b.renamed = true;
      d.assigner.attach(s, user).then(
        (nch) => d.assigner.adopt(s, nch),
        (err: Error) => {
          s.log.warn({ err: err.message }, 'could not open a named channel; keeping the first one');
          d.assigner.sendWork(s, ch, true);
        },
      );
      return;
    }
    if (perWorker && ch.name !== user) {
      s.log.info(
        { user, channel: ch.name },
        d.upstream.workerHashrate
          ? 'miner cannot switch extranonce; its shares carry its name (extension 0x0002)'
          : 'miner cannot switch extranonce; its shares are credited to the translator identity',
      );
    }
    d.assigner.sendWork(s, ch, true);
  }

  submit(s: V1Session, params: unknown[]): Promise<SubmitOutcome> {
    return this.d.relay.submit(s, params);
  }

  limited(_s: V1Session, reason: TranslatorLimitReason): void {
    this.d.limited(reason);
  }

  closed(s: V1Session): void {
    this.d.assigner.leave(s);
  }

  settledDifficulty(s: V1Session): number | null {
    const v = bindingOf(s).targets.vardiff;
    return v && !v.measuring ? v.difficulty : null;
  }
}
