/** @file The shadow pager both monitors share: shadow tables per guest CR3, tracing, hidden vs true faults, exact A/D bits. */
import type { Gpa, Gva, Hpa } from '../address.ts';
import { Access, Cr0, Cr4, PageSize, Pte } from '../paging-bits.ts';
import { faultErrorCode } from '../fault.ts';
import { PageWalk } from '../page-walk.ts';
import { readU32, writeU32 } from '../phys-memory.ts';
import { walkLegacy } from '../walk-legacy.ts';
import { probeLegacy } from './guest-probe.ts';
import { checkShadowPagerConfig } from './shadow-config.ts';
import type { ShadowPagerConfig } from './shadow-config.ts';
import { newShadowPagerCounters, ShadowFault, ShadowFaultResult, Unmappable } from './shadow-fault.ts';
import type { ShadowPagerCounters, UnmappableReason } from './shadow-fault.ts';
import { ShadowPageKind, ShadowPool } from './shadow-pool.ts';
import { TraceSet } from './trace-set.ts';
import { WritableMap } from './writable-map.ts';

/** Root cache key used while guest paging is off (no guest CR3 has this frame number). */
const FLAT_KEY = 0x100000;
/** Shadow PDEs are fully permissive: the rights live in the shadow PTEs (guest PDE & PTE combined). */
const SHADOW_PDE_FLAGS = Pte.P | Pte.RW | Pte.US;
/** CR0/CR4 bits whose change alters what the shadows may contain. */
const CR0_SEMANTICS = (Cr0.PG | Cr0.WP) >>> 0;
const CR4_SEMANTICS = Cr4.PSE | Cr4.PGE | Cr4.PAE;
/** Shadow-entry bits the silicon's own walks set; ignored when comparing entries. */
const SILICON_AD = Pte.A | Pte.D;

/**
 * The shadow pager (ARCHITECTURE.md §4). The silicon runs the guest on shadow page tables that
 * this pager builds in a pool of host memory from the guest's own tables:
 *
 * - `activate(cr3, cr0, cr4)` on every guest CR3 write (and CR0/CR4 write) returns the shadow CR3;
 * - `handlePageFault(gva, errorCode)` on every #PF the silicon takes on the shadow tables: hidden
 *   (filled; retry), true (reflect), trace (emulate the write with `emulateTracedWrite`) or unmappable;
 * - `invlpg(gva)` on every guest INVLPG; `consumeTlbFlush()` after each call tells the monitor to
 *   flush the silicon's TLB for the guest.
 *
 * The silicon must walk the shadow tables with CR0.PG=1 and CR0.WP=1 (read-only shadow entries
 * must stop supervisor writes too); shadow tables use 4 KiB pages only (CR4.PSE matters only for
 * the caller's reserved PDEs). Never throws after construction; allocates only when a root is
 * added to the per-CR3 cache.
 */
export class ShadowPager {
  /** Event counts. */
  readonly counters: ShadowPagerCounters = newShadowPagerCounters();
  /** Guest RAM as seen by guest-physical addresses (a view into the machine's memory). */
  readonly guestRam: Uint8Array;
  private readonly mem: Uint8Array;
  private readonly ramBase: number;
  private readonly ramPages: number;
  private readonly pool: ShadowPool;
  private readonly traces: TraceSet;
  private readonly writable: WritableMap;
  private readonly reserved = new Uint8Array(1024);
  private readonly reservedValue = new Int32Array(1024);
  private readonly reservedIndices: Int32Array;
  private readonly roots = new Map<number, number>();
  private readonly walk = new PageWalk();
  private readonly result = new ShadowFaultResult();
  private readonly eager: boolean;
  private active = -1;
  private gcr0 = 0;
  private gcr3 = 0;
  private gcr4 = 0;
  private semantics = -1;
  private clock = 0;
  private tlbFlush = false;
  /** A writable shadow entry was dropped without the guest's INVLPG: the silicon's TLB may still hold it. */
  private staleWritable = false;

