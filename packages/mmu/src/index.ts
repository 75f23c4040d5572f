/** @file Public API of @x86virt/mmu (named exports only; see README.md). */

/** Branded address types (`Gva`, `Gpa`, `Hpa`, `LinearAddr`, `PhysAddr`) and their tagging functions. */
export type { Gva, Gpa, Hpa, LinearAddr, PhysAddr } from './address.ts';
/** Tag a number as a guest-virtual, guest-physical, host-physical, linear or physical address. */
export { gva, gpa, hpa, linearAddr, physAddr } from './address.ts';

/** Bit names: CR0, CR4, PDE/PTE, #PF error code, walker access kinds, page sizes. */
export { Access, Cr0, Cr4, PageSize, PfError, Pte } from './paging-bits.ts';

/** Walker results: fault encoding (`~code`), its decoding, and #VMEXIT(NPF) EXITINFO1. */
export { encodeFault, FaultFlag, faultErrorCode, isFault, isNestedFault, npfExitInfo1, VMEXIT_NPF } from './fault.ts';

/** Little-endian paging-entry access on a RAM array. */
export { readU32, setEntryLowBits, writeU32 } from './phys-memory.ts';

/** Paging-entry constructors and entry-address arithmetic. */
export { makePde4M, makePdeTable, makePte, pdeAddress, pdIndex, pteAddress, ptIndex } from './entry-format.ts';

/** The caller-owned record every walk fills in. */
export { PageWalk } from './page-walk.ts';

/** The 1-D walk (32-bit paging) and its access-rights rule. */
export { accessAllowed, walkLegacy } from './walk-legacy.ts';

/** The 2-D walk of nested paging. */
export { walkNested } from './walk-nested.ts';

/** The software TLB, its entry bits and counters. */
export { Tlb, TlbBit, tlbCheckBit } from './tlb.ts';
/** Options and counters of a Tlb. */
export type { TlbCounters, TlbOptions } from './tlb.ts';

/** Which CR0/CR4 writes flush the TLB. */
export { CR0_TLB_FLUSH_BITS, CR4_TLB_FLUSH_BITS, cr0WriteFlushesTlb, cr4WriteFlushesTlb } from './tlb-flush-rules.ts';

/** One Tlb per ASID and the VMCB TLB_CONTROL values. */
export { TlbControl, TlbSet } from './tlb-set.ts';

/** The nested-table builder (identity-offset gPA → hPA) for `--mmu nested`. */
export { buildNestedTables, NestedTablesError, nestedTablesBytes } from './nested-tables.ts';
/** Options of the nested-table builder. */
export type { NestedTablesOptions } from './nested-tables.ts';

/** The shadow pager both monitors share (tracing, hidden/true faults, exact A/D, per-CR3 cache). */
export { ShadowPager } from './shadow/shadow-pager.ts';
/** Outcomes of `ShadowPager.handlePageFault`, the reasons a fault is unmappable, and the reused result record. */
export { ShadowFault, ShadowFaultResult, Unmappable, newShadowPagerCounters } from './shadow/shadow-fault.ts';
/** Types of a shadow-fault outcome, an unmappable reason and the pager's counters. */
export type { ShadowFaultKind, ShadowPagerCounters, UnmappableReason } from './shadow/shadow-fault.ts';
/** The error a ShadowPager constructor throws for a bad configuration. */
export { ShadowPagerError } from './shadow/shadow-config.ts';
/** Shapes of a ShadowPager configuration and of one reserved PDE. */
export type { ReservedPde, ShadowPagerConfig } from './shadow/shadow-config.ts';
/** A guest walk without A/D side effects (what the guest's tables say about an access the monitor refuses). */
export { probeLegacy } from './shadow/guest-probe.ts';
