/** @file Bit names of CR0, CR4, 32-bit page-table entries and the #PF error code (Intel SDM Vol.3 §2.5, §4.3, §4.7). */

/** CR0 bits that matter to address translation (SDM Vol.3 §2.5). */
export const Cr0 = {
  /** Protection Enable. */
  PE: 1 << 0,
  /** Write Protect: supervisor writes honour R/W when set. */
  WP: 1 << 16,
  /** Paging. */
  PG: 1 << 31,
} as const;

/** CR4 bits that matter to address translation (SDM Vol.3 §2.5). */
export const Cr4 = {
  /** Page Size Extensions: PDE.PS=1 maps a 4 MiB page. */
  PSE: 1 << 4,
  /** Physical Address Extension (not modelled by these walkers; a change flushes the TLB). */
  PAE: 1 << 5,
  /** Page Global Enable: G=1 translations survive a CR3 load. */
  PGE: 1 << 7,
} as const;

/** Bits of a 32-bit paging PDE or PTE (SDM Vol.3 §4.3, Tables 4-4 to 4-6). */
export const Pte = {
  /** Present. */
  P: 1 << 0,
  /** Read/write: writes allowed when 1. */
  RW: 1 << 1,
  /** User/supervisor: user-mode accesses allowed when 1. */
  US: 1 << 2,
  /** Page-level write-through. */
  PWT: 1 << 3,
  /** Page-level cache disable. */
  PCD: 1 << 4,
  /** Accessed. */
  A: 1 << 5,
  /** Dirty (leaf entries only). */
  D: 1 << 6,
  /** Page size in a PDE (4 MiB page when CR4.PSE=1); PAT in a PTE. */
  PS: 1 << 7,
  /** Global (leaf entries only, with CR4.PGE=1). */
  G: 1 << 8,
  /** Frame address of a 4 KiB page or a page table: bits 31:12. */
  FRAME_4K: 0xfffff000 | 0,
  /** Frame address of a 4 MiB page: bits 31:22. */
  FRAME_4M: 0xffc00000 | 0,
  /**
   * Reserved bits of a PDE that maps a 4 MiB page: 21:13. PSE-36 is not modelled
   * (MAXPHYADDR = 32, so SDM Table 4-4's "21:(M-19)" is 21:13); CPUID must not report PSE-36.
   */
  RSVD_4M: 0x003fe000,
} as const;

/** Bits of the #PF error code (SDM Vol.3 §4.7, Figure 4-12). */
export const PfError = {
  /** 0: not-present page; 1: protection violation (or reserved bit). */
  P: 1 << 0,
  /** The access was a write. */
  W: 1 << 1,
  /** The access was a user-mode access. */
  U: 1 << 2,
  /** A reserved bit was set in a paging-structure entry. */
  RSVD: 1 << 3,
  /**
   * Instruction fetch. Only reported with NX (or SMEP) enabled; a non-PAE i686 has neither,
   * so these walkers never set it (QEMU, our oracle, does the same).
   */
  ID: 1 << 4,
} as const;

/**
 * Access kinds passed to the walkers. The bits sit where the #PF error code reports them, so a
 * fault's error code is the access with P/RSVD added. Combine: `Access.WRITE | Access.USER`.
 * USER means CPL=3 (and not an implicit supervisor access such as a GDT or TSS read).
 */
export const Access = {
  /** A data read (the value 0: no bits). */
  READ: 0,
  /** A data write. */
  WRITE: PfError.W,
  /** A user-mode (CPL=3) access. */
  USER: PfError.U,
  /** An instruction fetch (checked like a read: no NX on a non-PAE i686). */
  FETCH: PfError.ID,
} as const;

/** Page sizes in bytes. */
export const PageSize = {
  /** A 4 KiB page. */
  SIZE_4K: 0x1000,
  /** A 4 MiB page (PSE). */
  SIZE_4M: 0x400000,
} as const;