  /** Checks `config` (throws ShadowPagerError) and sets up an empty cache. */
  constructor(config: ShadowPagerConfig) {
    checkShadowPagerConfig(config);
    this.mem = config.mem;
    this.ramBase = config.guestRamBase ?? 0;
    this.ramPages = config.guestRamSize / 0x1000;
    this.guestRam = config.mem.subarray(this.ramBase, this.ramBase + config.guestRamSize);
    this.pool = new ShadowPool(config.mem, config.poolBase, config.poolPages);
    this.traces = new TraceSet(this.ramPages, config.poolPages);
    this.writable = new WritableMap(this.ramPages, config.poolPages);
    const reserved = config.reservedPdes ?? [];
    this.reservedIndices = new Int32Array(reserved.length);
    reserved.forEach((r, i) => {
      this.reserved[r.index] = 1;
      this.reservedValue[r.index] = r.pde;
      this.reservedIndices[i] = r.index;
    });
    this.eager = config.eagerValidate ?? true;
  }

  /** Host-physical address of the active shadow page directory (the silicon's CR3), or -1. */
  get shadowCr3(): Hpa | -1 {
    return this.active < 0 ? -1 : (this.pool.hpaOf(this.active) as Hpa);
  }

  /** Number of shadow roots in the per-CR3 cache. */
  get cachedRoots(): number {
    return this.roots.size;
  }

  /** Number of free pool pages. */
  get freePages(): number {
    return this.pool.freeCount;
  }

  /**
   * Switches to the shadow of the guest address space `cr3` (guest CR0/CR4 give the paging
   * semantics; with CR0.PG=0 the shadow is the identity map of guest RAM). Finds the root in the
   * per-CR3 cache (`shadowRootsReused`) or builds an empty one (`shadowTablesBuilt`): only the
   * reserved PDEs are present, the rest fills on hidden faults. A change of CR0.PG/WP or
   * CR4.PSE/PGE/PAE since the last call flushes every shadow first. Returns the shadow CR3.
   */
  activate(cr3: number, cr0: number, cr4: number): Hpa {
    const semantics = ((cr0 & CR0_SEMANTICS) | (cr4 & CR4_SEMANTICS)) >>> 0;
    if (this.semantics !== -1 && semantics !== this.semantics) this.flushAll();
    this.semantics = semantics;
    this.gcr0 = cr0 >>> 0;
    this.gcr3 = (cr3 & Pte.FRAME_4K) >>> 0;
    this.gcr4 = cr4 >>> 0;
    const paging = (cr0 & Cr0.PG) !== 0;
    const key = paging ? cr3 >>> 12 : FLAT_KEY;
    this.clock++;
    const cached = this.roots.get(key);
    if (cached !== undefined) {
      this.counters.shadowRootsReused++;
      this.active = cached;
      this.pool.stamp[cached] = this.clock;
      return this.pool.hpaOf(cached) as Hpa;
    }
    this.active = -1; // so that eviction may pick the root we are leaving
    const p = this.allocate();
    const at = this.pool.hpaOf(p);
    for (let i = 0; i < this.reservedIndices.length; i++) {
      const index = this.reservedIndices[i];
      writeU32(this.mem, at + index * 4, this.reservedValue[index]);
    }
    this.pool.kind[p] = ShadowPageKind.ROOT;
    this.pool.guestFrame[p] = key;
    this.pool.stamp[p] = this.clock;
    this.roots.set(key, p);
    if (paging && this.traces.add(p, key)) this.writeProtect(key);
    this.counters.shadowTablesBuilt++;
    this.active = p;
    return at as Hpa;
  }

