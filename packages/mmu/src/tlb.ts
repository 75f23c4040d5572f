/** @file The software TLB the silicon checks on every memory access. */
// One Int32Array entry per linear 4 KiB page: host offset of the page in RAM plus per-access-kind
// permission bits; a list of filled pages makes a flush O(filled); global entries survive a CR3 load.
import { Access, Cr0, PageSize } from './paging-bits.ts';
import { cr0WriteFlushesTlb, cr4WriteFlushesTlb } from './tlb-flush-rules.ts';
import { walkLegacy } from './walk-legacy.ts';
import { walkNested } from './walk-nested.ts';
import type { PageWalk } from './page-walk.ts';

/**
 * Bits of a TLB entry (`Tlb.entries[linear >>> 12]`). Bits 31:12 are the host offset of the page
 * in RAM; a permission bit set means that access kind may use the entry without a walk.
 */
export const TlbBit = {
  /** Supervisor data read. */
  READ_S: 1 << 0,
  /** Supervisor data write (page dirty, writable or CR0.WP=0). */
  WRITE_S: 1 << 1,
  /** User data read. */
  READ_U: 1 << 2,
  /** User data write. */
  WRITE_U: 1 << 3,
  /** Supervisor instruction fetch. */
  FETCH_S: 1 << 4,
  /** User instruction fetch. */
  FETCH_U: 1 << 5,
  /** The translation is global: kept by `flushNonGlobal` (CR3 load). */
  GLOBAL: 1 << 8,
  /** The translation came from a 4 MiB page (INVLPG drops the whole 4 MiB region). */
  LARGE: 1 << 9,
  /** Bookkeeping: the page is in the filled list (may be set on an otherwise empty entry). */
  LISTED: 1 << 11,
  /** Host offset of the page (bits 31:12). */
  FRAME: 0xfffff000 | 0,
} as const;

const CHECK_BITS = new Int32Array([
  TlbBit.READ_S, TlbBit.WRITE_S, TlbBit.READ_U, TlbBit.WRITE_U,
  TlbBit.FETCH_S, TlbBit.WRITE_S, TlbBit.FETCH_U, TlbBit.WRITE_U,
]);

/**
 * The TLB entry bit an access needs (`Access` bits in). Precompute it per access site: the
 * fast path is `e = tlb.entries[la >>> 12]; if ((e & bit) !== 0) host = (e & TlbBit.FRAME) | (la & 0xfff)`.
 */
export function tlbCheckBit(access: number): number {
  return CHECK_BITS[((access & Access.WRITE) >> 1) | ((access & Access.USER) >> 1) | ((access & Access.FETCH) >> 2)];
}

/** Counters of a Tlb. Hits are not counted (the fast path is too hot); everything slower is. */
export interface TlbCounters {
  /** Slow-path translations (`translate`, `translateNested`): each one walk. */
  misses: number;
  /** Entries written by `fill`. */
  fills: number;
  /** Fills refused because the page is not RAM (MMIO) or beyond the fast path's reach. */
  mmioRefusals: number;
  /** Slow-path walks that ended in a fault (#PF or nested). */
  faults: number;
  /** Memory references made by slow-path walks (paging-entry reads). */
  walkReferences: number;
  /** A/D bits set by slow-path walks (entry write-backs). */
  adUpdates: number;
  /** Whole-TLB flushes (`flushAll`, CR0/CR4 changes, ASID flushes). */
  flushes: number;
  /** Non-global flushes (`flushNonGlobal`, CR3 loads). */
  nonGlobalFlushes: number;
  /** `invlpg` calls. */
  invlpgs: number;
  /** Whole flushes forced because the filled list reached its capacity. */
  overflowFlushes: number;
}

