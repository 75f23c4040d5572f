/** @file Reverse map of writable shadow PTEs: for each guest frame, the shadow PTE slots that map it writable. */

/**
 * A slot is `poolPage * 1024 + entryIndex` (the shadow PTE at `poolBase + slot * 4`). Invariant
 * kept by the pager: a slot is on its guest frame's list exactly while that shadow PTE is present
 * and writable. When a guest page becomes traced, the pager walks its list to write-protect every
 * mapping at once. Intrusive doubly-linked lists in typed arrays: 8 bytes per slot, no allocation.
 */
export class WritableMap {
  /** Next slot in the same guest frame's list, or -1. */
  readonly next: Int32Array;
  private readonly prev: Int32Array;
  private readonly head: Int32Array;

  constructor(guestPages: number, poolPages: number) {
    this.head = new Int32Array(guestPages).fill(-1);
    this.next = new Int32Array(poolPages * 1024).fill(-1);
    this.prev = new Int32Array(poolPages * 1024).fill(-1);
  }

  /** First slot mapping `gfn` writable, or -1. */
  first(gfn: number): number {
    return gfn < this.head.length ? this.head[gfn] : -1;
  }

  /** Records that `slot` maps `gfn` writable. */
  add(slot: number, gfn: number): void {
    if (gfn >= this.head.length) return;
    const h = this.head[gfn];
    this.next[slot] = h;
    this.prev[slot] = -1;
    if (h >= 0) this.prev[h] = slot;
    this.head[gfn] = slot;
  }

  /** Removes `slot` from `gfn`'s list (it must be on it). */
  remove(slot: number, gfn: number): void {
    if (gfn >= this.head.length) return;
    const n = this.next[slot];
    const pr = this.prev[slot];
    if (pr >= 0) this.next[pr] = n;
    else this.head[gfn] = n;
    if (n >= 0) this.prev[n] = pr;
    this.next[slot] = -1;
    this.prev[slot] = -1;
  }

  /** Empties `gfn`'s list (after the caller has write-protected every slot on it). */
  clear(gfn: number): void {
    if (gfn >= this.head.length) return;
    let s = this.head[gfn];
    while (s >= 0) {
      const n = this.next[s];
      this.next[s] = -1;
      this.prev[s] = -1;
      s = n;
    }
    this.head[gfn] = -1;
  }
}
