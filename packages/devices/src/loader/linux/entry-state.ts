/** @file The processor state at a bzImage's 32-bit entry (boot.rst, "32-bit Boot Protocol") and the GDT the loader provides for it. */
import { CR0, EFLAGS_FIXED, type InitialCpuState, type SegmentState } from '../initial-state.ts';

/** __BOOT_CS: flat 4 GiB 32-bit code, selector 0x10, as the protocol requires. */
export const LINUX_BOOT_CS: SegmentState = { selector: 0x10, base: 0, limit: 0xffffffff, access: 0x9a, flags: 0xc };
/** __BOOT_DS: flat 4 GiB 32-bit data, selector 0x18. */
export const LINUX_BOOT_DS: SegmentState = { selector: 0x18, base: 0, limit: 0xffffffff, access: 0x93, flags: 0xc };

/** Where the loader writes the GDT (null, null, __BOOT_CS, __BOOT_DS) and its limit. */
export const LINUX_BOOT_GDT = { BASE: 0x6000, LIMIT: 0x1f } as const;

/** The GDT entries as little-endian dword pairs (low, high): two null descriptors, then 0x10 code and 0x18 data. */
export const LINUX_BOOT_GDT_ENTRIES: readonly (readonly [number, number])[] = [
  [0, 0],
  [0, 0],
  [0x0000ffff, 0x00cf9a00],
  [0x0000ffff, 0x00cf9300],
];

/**
 * The state the 32-bit boot protocol requires: protected mode, paging off, interrupts off, a
 * GDT with flat __BOOT_CS (0x10) and __BOOT_DS (0x18), CS = __BOOT_CS and DS/ES/SS = __BOOT_DS
 * (FS and GS too), ESI = the zero page, EBP = EDI = EBX = 0, EIP = the protected-mode kernel.
 * The protocol names no stack (the kernel's first code uses the zero page's scratch field);
 * ESP points just below the zero page. The IDT is empty (limit 0): the kernel installs its own.
 */
export function linuxEntryState(eip: number, bootParams: number): InitialCpuState {
  return {
    eip: eip >>> 0,
    eax: 0,
    ebx: 0,
    ecx: 0,
    edx: 0,
    esi: bootParams >>> 0,
    edi: 0,
    ebp: 0,
    esp: bootParams >>> 0,
    eflags: EFLAGS_FIXED,
    cr0: CR0.PE | CR0.ET,
    cr3: 0,
    cr4: 0,
    segments: { cs: LINUX_BOOT_CS, ds: LINUX_BOOT_DS, es: LINUX_BOOT_DS, fs: LINUX_BOOT_DS, gs: LINUX_BOOT_DS, ss: LINUX_BOOT_DS },
    gdtr: { base: LINUX_BOOT_GDT.BASE, limit: LINUX_BOOT_GDT.LIMIT },
    idtr: { base: 0, limit: 0 },
  };
}
