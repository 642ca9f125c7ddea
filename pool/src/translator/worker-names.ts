import type { Logger } from 'pino';
import { encodeTlvs, TLV_USER_IDENTITY } from '../sv2/messages/index.js';
import { tlvWorkerFor } from '../workers/names.js';
import type { Binding } from './types.js';

/**
 * Extension 0x0002 for the translator: a miner whose shares go on a channel under another name
 * (aggregated mode, or a first channel it could not leave) names itself in a user_identity TLV,
 * so the pool still credits it per miner. The tail is kept on the miner's binding and remade
 * only when its name or channel changes.
 */
export class WorkerNames {
  /** @param negotiated whether the current pool connection accepted extension 0x0002 */
  constructor(private readonly negotiated: () => boolean) {}

  /** The TLV tail for this share, or undefined when none is needed, allowed or possible. */
  tailFor(b: Binding, user: string | null, channelName: string, log: Logger): Uint8Array | undefined {
    if (!user || channelName === user || !this.negotiated()) return undefined;
    let t = b.workerTlv;
    if (!t || t.channelName !== channelName || t.user !== user) {
      t = { channelName, user, tail: this.encode(user, channelName, log) };
      b.workerTlv = t;
    }
    return t.tail ?? undefined;
  }

  private encode(user: string, channelName: string, log: Logger): Uint8Array | null {
    const value = tlvWorkerFor(user, channelName);
    if (!value) {
      log.warn(
        { user, channel: channelName },
        'worker name does not fit a 0x0002 user_identity (32 bytes); its shares are credited to the channel',
      );
      return null;
    }
    const { extensionType, fieldType } = TLV_USER_IDENTITY;
    return encodeTlvs([{ extensionType, fieldType, value }]);
  }
}
