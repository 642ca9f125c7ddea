/**
 * Nonce space allocation (docs/protocol.md §3 "Nonce layout"): every channel gets a 4-byte extranonce_prefix =
 * pool instance id (1 byte) ‖ channel index (3 bytes, big-endian), and rolls the other 12
 * bytes of the 16-byte CKB nonce. Indexes of closed channels are reused oldest-freed first,
 * so a just-closed index is handed out again as late as possible.
 */

export const EXTRANONCE_PREFIX_SIZE = 4;
export const NONCE_SIZE = 16;
/** Bytes the downstream rolls: extranonce_size of extended channels. */
export const DOWNSTREAM_EXTRANONCE_SIZE = NONCE_SIZE - EXTRANONCE_PREFIX_SIZE;
export const MAX_CHANNEL_INDEX = 0xff_ffff;

export class ExtranonceAllocator {
  private next = 0;
  private readonly freed: number[] = [];
  private freedHead = 0;
  private readonly inUse = new Set<number>();

  constructor(
    readonly instanceId: number,
    private readonly capacity = MAX_CHANNEL_INDEX + 1,
    /** First index handed out: instances on one host take disjoint ranges (instances/layout.ts). */
    private readonly base = 0,
  ) {
    if (!Number.isInteger(instanceId) || instanceId < 0 || instanceId > 255) {
      throw new RangeError(`instance id must be 0..255, got ${instanceId}`);
    }
    if (capacity < 1 || base < 0 || base + capacity > MAX_CHANNEL_INDEX + 1)
      throw new RangeError('capacity out of range');
  }

  /** Channels currently holding a prefix. */
  get size(): number {
    return this.inUse.size;
  }

  /** A fresh channel index, or null when all 2^24 are in use. */
  allocate(): number | null {
    let index: number;
    if (this.next < this.capacity) {
      index = this.next++;
    } else if (this.freedHead < this.freed.length) {
      index = this.freed[this.freedHead++];
      // Compact the queue now and then instead of shifting on every allocation.
      if (this.freedHead > 1024 && this.freedHead * 2 > this.freed.length) {
        this.freed.splice(0, this.freedHead);
        this.freedHead = 0;
      }
    } else {
      return null;
    }
    this.inUse.add(index);
    return this.base + index;
  }

  release(index: number): void {
    if (!this.inUse.delete(index - this.base)) return;
    this.freed.push(index - this.base);
  }

  prefixFor(index: number): Uint8Array {
    return extranoncePrefix(this.instanceId, index);
  }
}

export function extranoncePrefix(instanceId: number, channelIndex: number): Uint8Array {
  if (channelIndex < 0 || channelIndex > MAX_CHANNEL_INDEX)
    throw new RangeError('channel index out of range');
  return Uint8Array.of(
    instanceId,
    (channelIndex >>> 16) & 0xff,
    (channelIndex >>> 8) & 0xff,
    channelIndex & 0xff,
  );
}

/** Inverse of extranoncePrefix, for logs and tests. */
export function parseExtranoncePrefix(prefix: Uint8Array): { instanceId: number; channelIndex: number } {
  if (prefix.length !== EXTRANONCE_PREFIX_SIZE) throw new RangeError('extranonce prefix must be 4 bytes');
  return {
    instanceId: prefix[0],
    channelIndex: (prefix[1] << 16) | (prefix[2] << 8) | prefix[3],
  };
}
