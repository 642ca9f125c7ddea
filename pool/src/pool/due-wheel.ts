/**
 * A timer wheel: items scheduled for a time, taken when it has come, in slots of
 * `resolutionMs`. Scheduling, unscheduling and taking cost O(1) per item and taking visits only
 * the slots that passed, so the work per tick follows what is due, never how many items wait.
 * The pool uses it for vardiff: a channel is checked when its retarget period ends, not on
 * every tick.
 */
export class DueWheel<T> {
  private readonly slots = new Map<number, Set<T>>();
  private readonly slotOf = new Map<T, number>();
  /** The first slot not yet taken. */
  private nextSlot: number;

  constructor(
    private readonly resolutionMs = 1_000,
    nowMs = Date.now(),
  ) {
    this.nextSlot = Math.floor(nowMs / resolutionMs);
  }

  get size(): number {
    return this.slotOf.size;
  }

  has(item: T): boolean {
    return this.slotOf.has(item);
  }

  /** (Re)schedules `item` for `dueMs` (a time already past is taken on the next tick). */
  schedule(item: T, dueMs: number): void {
    this.unschedule(item);
    const slot = Math.max(Math.ceil(dueMs / this.resolutionMs), this.nextSlot);
    let set = this.slots.get(slot);
    if (!set) {
      set = new Set();
      this.slots.set(slot, set);
    }
    set.add(item);
    this.slotOf.set(item, slot);
  }

  unschedule(item: T): void {
    const slot = this.slotOf.get(item);
    if (slot === undefined) return;
    this.slotOf.delete(item);
    const set = this.slots.get(slot);
    set?.delete(item);
    if (set?.size === 0) this.slots.delete(slot);
  }

  /** Removes and returns every item due at or before `nowMs`. */
  takeDue(nowMs: number): T[] {
    const last = Math.floor(nowMs / this.resolutionMs);
    const out: T[] = [];
    for (let slot = this.nextSlot; slot <= last; slot++) {
      const set = this.slots.get(slot);
      if (!set) continue;
      this.slots.delete(slot);
      for (const item of set) {
        this.slotOf.delete(item);
        out.push(item);
      }
    }
    if (last >= this.nextSlot) this.nextSlot = last + 1;
    return out;
  }
}
