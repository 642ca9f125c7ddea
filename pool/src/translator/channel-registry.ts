import type { OpenedChannel } from '../sv2/client/upstream.js';
import { newMinerTargetState } from './miner-targets.js';
import { concatBytes } from './shares.js';
import type { Binding, ChannelState } from './types.js';
import type { V1Session } from './v1-session.js';

/** Aggregated mode: 2 of the channel's rollable nonce bytes number the miners sharing it. */
export const AGG_LOCAL_BYTES = 2;

/** The channel binding a session carries (made on first use). */
export function bindingOf(s: Pick<V1Session, 'binding'>): Binding {
  if (!s.binding)
    s.binding = {
      channel: null,
      localIndex: null,
      workerTlv: null,
      renamed: false,
      targets: newMinerTargetState(),
      hashRate: 0,
    } satisfies Binding;
  return s.binding as Binding;
}

/** The V1 extranonce1 and extranonce2 size a miner bound as `b` gets on channel `ch`. */
export function extranonceFor(
  ch: Pick<ChannelState, 'prefix' | 'extranonceSize'>,
  b: Pick<Binding, 'localIndex'>,
): { extranonce1: Uint8Array; extranonce2Size: number } {
  if (b.localIndex === null) return { extranonce1: ch.prefix, extranonce2Size: ch.extranonceSize };
  const local = Uint8Array.of((b.localIndex >>> 8) & 0xff, b.localIndex & 0xff);
  return { extranonce1: concatBytes(ch.prefix, local), extranonce2Size: ch.extranonceSize - AGG_LOCAL_BYTES };
}

/** Hands out the 2-byte miner indexes of an aggregated channel, never two alike at once. */
export class MinerIndexes {
  private readonly used = new Set<number>();
  private next = 0;

  /** A free index; throws when all 65,536 are taken. */
  take(): number {
    if (this.used.size >= 0x10000) throw new Error('translator is full');
    while (this.used.has(this.next)) this.next = (this.next + 1) & 0xffff;
    const i = this.next;
    this.used.add(i);
    this.next = (this.next + 1) & 0xffff;
    return i;
  }

  release(i: number): void {
    this.used.delete(i);
  }
}

/**
 * The pool channels of the current upstream connection, by channel id, and which V1 sessions
 * mine on each. Channel ids restart with every pool connection, so the registry is cleared on
 * each new epoch and only ever forgets the very channel object it is given.
 */
export class ChannelRegistry {
  private readonly byId = new Map<number, ChannelState>();

  /** Records a channel the pool just opened; `lastJob` is its newest job if one came first. */
  add(c: OpenedChannel, name: string, lastJob: ChannelState['lastJob'], declaredHashRate = 0): ChannelState {
    const ch: ChannelState = {
      epoch: c.epoch,
      channelId: c.channelId,
      groupChannelId: c.groupChannelId,
      prefix: c.extranoncePrefix,
      extranonceSize: c.extranonceSize,
      name,
      target: c.target,
      sessions: new Set(),
      declaredHashRate,
      declaredAtMs: Date.now(),
      hashRateSum: 0,
      lastJob,
    };
    this.byId.set(ch.channelId, ch);
    return ch;
  }

  /** The channel `channelId` of connection `epoch`, if it is still open. */
  get(epoch: number, channelId: number): ChannelState | undefined {
    const ch = this.byId.get(channelId);
    return ch && ch.epoch === epoch ? ch : undefined;
  }

  /** Channels a job sent to `address` (a channel or its group) applies to. */
  *addressedBy(address: number): Iterable<ChannelState> {
    for (const ch of this.byId.values())
      if (ch.channelId === address || ch.groupChannelId === address) yield ch;
  }

  /** Every open channel of the current connection. */
  all(): Iterable<ChannelState> {
    return this.byId.values();
  }

  forget(ch: ChannelState): void {
    if (this.byId.get(ch.channelId) === ch) this.byId.delete(ch.channelId);
  }

  clear(): void {
    this.byId.clear();
  }

  /** Moves session `s` onto `ch` (leaving its previous channel), with its hashrate. */
  bind(s: V1Session, ch: ChannelState): void {
    const b = bindingOf(s);
    if (b.channel === ch && ch.sessions.has(s)) return;
    if (b.channel) unbind(s, b.channel);
    b.channel = ch;
    ch.sessions.add(s);
    ch.hashRateSum += b.hashRate;
  }
}

/** Takes session `s` off channel `ch`, and its hashrate from the channel's sum. */
export function unbind(s: V1Session, ch: ChannelState): void {
  if (!ch.sessions.delete(s)) return;
  ch.hashRateSum = Math.max(0, ch.hashRateSum - bindingOf(s).hashRate);
}