  /**
   * Handles a #PF the silicon took on the shadow tables at `gva` with error code `errorCode`
   * (its W and U/S bits give the access). Walks the guest's tables with the guest's CR0/CR4:
   * a guest fault is a true fault (no guest A/D change); otherwise the walk has set the guest's
   * A/D bits as the silicon would, and the shadow PTE is installed: hidden fault, or a trace
   * fault for a write to a traced page. Returns the pager's reused result record.
   */
  handlePageFault(gva: Gva, errorCode: number): ShadowFaultResult {
    const r = this.result;
    const la = gva >>> 0;
    const access = errorCode & (Access.WRITE | Access.USER);
    r.gva = la as Gva;
    r.access = access;
    r.errorCode = -1;
    r.gpa = -1 as Gpa;
    r.hpa = -1 as Hpa;
    r.pageSize = 0;
    r.reason = Unmappable.NONE;
    if (this.active < 0) return this.refuse(Unmappable.NO_ROOT);
    const walk = this.walk;
    const pdi = la >>> 22;
    if (this.reserved[pdi] !== 0) {
      const probe = probeLegacy(this.guestRam, this.gcr0, this.gcr3, this.gcr4, la, access, walk);
      if (probe < 0) r.errorCode = faultErrorCode(probe);
      return this.refuse(Unmappable.RESERVED);
    }
    const g = walkLegacy(this.guestRam, this.gcr0, this.gcr3, this.gcr4, la, access, walk);
    if (g < 0) {
      r.kind = ShadowFault.TRUE;
      r.errorCode = faultErrorCode(g);
      this.counters.trueFaults++;
      return r;
    }
    r.gpa = g as Gpa;
    r.pageSize = walk.pageSize;
    const gfn = g >>> 12;
    if (gfn >= this.ramPages) return this.refuse(Unmappable.OUTSIDE_RAM);
    r.hpa = (this.ramBase + g) as Hpa;
    const table = this.ensureTable(pdi, walk.pageSize, walk.pdeAddress);
    const write = (access & Access.WRITE) !== 0;
    const traced = this.traces.isTraced(gfn);
    let us = walk.user;
    let rw = walk.writable & walk.dirty;
    if (!traced && write && (access & Access.USER) === 0 && walk.writable === 0 && (this.gcr0 & Cr0.WP) === 0) {
      // CR0.WP=0: a supervisor write to a read-only page succeeds. The silicon runs with WP=1, so
      // map the page writable but supervisor-only; a user access faults and restores the user view.
      rw = 1;
      us = 0;
    }
    if (traced) rw = 0;
    const pte = (this.ramBase + (g & Pte.FRAME_4K)) | Pte.P | (rw !== 0 ? Pte.RW : 0) | (us !== 0 ? Pte.US : 0);
    this.setSlot(table * 1024 + ((la >>> 12) & 0x3ff), pte, false);
    if (write && traced) {
      r.kind = ShadowFault.TRACE;
      this.counters.traceFaults++;
    } else {
      r.kind = ShadowFault.HIDDEN;
      this.counters.hiddenFaults++;
    }
    return r;
  }

  /**
   * Performs a guest write of `size` (1, 2 or 4) bytes of `value` (little-endian) at guest-physical
   * `gpa`, as the monitor's emulation of a write to a traced page, and keeps every shadow coherent:
   * a changed guest PDE drops the shadow page table under it; a changed guest PTE updates or drops
   * the shadow PTEs of every shadow page table of that guest table (not-present → present: the
   * entry is installed eagerly when the guest PTE's A bit allows it). Returns the number of shadow
   * entries changed, or -1 (nothing written) if the bytes are not all in guest RAM or `size` is bad.
   */
  emulateTracedWrite(gpa: Gpa, value: number, size: number): number {
    const at = gpa >>> 0;
    if ((size !== 1 && size !== 2 && size !== 4) || at + size > this.guestRam.length) return -1;
    const ram = this.guestRam;
    const first = at & ~3;
    const last = (at + size - 1) & ~3;
    const old0 = readU32(ram, first);
    const old1 = last !== first ? readU32(ram, last) : 0;
    for (let i = 0; i < size; i++) ram[at + i] = value >>> (8 * i);
    this.counters.tracedWrites++;
    let changed = this.onEntryWrite(first, old0, readU32(ram, first));
    if (last !== first) changed += this.onEntryWrite(last, old1, readU32(ram, last));
    return changed;
  }

  /** True if guest-physical `gpa` lies in a traced page (a guest page table or directory some shadow was built from). */
  isTraced(gpa: Gpa): boolean {
    return this.traces.isTraced(gpa >>> 12);
  }

  /**
   * Guest INVLPG: drops the active shadow's entry for `gva` (the whole shadow page table when it
   * shadows a guest 4 MiB page). The monitor invalidates the silicon's TLB entry itself.
   */
  invlpg(gva: Gva): void {
    this.counters.invlpgs++;
    if (this.active < 0) return;
    const la = gva >>> 0;
    const pdi = la >>> 22;
    if (this.reserved[pdi] !== 0) return;
    const spde = readU32(this.mem, this.pool.hpaOf(this.active) + pdi * 4);
    if ((spde & Pte.P) === 0) return;
    const table = this.pool.indexOfEntry(spde);
    if (this.pool.kind[table] === ShadowPageKind.LARGE) this.freeTable(table, false);
    else this.setSlot(table * 1024 + ((la >>> 12) & 0x3ff), 0, false);
  }

