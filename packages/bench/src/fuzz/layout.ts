/** @file The fuzz guest's memory map: one identity-mapped 4 MiB region for the harness, and a remappable scratch region above it. */

/** Addresses (linear = physical below 4 MiB, except where noted). */
export const FUZZ_LAYOUT = {
  /** Where the a.out-kludge image is loaded (multiboot header first). */
  LOAD: 0x100000,
  /** Harness code. */
  CODE: 0x100040,
  CODE_END: 0x103000,
  GDT: 0x103000,
  GDTR: 0x103080,
  IDTR: 0x103088,
  TSS: 0x103100,
  HEX: 0x103200,
  /** Per-phase register records (`RECORD_DWORDS` dwords each). */
  STATE: 0x103400,
  /** Exception count, the fatal marker, and the ring of the last `LOG_ENTRIES` exceptions (16 bytes each). */
  LOG_COUNT: 0x1037f0,
  FATAL: 0x1037f4,
  LOG: 0x103800,
  IDT: 0x104000,
  PD: 0x105000,
  /** Page table of 0–4 MiB (identity; the top pages remapped to `BIG_PHYS` for hashing). */
  PT0: 0x106000,
  /** Page table of the scratch region (linear 4–8 MiB). */
  PT1: 0x107000,
  /** Kernel-phase stack top (grows down into 0x108000) and the ring-0 stack of the TSS. */
  KSTACK: 0x109000,
  ESP0: 0x10a000,
  /** Random code: kernel slots (supervisor pages) then user slots (user, read-only). */
  RAND_K: 0x110000,
  RAND_U: 0x114000,
  RAND_END: 0x118000,
  /** User stack (user, writable) and the user ESP a phase starts with. */
  USTACK_LO: 0x118000,
  USTACK_HI: 0x11a000,
  USER_ESP: 0x119800,
  /** Physical scratch frames the scratch PTEs may map. */
  FRAMES: 0x120000,
  FRAME_COUNT: 8,
  IMAGE_END: 0x128000,
  /** Linear scratch region (PT1) and how many of its PTEs the generator sets and edits. */
  SCRATCH: 0x400000,
  SCRATCH_PAGES: 16,
  /** Physical region a 4 MiB PDE maps (PDE 1 with PS), its first pages hashed through `BIG_WINDOW`. */
  BIG_PHYS: 0x400000,
  BIG_WINDOW: 0x3f8000,
  BIG_PAGES: 8,
  /** Bytes per random-code slot: one instruction, padded with NOPs. */
  SLOT: 16,
  LOG_ENTRIES: 32,
  RECORD_DWORDS: 16,
} as const;

/** GDT selectors. */
export const SEL = {
  KCODE: 0x08,
  KDATA: 0x10,
  UCODE: 0x1b,
  UDATA: 0x23,
  TSS: 0x28,
  /** DPL-3 data segment with a 64 KiB limit. */
  USMALL: 0x33,
  /** DPL-3 read-only data segment. */
  UREAD: 0x3b,
  /** DPL-3 data segment that is not present. */
  UABSENT: 0x43,
  /** DPL-0 expand-down data segment (valid offsets above 0xFFFF). */
  KDOWN: 0x48,
} as const;

/** Vectors that push an error code (SDM Vol.3 Table 6-1). */
export const ERROR_CODE_VECTORS: ReadonlySet<number> = new Set([8, 10, 11, 12, 13, 14, 17]);

/** The software-interrupt vector that ends a user phase. */
export const PHASE_END_VECTOR = 0x80;
