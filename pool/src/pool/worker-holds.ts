import type { PeerAccount, PeerLimitReason } from './peer-limits.js';

/**
 * The worker names one connection uses, each with the number of things holding it (its
 * channels, and a TLV-credited name for as long as the connection lives). A name new to the
 * connection must fit the per-connection limit and then its IP's (PeerAccount); the last
 * release gives the IP's slot back.
 */
export class WorkerNameHolds {
  private readonly holds = new Map<string, number>();

  constructor(
    private readonly maxPerConnection: number,
    private readonly peer: PeerAccount,
  ) {}

  get size(): number {
    return this.holds.size;
  }

  has(name: string): boolean {
    return this.holds.has(name);
  }

  /** One more hold on `name`; the limit that refuses a new name, or null. */
  hold(name: string): PeerLimitReason | null {
    const held = this.holds.get(name);
    if (held !== undefined) {
      this.holds.set(name, held + 1);
      return null;
    }
    if (this.holds.size >= this.maxPerConnection) return 'worker_names_per_connection';
    const refused = this.peer.addWorkerName();
    if (refused) return refused;
    this.holds.set(name, 1);
    return null;
  }

  release(name: string): void {
    const held = this.holds.get(name);
    if (held === undefined) return;
    if (held > 1) {
      this.holds.set(name, held - 1);
      return;
    }
    this.holds.delete(name);
    this.peer.removeWorkerName();
  }
}
