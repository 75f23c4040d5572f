/** @file The PC physical memory map (BIOS E820 form) for a given RAM size, as QEMU's firmware reports it. */

/** E820 region types (ACPI specification, "Address Range Types"). */
export const E820 = { RAM: 1, RESERVED: 2, ACPI: 3, NVS: 4, UNUSABLE: 5 } as const;

/** One region of the physical address space. */
export interface MemoryRegion {
  /** First physical address. */
  readonly base: number;
  /** Size in bytes. */
  readonly length: number;
  /** An `E820` type. */
  readonly type: number;
}

/** Key addresses of the PC memory layout. */
export const PC_MEMORY = {
  /** End of conventional memory usable by the guest (639 KiB; the last KiB is the EBDA). */
  CONVENTIONAL_END: 0x9fc00,
  /** Start of the legacy hole (VGA memory, option ROMs, system BIOS). */
  HOLE_START: 0xa0000,
  /** Start of the system BIOS area reported as reserved. */
  BIOS_START: 0xf0000,
  /** Start of extended memory (1 MiB). */
  EXTENDED_START: 0x100000,
  /** Bytes at the top of RAM the firmware keeps for its tables (reported reserved). */
  FIRMWARE_TABLES: 0x20000,
  /** The BIOS flash mapped below 4 GiB. */
  BIOS_ROM_BASE: 0xfffc0000,
  BIOS_ROM_SIZE: 0x40000,
} as const;

/** Smallest and largest RAM sizes a board accepts, in MiB. */
export const MIN_MEM_MIB = 2;
export const MAX_MEM_MIB = 3072;

/**
 * The E820 map of a PC with `ramBytes` of RAM, entry for entry what QEMU (with its SeaBIOS)
 * reports for `-m` sizes up to 3 GiB: conventional RAM to 639 KiB, the EBDA KiB and the
 * system BIOS (0xF0000–0xFFFFF) reserved, the rest of the 640 KiB–1 MiB hole not listed,
 * extended RAM from 1 MiB up to 128 KiB below the top, that 128 KiB reserved, and the BIOS
 * flash at 0xFFFC0000.
 */
export function pcMemoryMap(ramBytes: number): MemoryRegion[] {
  const top = ramBytes - PC_MEMORY.FIRMWARE_TABLES;
  return [
    { base: 0, length: PC_MEMORY.CONVENTIONAL_END, type: E820.RAM },
    { base: PC_MEMORY.CONVENTIONAL_END, length: PC_MEMORY.HOLE_START - PC_MEMORY.CONVENTIONAL_END, type: E820.RESERVED },
    { base: PC_MEMORY.BIOS_START, length: PC_MEMORY.EXTENDED_START - PC_MEMORY.BIOS_START, type: E820.RESERVED },
    { base: PC_MEMORY.EXTENDED_START, length: top - PC_MEMORY.EXTENDED_START, type: E820.RAM },
    { base: top, length: PC_MEMORY.FIRMWARE_TABLES, type: E820.RESERVED },
    { base: PC_MEMORY.BIOS_ROM_BASE, length: PC_MEMORY.BIOS_ROM_SIZE, type: E820.RESERVED },
  ];
}
