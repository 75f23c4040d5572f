/** @file Where the monitor lives: the top-4-MiB linear region, its data page, target cache, host tables, translation cache; host selectors. */

/** Linear base of the monitor's region (the top 4 MiB of the 4 GiB space, PDE 1023). */
export const MONITOR_LINEAR = 0xffc00000;
/** Size of the monitor's linear region. */
export const MONITOR_REGION_BYTES = 0x400000;
/** Index of the page-directory entry that maps the monitor region in every shadow address space. */
export const MONITOR_PDE_INDEX = 1023;

/**
 * Offsets inside the monitor region (also `%gs` offsets: `%gs` has base MONITOR_LINEAR). The
 * monitor data page holds the part of the shadow vCPU that translated code reads and writes
 * in place, and spill slots for non-IDENT sequences.
 */
export const MON = {
  /** Virtual EFLAGS.IF: 0 or 0x200 (dword). Written in-TC by `cli` and `popf`. */
  VIF: 0x00,
  /** Virtual EFLAGS.IOPL: 0…0x3000 (dword). Written in-TC by `popf`. */
  VIOPL: 0x04,
  /** 1 when the virtual PIC has an interrupt waiting (set by the monitor at every exit). */
  PENDING: 0x08,
  /** The virtual task-priority register, CR8 (dword, 0…15). Read and written in-TC by `mov` from/to CR8. */
  VTPR: 0x0c,
  /** Spill slots of non-IDENT sequences. */
  SPILL_EAX: 0x10,
  SPILL_ECX: 0x14,
  /** The TC address an indirect-branch hit jumps through. */
  JUMP_TARGET: 0x18,
  /** Indirect-branch target cache: 256 entries of (guest address, TC address), indexed by the target's low byte. */
  TARGET_CACHE: 0x1000,
  /** The host GDT (HOST_GDT_ENTRIES descriptors). */
  GDT: 0x2000,
  /** The host IDT (256 gates, all not present: every event is claimed through the silicon's HostSink first). */
  IDT: 0x6000,
  /** The host TSS (32-bit, 104 bytes). */
  TSS: 0x6800,
  /** The translation cache: code grows up from here, continuation stubs grow down from the end. */
  TC: 0x10000,
} as const;

/** Entries in the target cache. */
export const TARGET_CACHE_ENTRIES = 256;
/** Host GDT size in descriptors: guest selectors below GUEST_GDT_ENTRIES are shadows of the guest's. */
export const HOST_GDT_ENTRIES = 2048;
/** Guest GDT entries that can be shadowed (a guest GDT limit beyond this is refused). */
export const GUEST_GDT_ENTRIES = 2040;

/** Host descriptors the monitor owns, at the top of the host GDT. */
export const HOST_SEL = {
  /** Flat CPL1 code segment the translation cache runs in. */
  TC_CODE: (2040 << 3) | 1,
  /** CPL1 data segment over the monitor region: translated code's `%gs`. */
  MONITOR_DATA: (2041 << 3) | 1,
  /** The host TSS. */
  TSS: 2042 << 3,
} as const;

/** Default size of the translation cache in bytes (bounded; flushed when full). */
export const DEFAULT_TC_BYTES = MONITOR_REGION_BYTES - MON.TC;

/** Callout vectors: translated code leaves the TC with `int n` on these vectors; the monitor identifies the site by its address. */
export const CALLOUT_VECTOR = 0xf1;
