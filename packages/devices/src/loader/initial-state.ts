/** @file The CPU state a loader hands over, as plain data the processor applies (multiboot: flat 32-bit protected mode). */

/** A segment register with its descriptor cache, in SDM descriptor terms. */
export interface SegmentState {
  /** The visible selector. */
  readonly selector: number;
  /** Base address. */
  readonly base: number;
  /** Effective limit in bytes minus one (0xFFFFFFFF: the whole 4 GiB). */
  readonly limit: number;
  /** Descriptor byte 5: P, DPL, S and type (0x9A: present DPL0 code exec/read; 0x93: data read/write, accessed). */
  readonly access: number;
  /** Descriptor bits 55:52 as a nibble: G (8), D/B (4), L (2), AVL (1). */
  readonly flags: number;
}

/** A descriptor-table register. */
export interface TableRegister {
  readonly base: number;
  readonly limit: number;
}

/** The six segment registers. */
export interface SegmentRegisters {
  readonly cs: SegmentState;
  readonly ds: SegmentState;
  readonly es: SegmentState;
  readonly fs: SegmentState;
  readonly gs: SegmentState;
  readonly ss: SegmentState;
}

/** The processor state at a kernel's first instruction. */
export interface InitialCpuState {
  readonly eip: number;
  readonly eax: number;
  readonly ebx: number;
  readonly ecx: number;
  readonly edx: number;
  readonly esi: number;
  readonly edi: number;
  readonly ebp: number;
  readonly esp: number;
  readonly eflags: number;
  readonly cr0: number;
  readonly cr3: number;
  readonly cr4: number;
  readonly segments: SegmentRegisters;
  readonly gdtr: TableRegister;
  readonly idtr: TableRegister;
}

/** CR0 bits used here. */
export const CR0 = { PE: 1 << 0, ET: 1 << 4, PG: 1 << 31 } as const;
/** EFLAGS bit 1 is always 1; IF (bit 9) and VM (bit 17) are 0 at multiboot entry. */
export const EFLAGS_FIXED = 0x2;

/** Flat 4 GiB 32-bit code segment, selector 0x08. */
export const FLAT_CODE: SegmentState = { selector: 0x08, base: 0, limit: 0xffffffff, access: 0x9a, flags: 0xc };
/** Flat 4 GiB 32-bit data segment, selector 0x10. */
export const FLAT_DATA: SegmentState = { selector: 0x10, base: 0, limit: 0xffffffff, access: 0x93, flags: 0xc };

/**
 * Where the loader puts a GDT whose entries match the segment caches (null, flat code 0x08,
 * flat data 0x10, 16-bit code 0x18, 16-bit data 0x20) and its limit: QEMU's multiboot option
 * ROM leaves GDTR at this address, so `sgdt` reads the same in both.
 */
export const BOOT_GDT = { BASE: 0xc02b8, LIMIT: 0x27 } as const;

/** The eight bytes of each BOOT_GDT entry, as two little-endian dwords (low, high). */
export const BOOT_GDT_ENTRIES: readonly (readonly [number, number])[] = [
  [0, 0],
  [0x0000ffff, 0x00cf9a00],
  [0x0000ffff, 0x00cf9300],
  [0x0000ffff, 0x00009e00],
  [0x0000ffff, 0x00009200],
];

/** ESP at entry. The multiboot spec leaves it undefined; this is the value QEMU's option ROM leaves. */
export const BOOT_ESP = 0x6f08;

/**
 * The state the Multiboot Specification (section 3.2) requires at entry: EAX = 0x2BADB002,
 * EBX = the info structure's physical address, CS a flat 4 GiB code segment, DS/ES/FS/GS/SS
 * flat 4 GiB data segments, CR0.PE = 1 and PG = 0, EFLAGS with IF = 0 and VM = 0. The rest,
 * which the spec leaves undefined, is zero except ESP (QEMU's value) and GDTR/IDTR (QEMU's:
 * BOOT_GDT, and the real-mode IVT 0..0x3FF).
 */
export function multibootEntryState(eip: number, infoAddress: number, magic: number): InitialCpuState {
  return {
    eip: eip >>> 0,
    eax: magic >>> 0,
    ebx: infoAddress >>> 0,
    ecx: 0,
    edx: 0,
    esi: 0,
    edi: 0,
    ebp: 0,
    esp: BOOT_ESP,
    eflags: EFLAGS_FIXED,
    cr0: CR0.PE | CR0.ET,
    cr3: 0,
    cr4: 0,
    segments: { cs: FLAT_CODE, ds: FLAT_DATA, es: FLAT_DATA, fs: FLAT_DATA, gs: FLAT_DATA, ss: FLAT_DATA },
    gdtr: { base: BOOT_GDT.BASE, limit: BOOT_GDT.LIMIT },
    idtr: { base: 0, limit: 0x3ff },
  };
}