/** Options of a Tlb. */
export interface TlbOptions {
  /** The ASID this TLB caches translations for (0 = host). Informational; see TlbSet. */
  asid?: number;
  /** Most pages held before a fill flushes everything (default 65536, i.e. 256 MiB of mappings). */
  capacity?: number;
  /**
   * Whether the 4 KiB host page at `pageBase` is plain RAM. Pages for which it returns false
   * (MMIO) never get an entry, so every access to them takes the slow path. Default: every page
   * inside the RAM array is RAM.
   */
  isRam?: (pageBase: number) => boolean;
}

const ENTRY_COUNT = 1 << 20;
const REGION_COUNT = 1 << 10;

/**
 * A software TLB for one address space (one ASID). Entries cover 4 KiB linear pages; a 4 MiB page
 * fills one 4 KiB entry per page touched. Write rights are granted only once the page is dirty,
 * so the first write to a clean page misses and its walk sets D (SDM Vol.3 §4.8).
 */
export class Tlb {
  /** The ASID this TLB belongs to. */
  readonly asid: number;
  /** Entry per linear page number: host offset (bits 31:12) | TlbBit flags; 0 = empty. */
  readonly entries: Int32Array;
  /** Slow-path and maintenance counters. */
  readonly counters: TlbCounters;
  readonly #filled: Int32Array;
  #filledCount = 0;
  readonly #largeRegions: Uint8Array;
  readonly #isRam: ((pageBase: number) => boolean) | null;

  constructor(options: TlbOptions = {}) {
    this.asid = options.asid ?? 0;
    this.entries = new Int32Array(ENTRY_COUNT);
    this.#filled = new Int32Array(Math.max(1, Math.min(ENTRY_COUNT, options.capacity ?? 1 << 16)));
    this.#largeRegions = new Uint8Array(REGION_COUNT);
    this.#isRam = options.isRam ?? null;
    this.counters = {
      misses: 0, fills: 0, mmioRefusals: 0, faults: 0, walkReferences: 0, adUpdates: 0,
      flushes: 0, nonGlobalFlushes: 0, invlpgs: 0, overflowFlushes: 0,
    };
  }

  /** Number of pages currently in the filled list (entries that a flush has to clear). */
  get filledCount(): number {
    return this.#filledCount;
  }

  /**
   * Caches the successful walk `walk` of `linear`. `cr0` is the CR0 the walk used (its WP decides
   * supervisor write rights on read-only pages). `ram` = false (an MMIO page) refuses the fill.
   */
  fill(linear: number, walk: PageWalk, cr0: number, ram: boolean): void {
    const host = walk.physical;
    if (!ram || host < 0 || host >= 0x80000000) {
      this.counters.mmioRefusals++;
      return;
    }
    const lpn = linear >>> 12;
    if ((this.entries[lpn] & TlbBit.LISTED) === 0) {
      if (this.#filledCount === this.#filled.length) {
        this.counters.overflowFlushes++;
        this.flushAll();
      }
      this.#filled[this.#filledCount++] = lpn;
    }
    const canWrite = (walk.dirty & walk.hostWritable & walk.hostDirty) !== 0;
    let bits = TlbBit.READ_S | TlbBit.FETCH_S | TlbBit.LISTED;
    if (canWrite && (walk.writable !== 0 || (cr0 & Cr0.WP) === 0)) bits |= TlbBit.WRITE_S;
    if (walk.user !== 0) {
      bits |= TlbBit.READ_U | TlbBit.FETCH_U;
      if (canWrite && walk.writable !== 0) bits |= TlbBit.WRITE_U;
    }
    if (walk.global !== 0) bits |= TlbBit.GLOBAL;
    if (walk.pageSize === PageSize.SIZE_4M) {
      bits |= TlbBit.LARGE;
      this.#largeRegions[lpn >>> 10] = 1;
    }
    this.entries[lpn] = (host & TlbBit.FRAME) | bits;
    this.counters.fills++;
  }

