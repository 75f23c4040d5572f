/** @file The `boot_params` "zero page" of the Linux x86 boot protocol (arch/x86/include/uapi/asm/bootparam.h, Documentation/arch/x86/zero-page.rst). */
import { E820, type MemoryRegion } from '../../platform/memory-map.ts';
import { BZIMAGE, SETUP_HEADER } from './setup-header.ts';

/** Offsets of the `boot_params` fields this loader fills (beyond the setup header at 0x1F1). */
export const BOOT_PARAMS = {
  SIZE: 0x1000,
  /** alt_mem_k: extended memory in KiB, for kernels that find no E820 map. */
  ALT_MEM_K: 0x1e0,
  /** e820_entries (u8). */
  E820_ENTRIES: 0x1e8,
  /** e820_table: up to 128 entries of { u64 addr, u64 size, u32 type }, packed. */
  E820_TABLE: 0x2d0,
  E820_ENTRY_SIZE: 20,
  E820_MAX_ENTRIES: 128,
} as const;

/** What goes into the zero page besides the image's own setup header. */
export interface BootParamsFields {
  readonly memoryMap: readonly MemoryRegion[];
  readonly cmdlineAddress: number;
  /** 0 and 0 when there is no initrd. */
  readonly initrdAddress: number;
  readonly initrdSize: number;
}

/**
 * Writes the zero page at `at` in `ram`: all zero (so screen_info reports no video console),
 * then the image's setup header copied from offset 0x1F1 to its end, with the fields a boot
 * loader owns set: type_of_loader 0xFF (undefined), CAN_USE_HEAP cleared (no real-mode heap),
 * cmd_line_ptr, ramdisk_image and ramdisk_size; and the E820 table with its entry count and
 * alt_mem_k (KiB of RAM from 1 MiB up to the end of the first RAM region there).
 */
export function writeBootParams(ram: Uint8Array, at: number, image: Uint8Array, headerEnd: number, f: BootParamsFields): void {
  ram.fill(0, at, at + BOOT_PARAMS.SIZE);
  ram.set(image.subarray(SETUP_HEADER.START, headerEnd), at + SETUP_HEADER.START);
  const view = new DataView(ram.buffer, ram.byteOffset + at, BOOT_PARAMS.SIZE);
  view.setUint8(SETUP_HEADER.TYPE_OF_LOADER, BZIMAGE.LOADER_UNDEFINED);
  view.setUint8(SETUP_HEADER.LOADFLAGS, view.getUint8(SETUP_HEADER.LOADFLAGS) & ~BZIMAGE.CAN_USE_HEAP);
  view.setUint32(SETUP_HEADER.CMD_LINE_PTR, f.cmdlineAddress, true);
  view.setUint32(SETUP_HEADER.RAMDISK_IMAGE, f.initrdAddress, true);
  view.setUint32(SETUP_HEADER.RAMDISK_SIZE, f.initrdSize, true);
  const map = f.memoryMap.slice(0, BOOT_PARAMS.E820_MAX_ENTRIES);
  map.forEach((r, i) => {
    const e = BOOT_PARAMS.E820_TABLE + i * BOOT_PARAMS.E820_ENTRY_SIZE;
    view.setBigUint64(e, BigInt(r.base), true);
    view.setBigUint64(e + 8, BigInt(r.length), true);
    view.setUint32(e + 16, r.type, true);
  });
  view.setUint8(BOOT_PARAMS.E820_ENTRIES, map.length);
  const extended = map.find((r) => r.type === E820.RAM && r.base <= 0x100000 && r.base + r.length > 0x100000);
  view.setUint32(BOOT_PARAMS.ALT_MEM_K, extended ? Math.floor((extended.base + extended.length - 0x100000) / 1024) : 0, true);
}