  /**
   * Drops every shadow: cached roots are freed, the active root keeps only its reserved PDEs
   * (the silicon's CR3 stays valid). Counted in `flushes`; asks for a TLB flush.
   */
  flushAll(): void {
    for (let p = 0; p < this.pool.pages; p++) {
      if (this.pool.kind[p] === ShadowPageKind.ROOT && p !== this.active) this.freeRoot(p);
    }
    if (this.active >= 0) this.clearRootTables(this.active);
    this.counters.flushes++;
    this.tlbFlush = true;
  }

  /**
   * True (once) if the silicon's TLB for the guest must be flushed because the pager made shadow
   * entries stricter on its own (tracing a new page, flushing): call after each pager call.
   */
  consumeTlbFlush(): boolean {
    const f = this.tlbFlush;
    this.tlbFlush = false;
    if (f) this.staleWritable = false;
    return f;
  }

  private refuse(reason: UnmappableReason): ShadowFaultResult {
    const r = this.result;
    r.kind = ShadowFault.UNMAPPABLE;
    r.reason = reason;
    this.counters.unmappable++;
    return r;
  }

  /** The shadow page table under PDE `pdi` of the active root, built (empty) if missing. */
  private ensureTable(pdi: number, pageSize: number, guestPdeAddress: number): number {
    const pool = this.pool;
    const root = this.active;
    const spde = readU32(this.mem, pool.hpaOf(root) + pdi * 4);
    if ((spde & Pte.P) !== 0) return pool.indexOfEntry(spde);
    const p = this.allocate();
    let gfn = -1;
    if ((this.gcr0 & Cr0.PG) === 0) pool.kind[p] = ShadowPageKind.FLAT;
    else if (pageSize === PageSize.SIZE_4M) pool.kind[p] = ShadowPageKind.LARGE;
    else {
      pool.kind[p] = ShadowPageKind.TABLE;
      gfn = (readU32(this.guestRam, guestPdeAddress) & Pte.FRAME_4K) >>> 12;
    }
    pool.guestFrame[p] = gfn;
    pool.owner[p] = root;
    pool.pdIndex[p] = pdi;
    writeU32(this.mem, pool.hpaOf(root) + pdi * 4, pool.hpaOf(p) | SHADOW_PDE_FLAGS);
    if (gfn >= 0 && this.traces.add(p, gfn)) this.writeProtect(gfn);
    return p;
  }

  /** A free pool page, reclaiming the least recently activated other root (or the active root's tables) if needed. */
  private allocate(): number {
    let p = this.pool.take();
    if (p < 0) {
      this.evict();
      p = this.pool.take();
    }
    this.counters.shadowPagesAllocated++;
    return p;
  }

  private evict(): void {
    const pool = this.pool;
    let victim = -1;
    for (let p = 0; p < pool.pages; p++) {
      if (pool.kind[p] === ShadowPageKind.ROOT && p !== this.active && (victim < 0 || pool.stamp[p] < pool.stamp[victim])) {
        victim = p;
      }
    }
    if (victim >= 0) this.freeRoot(victim);
    else if (this.active >= 0) this.clearRootTables(this.active);
    this.counters.evictions++;
  }

  private freeRoot(root: number): void {
    this.clearRootTables(root);
    const key = this.pool.guestFrame[root];
    if (key !== FLAT_KEY) this.traces.remove(root, key);
    this.roots.delete(key);
    if (root === this.active) this.active = -1;
    this.pool.release(root);
  }

  private clearRootTables(root: number): void {
    const at = this.pool.hpaOf(root);
    for (let pdi = 0; pdi < 1024; pdi++) {
      if (this.reserved[pdi] !== 0) continue;
      const spde = readU32(this.mem, at + pdi * 4);
      if ((spde & Pte.P) !== 0) this.freeTable(this.pool.indexOfEntry(spde), true);
    }
  }

