/** @file The shadow pager's pool: 4 KiB host pages above guest RAM that hold shadow tables, their metadata and free list. */
import { Pte } from '../paging-bits.ts';

/** What a pool page holds. */
export const ShadowPageKind = {
  /** On the free list. */
  FREE: 0,
  /** A shadow page directory (the root of one shadow address space, keyed by guest CR3). */
  ROOT: 1,
  /** A shadow page table shadowing one guest page table (a traced guest page). */
  TABLE: 2,
  /** A shadow page table shadowing one guest 4 MiB page with 1024 4 KiB entries (no guest table to trace). */
  LARGE: 3,
  /** A shadow page table of the identity mapping used while guest paging is off (CR0.PG=0). */
  FLAT: 4,
} as const;

/** One of the `ShadowPageKind` values. */
export type ShadowPageKindValue = (typeof ShadowPageKind)[keyof typeof ShadowPageKind];

/**
 * The pool: `pages` host pages from `base` (4 KiB aligned) in the machine's memory. Per page it
 * records its kind, the guest frame it shadows (ROOT: its cache key; TABLE: the guest page
 * table's gfn; else -1), the owning root and PD index (tables) and a last-use stamp (roots).
 * `take` hands out a zeroed page or -1; nothing here allocates after construction.
 */
export class ShadowPool {
  /** Host-physical address of pool page 0. */
  readonly base: number;
  /** Number of pool pages. */
  readonly pages: number;
  /** `ShadowPageKind` of each page. */
  readonly kind: Uint8Array;
  /** Guest frame (or root cache key) of each page, -1 when none. */
  readonly guestFrame: Int32Array;
  /** Tables: pool index of the owning root; -1 otherwise. */
  readonly owner: Int32Array;
  /** Tables: index of the shadow PDE (in the owner) that points to this page. */
  readonly pdIndex: Int16Array;
  /** Roots: value of the activation clock when last activated (LRU eviction). */
  readonly stamp: Float64Array;
  private readonly mem: Uint8Array;
  private readonly freeStack: Int32Array;
  private freeTop: number;

  constructor(mem: Uint8Array, base: number, pages: number) {
    this.mem = mem;
    this.base = base;
    this.pages = pages;
    this.kind = new Uint8Array(pages);
    this.guestFrame = new Int32Array(pages).fill(-1);
    this.owner = new Int32Array(pages).fill(-1);
    this.pdIndex = new Int16Array(pages);
    this.stamp = new Float64Array(pages);
    this.freeStack = new Int32Array(pages);
    // Hand out low pages first (easier to read in a memory dump).
    for (let i = 0; i < pages; i++) this.freeStack[i] = pages - 1 - i;
    this.freeTop = pages;
  }

  /** Number of free pages. */
  get freeCount(): number {
    return this.freeTop;
  }

  /** Host-physical address of pool page `p`. */
  hpaOf(p: number): number {
    return this.base + p * 0x1000;
  }

  /** Pool index of the page a shadow entry (PDE) points to. */
  indexOfEntry(entry: number): number {
    return (((entry & Pte.FRAME_4K) >>> 0) - this.base) / 0x1000;
  }

  /** Takes a free page, zeroed; -1 when the pool is empty. Metadata is left for the caller to set. */
  take(): number {
    if (this.freeTop === 0) return -1;
    const p = this.freeStack[--this.freeTop];
    const at = this.hpaOf(p);
    this.mem.fill(0, at, at + 0x1000);
    return p;
  }

  /** Returns page `p` to the free list and clears its metadata. */
  release(p: number): void {
    this.kind[p] = ShadowPageKind.FREE;
    this.guestFrame[p] = -1;
    this.owner[p] = -1;
    this.pdIndex[p] = 0;
    this.stamp[p] = 0;
    this.freeStack[this.freeTop++] = p;
  }
}
