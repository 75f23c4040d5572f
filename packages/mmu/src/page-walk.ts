/** @file The caller-owned record a walk fills in, so that a walk never allocates. */
/**
 * Details of the last walk. Create one per CPU (or per user of the walkers) and pass it to every
 * walk; the walker overwrites every field. Fields that a fault leaves undecided hold -1 or 0.
 */
export class PageWalk {
  /** The linear (guest-virtual) address walked. */
  linear = 0;
  /** Result: the (host-)physical address, or -1 after a fault. */
  physical = -1;
  /** Guest-physical address of the access (2-D walk); equals `physical` after a 1-D walk. */
  gpa = -1;
  /** Size of the guest page that maps `linear`: 0x1000 or 0x400000. */
  pageSize = 0x1000;
  /** 1 if U/S=1 at both levels (user mode may access). */
  user = 0;
  /** 1 if R/W=1 at both levels (user mode, and supervisor mode with CR0.WP=1, may write). */
  writable = 0;
  /** 2-D walk: 1 if the nested translation of the final gPA allows writes; always 1 after a 1-D walk. */
  hostWritable = 1;
  /** 2-D walk: 1 if the nested leaf's D bit is set after the walk; always 1 after a 1-D walk. */
  hostDirty = 1;
  /** 1 if the translation is global (G=1 in the leaf and CR4.PGE=1). */
  global = 0;
  /** 1 if the guest leaf's D bit is set after the walk. A write to a clean page must re-walk to set D. */
  dirty = 0;
  /** Memory references made to read paging entries (guest and nested); A/D write-backs are in `updates`. */
  references = 0;
  /** Number of entries whose A or D bit this walk set (each a locked write-back on silicon). */
  updates = 0;
  /** Host-physical address of the guest PDE used, or -1. */
  pdeAddress = -1;
  /** Host-physical address of the guest PTE used (4 KiB pages), or -1. */
  pteAddress = -1;
  /** After a fault: CR2 (the linear address) for a guest #PF, EXITINFO2 (the faulting gPA) for a nested fault. */
  faultAddress = 0;
}
