/** @file Tracing bookkeeping: for each guest page, the list of pool pages that shadow it as a page directory or page table. */

/**
 * A guest page is traced while at least one shadow root (as its page directory) or shadow page
 * table (as a guest page table) was built from it. Per guest frame an intrusive doubly-linked
 * list of pool indices; `isTraced` is one array read. Nothing allocates after construction.
 */
export class TraceSet {
  /** Next pool page in the same guest frame's list, or -1. */
  readonly next: Int32Array;
  private readonly prev: Int32Array;
  private readonly head: Int32Array;

  constructor(guestPages: number, poolPages: number) {
    this.head = new Int32Array(guestPages).fill(-1);
    this.next = new Int32Array(poolPages).fill(-1);
    this.prev = new Int32Array(poolPages).fill(-1);
  }

  /** True if guest frame `gfn` is traced (write-protected in every shadow). */
  isTraced(gfn: number): boolean {
    return gfn < this.head.length && this.head[gfn] >= 0;
  }

  /** First pool page of `gfn`'s list, or -1. */
  first(gfn: number): number {
    return gfn < this.head.length ? this.head[gfn] : -1;
  }

  /** Adds pool page `p` to `gfn`'s list. Returns true if `gfn` was not traced before. */
  add(p: number, gfn: number): boolean {
    if (gfn >= this.head.length) return false;
    const h = this.head[gfn];
    this.next[p] = h;
    this.prev[p] = -1;
    if (h >= 0) this.prev[h] = p;
    this.head[gfn] = p;
    return h < 0;
  }

  /** Removes pool page `p` from `gfn`'s list (it must be on it). */
  remove(p: number, gfn: number): void {
    if (gfn >= this.head.length) return;
    const n = this.next[p];
    const pr = this.prev[p];
    if (pr >= 0) this.next[pr] = n;
    else this.head[gfn] = n;
    if (n >= 0) this.prev[n] = pr;
    this.next[p] = -1;
    this.prev[p] = -1;
  }
}