  /**
   * The slow path of a native access (or any 1-D walk): walks `linear`, counts the miss, and on
   * success fills the entry (unless the page is MMIO). Returns what `walkLegacy` returns.
   */
  translate(mem: Uint8Array, cr0: number, cr3: number, cr4: number, linear: number, access: number, walk: PageWalk): number {
    this.counters.misses++;
    const r = walkLegacy(mem, cr0, cr3, cr4, linear, access, walk);
    return this.#afterWalk(mem, r, cr0, linear, walk);
  }

  /**
   * The slow path of a guest-mode access under nested paging: the 2-D walk, counted, then a fill
   * of guest-virtual → host-physical. Returns what `walkNested` returns.
   */
  translateNested(
    mem: Uint8Array,
    guestCr0: number,
    guestCr3: number,
    guestCr4: number,
    nCr3: number,
    hostCr4: number,
    linear: number,
    access: number,
    walk: PageWalk,
  ): number {
    this.counters.misses++;
    const r = walkNested(mem, guestCr0, guestCr3, guestCr4, nCr3, hostCr4, linear, access, walk);
    return this.#afterWalk(mem, r, guestCr0, linear, walk);
  }

  #afterWalk(mem: Uint8Array, r: number, cr0: number, linear: number, walk: PageWalk): number {
    this.counters.walkReferences += walk.references;
    this.counters.adUpdates += walk.updates;
    if (r < 0) {
      this.counters.faults++;
      return r;
    }
    const base = r - (r & 0xfff);
    this.fill(linear, walk, cr0, base + 0x1000 <= mem.length && (this.#isRam === null || this.#isRam(base)));
    return r;
  }

  /**
   * INVLPG: drops the translation of the page containing `linear`, global or not (SDM Vol.3
   * §4.10.4.1); if a 4 MiB page was cached in that 4 MiB region, the whole region.
   */
  invlpg(linear: number): void {
    this.counters.invlpgs++;
    const lpn = linear >>> 12;
    const region = lpn >>> 10;
    if (this.#largeRegions[region] !== 0) {
      this.#largeRegions[region] = 0;
      const first = region << 10;
      for (let i = first; i < first + 1024; i++) this.entries[i] &= TlbBit.LISTED;
    } else {
      this.entries[lpn] &= TlbBit.LISTED;
    }
  }

  /** Drops every entry, global ones included. O(filled). */
  flushAll(): void {
    this.counters.flushes++;
    const filled = this.#filled;
    for (let i = 0; i < this.#filledCount; i++) this.entries[filled[i]] = 0;
    this.#filledCount = 0;
    this.#largeRegions.fill(0);
  }

  /** Drops every non-global entry (a CR3 load). O(filled). */
  flushNonGlobal(): void {
    this.counters.nonGlobalFlushes++;
    const filled = this.#filled;
    const entries = this.entries;
    this.#largeRegions.fill(0);
    let kept = 0;
    for (let i = 0; i < this.#filledCount; i++) {
      const lpn = filled[i];
      const e = entries[lpn];
      if ((e & TlbBit.GLOBAL) !== 0) {
        filled[kept++] = lpn;
        if ((e & TlbBit.LARGE) !== 0) this.#largeRegions[lpn >>> 10] = 1;
      } else {
        entries[lpn] = 0;
      }
    }
    this.#filledCount = kept;
  }

  /** MOV to CR0: flushes everything if PG, WP or PE changed (see `cr0WriteFlushesTlb`). */
  onCr0Write(oldCr0: number, newCr0: number): void {
    if (cr0WriteFlushesTlb(oldCr0, newCr0)) this.flushAll();
  }

  /** MOV to CR3 (or a task switch loading CR3): drops non-global entries (SDM Vol.3 §4.10.4.1). */
  onCr3Write(): void {
    this.flushNonGlobal();
  }

  /** MOV to CR4: flushes everything if PGE, PAE or PSE changed (see `cr4WriteFlushesTlb`). */
  onCr4Write(oldCr4: number, newCr4: number): void {
    if (cr4WriteFlushesTlb(oldCr4, newCr4)) this.flushAll();
  }
}
