/** @file What the shadow pager tells a monitor about a #PF taken on the shadow tables, and the pager's counters. */
import type { Gpa, Gva, Hpa } from '../address.ts';

/** Outcome of `ShadowPager.handlePageFault`. */
export const ShadowFault = {
  /** Hidden fault: the guest maps the page; the shadow entry is now filled. Retry the access. */
  HIDDEN: 'hidden',
  /** True fault: the guest's own tables fault. Reflect #PF with `errorCode`, CR2 = `gva`. */
  TRUE: 'true',
  /** Write to a traced guest page table: decode the instruction, then call `emulateTracedWrite(gpa, …)`. */
  TRACE: 'trace',
  /** The pager will not map this page (`reason` says why); the monitor emulates the access or reflects a fault. */
  UNMAPPABLE: 'unmappable',
} as const;

/** One of the `ShadowFault` values. */
export type ShadowFaultKind = (typeof ShadowFault)[keyof typeof ShadowFault];

/** Why a fault is `unmappable`. */
export const Unmappable = {
  /** Not unmappable. */
  NONE: 'none',
  /** The address lies under a reserved PDE (the monitor's own region): guest mappings there are refused. */
  RESERVED: 'reserved',
  /** The guest maps the address to a guest-physical page outside guest RAM (MMIO or nothing): emulate. */
  OUTSIDE_RAM: 'outside-ram',
  /** No shadow root is active (`activate` was never called). */
  NO_ROOT: 'no-root',
} as const;

/** One of the `Unmappable` values. */
export type UnmappableReason = (typeof Unmappable)[keyof typeof Unmappable];

/**
 * The record `handlePageFault` fills and returns (one per pager, reused: read it before the next call).
 */
export class ShadowFaultResult {
  /** The outcome. */
  kind: ShadowFaultKind = ShadowFault.HIDDEN;
  /** Why the fault is unmappable (`Unmappable.NONE` for other kinds). */
  reason: UnmappableReason = Unmappable.NONE;
  /** The faulting linear address (CR2 if reflected). */
  gva = 0 as Gva;
  /** The access, as `Access` bits (WRITE, USER) taken from the silicon's error code. */
  access = 0;
  /**
   * The guest's #PF error code if the guest's own tables fault for this access (always for
   * `true`; for `reserved`, what the guest tables say, found without touching A/D bits), else -1.
   */
  errorCode = -1;
  /** Guest-physical address of the access when the guest maps it (hidden, trace, outside-ram), else -1. */
  gpa = -1 as Gpa;
  /** Host-physical address of the access for hidden and trace faults, else -1. */
  hpa = -1 as Hpa;
  /** Size of the guest page mapping `gva` (0x1000 or 0x400000) when the guest maps it, else 0. */
  pageSize = 0;
}

/** Counters of a ShadowPager (plain numbers; a monitor's `--stats` prints them). */
export interface ShadowPagerCounters {
  /** Faults filled silently (shadow entry missing or too strict, guest entry allows the access). */
  hiddenFaults: number;
  /** Faults the guest's own tables cause: to be reflected. */
  trueFaults: number;
  /** Writes to traced guest pages that faulted (`trace` results). */
  traceFaults: number;
  /** Writes performed by `emulateTracedWrite`. */
  tracedWrites: number;
  /** Shadow roots (page directories) built by `activate`. */
  shadowTablesBuilt: number;
  /** `activate` calls that found the shadow root for the guest CR3 in the cache. */
  shadowRootsReused: number;
  /** Pool pages handed out (roots and shadow page tables). */
  shadowPagesAllocated: number;
  /** Times the pool ran dry and a root (or the active root's tables) was reclaimed. */
  evictions: number;
  /** Whole-cache flushes (`flushAll`, paging-semantics changes in CR0/CR4). */
  flushes: number;
  /** Shadow entries installed by `emulateTracedWrite` for a not-present → present guest PTE. */
  eagerValidates: number;
  /** Faults refused as `unmappable` (reserved range, outside guest RAM). */
  unmappable: number;
  /** `invlpg` calls. */
  invlpgs: number;
  /** Guest pages newly traced whose writable shadow mappings had to be write-protected. */
  writeProtects: number;
}

/** A ShadowPagerCounters with every count 0. */
export function newShadowPagerCounters(): ShadowPagerCounters {
  return {
    hiddenFaults: 0,
    trueFaults: 0,
    traceFaults: 0,
    tracedWrites: 0,
    shadowTablesBuilt: 0,
    shadowRootsReused: 0,
    shadowPagesAllocated: 0,
    evictions: 0,
    flushes: 0,
    eagerValidates: 0,
    unmappable: 0,
    invlpgs: 0,
    writeProtects: 0,
  };
}