  /** Frees a shadow page table and clears the shadow PDE that points to it. */
  private freeTable(table: number, stale: boolean): void {
    const pool = this.pool;
    const at = pool.hpaOf(table);
    for (let i = 0; i < 1024; i++) {
      const e = readU32(this.mem, at + i * 4);
      if ((e & Pte.RW) !== 0) {
        this.writable.remove(table * 1024 + i, this.gfnOfEntry(e));
        if (stale) this.staleWritable = true;
      }
    }
    if (pool.kind[table] === ShadowPageKind.TABLE) this.traces.remove(table, pool.guestFrame[table]);
    writeU32(this.mem, pool.hpaOf(pool.owner[table]) + pool.pdIndex[table] * 4, 0);
    pool.release(table);
  }

  /** Writes shadow PTE `slot`, keeping the writable reverse map exact. */
  private setSlot(slot: number, value: number, stale: boolean): void {
    const at = this.pool.base + slot * 4;
    const old = readU32(this.mem, at);
    if ((old & Pte.RW) !== 0) {
      this.writable.remove(slot, this.gfnOfEntry(old));
      if (stale && (value & Pte.RW) === 0) this.staleWritable = true;
    }
    writeU32(this.mem, at, value);
    if ((value & Pte.RW) !== 0) this.writable.add(slot, this.gfnOfEntry(value));
  }

  /** A guest page just became traced: no shadow may map it writable any more. */
  private writeProtect(gfn: number): void {
    const map = this.writable;
    let s = map.first(gfn);
    if (s >= 0) {
      for (; s >= 0; s = map.next[s]) this.mem[this.pool.base + s * 4] &= ~Pte.RW;
      map.clear(gfn);
      this.counters.writeProtects++;
      this.tlbFlush = true;
    } else if (this.staleWritable) {
      this.tlbFlush = true;
    }
  }

  private gfnOfEntry(entry: number): number {
    return (((entry & Pte.FRAME_4K) >>> 0) - this.ramBase) / 0x1000;
  }

  /** A guest entry at guest-physical `addr` changed from `oldValue` to `newValue`. */
  private onEntryWrite(addr: number, oldValue: number, newValue: number): number {
    if (oldValue === newValue) return 0;
    const gfn = addr >>> 12;
    const index = (addr & 0xfff) >>> 2;
    const pool = this.pool;
    let changed = 0;
    // As a guest page table: update or drop the entry in each shadow page table built from it.
    const becamePresent = (oldValue & Pte.P) === 0 && (newValue & Pte.P) !== 0;
    for (let p = this.traces.first(gfn); p >= 0; p = this.traces.next[p]) {
      if (pool.kind[p] !== ShadowPageKind.TABLE) continue;
      const slot = p * 1024 + index;
      const cur = readU32(this.mem, pool.base + slot * 4);
      const present = (cur & Pte.P) !== 0;
      if (!present && !(this.eager && becamePresent)) continue;
      const next = this.shadowFromGuest(p, newValue);
      if (((cur & ~SILICON_AD) >>> 0) === next) continue;
      this.setSlot(slot, next, true);
      changed++;
      if (!present) this.counters.eagerValidates++;
    }
    // As a guest page directory: drop the shadow page table under the changed PDE.
    const root = this.roots.get(gfn);
    if (root !== undefined && this.reserved[index] === 0) {
      const spde = readU32(this.mem, pool.hpaOf(root) + index * 4);
      if ((spde & Pte.P) !== 0) {
        this.freeTable(pool.indexOfEntry(spde), true);
        changed++;
      }
    }
    return changed;
  }

  /**
   * The shadow PTE for guest PTE `pte` in shadow page table `table` (0 if it must stay empty):
   * present only if the guest PTE is present with A set; rights = guest PDE & PTE; writable only
   * if the guest PTE is dirty and its frame is not traced.
   */
  private shadowFromGuest(table: number, pte: number): number {
    if ((pte & Pte.P) === 0 || (pte & Pte.A) === 0) return 0;
    const frame = (pte & Pte.FRAME_4K) >>> 0;
    if (frame >>> 12 >= this.ramPages) return 0;
    const pool = this.pool;
    const pde = readU32(this.guestRam, pool.guestFrame[pool.owner[table]] * 0x1000 + pool.pdIndex[table] * 4);
    const rights = pde & pte;
    const rw = (rights & Pte.RW) !== 0 && (pte & Pte.D) !== 0 && !this.traces.isTraced(frame >>> 12);
    return ((this.ramBase + frame) | Pte.P | (rights & Pte.US) | (rw ? Pte.RW : 0)) >>> 0;
  }
}
