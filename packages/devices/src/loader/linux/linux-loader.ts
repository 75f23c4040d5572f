/** @file Linux x86 32-bit boot protocol loader: the protected-mode kernel at 1 MiB, the zero page, the command line and the initrd, with no BIOS and no real-mode setup. */
import { E820, PC_MEMORY, type MemoryRegion } from '../../platform/memory-map.ts';
import { hex, IMAGE_PROBLEM, ImageError } from '../image-error.ts';
import type { InitialCpuState } from '../initial-state.ts';
import { writeBootParams } from './boot-params.ts';
import { LINUX_BOOT_GDT, LINUX_BOOT_GDT_ENTRIES, linuxEntryState } from './entry-state.ts';
import { parseSetupHeader, protocolText } from './setup-header.ts';

/** Where the loader puts things below 64 KiB (memory the kernel keeps reserved, X86_RESERVE_LOW). */
export const LINUX_LAYOUT = {
  /** The zero page (`boot_params`), 4 KiB. */
  BOOT_PARAMS: 0x7000,
  /** The command line, NUL-terminated. */
  CMDLINE: 0x8000,
  /** Room for the command line (its NUL included). */
  CMDLINE_AREA: 0x2000,
  /** The protected-mode kernel's load address (bzImage: 0x100000). */
  KERNEL: 0x100000,
  PAGE: 0x1000,
} as const;

/** What to boot with the kernel. */
export interface LinuxOptions {
  /** The memory map to report in the zero page's E820 table (the board's). */
  readonly memoryMap: readonly MemoryRegion[];
  /** The kernel command line (default ""). */
  readonly cmdline?: string;
  /** An initrd / initramfs image, placed page-aligned as high as the kernel allows. */
  readonly initrd?: Uint8Array;
}

/** The outcome of loading a bzImage. */
export interface LinuxLoad {
  /** The processor state at the kernel's 32-bit entry. */
  readonly state: InitialCpuState;
  /** Boot protocol version, e.g. "2.15". */
  readonly protocol: string;
  /** The protected-mode kernel's first byte and one past its last, as loaded. */
  readonly kernelStart: number;
  readonly kernelEnd: number;
  /** One past the last byte the kernel may use before it reads the memory map (runtime start + init_size). */
  readonly kernelReach: number;
  readonly bootParamsAddress: number;
  readonly cmdlineAddress: number;
  /** The initrd's first byte and one past its last (both 0 without one). */
  readonly initrdStart: number;
  readonly initrdEnd: number;
}

/** `n` rounded up to a multiple of `align` (a power of two, or 0/1 for none). */
function alignUp(n: number, align: number): number {
  return align > 1 ? Math.ceil(n / align) * align : n;
}

/**
 * Loads a bzImage into `ram` by the 32-bit boot protocol and returns the entry state. The
 * protected-mode kernel (the file after its (setup_sects + 1) sectors) goes to 0x100000; the
 * zero page at `LINUX_LAYOUT.BOOT_PARAMS` gets the image's setup header, the command line's
 * and initrd's addresses and the E820 map; the initrd goes page-aligned at the top of the
 * highest RAM region, no higher than the header's initrd_addr_max. Throws `ImageError` for an
 * image that is not a bzImage or uses a protocol older than 2.06, a command line longer than
 * the kernel's cmdline_size, a kernel that does not fit RAM (its load plus init_size from
 * its runtime address), and an initrd with no room between the kernel's reach and that limit.
 */
export function loadLinux(ram: Uint8Array, image: Uint8Array, options: LinuxOptions): LinuxLoad {
  const h = parseSetupHeader(image);
  const cmdline = options.cmdline ?? '';
  const maxCmdline = Math.min(h.cmdlineSize, LINUX_LAYOUT.CMDLINE_AREA - 1);
  if (cmdline.length > maxCmdline) {
    throw new ImageError(IMAGE_PROBLEM.CMDLINE_TOO_LONG, `kernel command line too long: ${cmdline.length} bytes, the kernel takes at most ${maxCmdline}`);
  }
  const kernelStart = LINUX_LAYOUT.KERNEL;
  const kernelEnd = kernelStart + h.kernelSize;
  if (h.code32Start < kernelStart || h.code32Start >= kernelEnd) {
    throw new ImageError(IMAGE_PROBLEM.BAD_SEGMENT, `bad bzImage: code32_start ${hex(h.code32Start)} lies outside the protected-mode kernel (${hex(kernelStart)}–${hex(kernelEnd - 1)})`);
  }
  // The decompressor runs from max(load address aligned to kernel_alignment, pref_address) when relocatable, else from pref_address.
  const runtime = h.relocatable ? Math.max(alignUp(kernelStart, h.kernelAlignment), h.prefAddress) : h.prefAddress;
  const kernelReach = Math.max(kernelEnd, runtime + h.initSize);
  const ramRegions = options.memoryMap.filter((r) => r.type === E820.RAM && r.base + r.length <= ram.length);
  let high: MemoryRegion | null = null;
  for (const r of ramRegions) if (high === null || r.base > high.base) high = r;
  const kernelRegion = ramRegions.find((r) => r.base <= kernelStart && kernelReach <= r.base + r.length);
  if (kernelRegion === undefined) {
    const top = high ? high.base + high.length : 0;
    throw new ImageError(
      IMAGE_PROBLEM.OUTSIDE_RAM,
      `the kernel needs RAM up to ${hex(kernelReach)} (loaded at ${hex(kernelStart)}, init_size ${hex(h.initSize)} from ${hex(runtime)}); usable RAM ends at ${hex(top)}: give it ${Math.ceil((kernelReach + PC_MEMORY.FIRMWARE_TABLES) / 0x100000)} MiB or more`,
    );
  }

  let initrdStart = 0;
  let initrdEnd = 0;
  const initrd = options.initrd;
  if (initrd !== undefined && initrd.length > 0) {
    const region = high ?? kernelRegion;
    const limit = Math.min(region.base + region.length, h.initrdAddrMax + 1);
    initrdStart = Math.floor((limit - initrd.length) / LINUX_LAYOUT.PAGE) * LINUX_LAYOUT.PAGE;
    initrdEnd = initrdStart + initrd.length;
    if (initrdStart < Math.max(region.base, kernelReach)) {
      throw new ImageError(
        IMAGE_PROBLEM.NO_ROOM,
        `no room for the initrd (${initrd.length} bytes) between the kernel's reach ${hex(kernelReach)} and ${hex(limit)} (the end of RAM or initrd_addr_max): give the guest more memory`,
      );
    }
  }

  ram.set(image.subarray(h.kernelOffset), kernelStart);
  if (initrd !== undefined && initrdEnd > initrdStart) ram.set(initrd, initrdStart);
  const cmdlineAddress = LINUX_LAYOUT.CMDLINE;
  ram.fill(0, cmdlineAddress, cmdlineAddress + LINUX_LAYOUT.CMDLINE_AREA);
  for (let i = 0; i < cmdline.length; i++) ram[cmdlineAddress + i] = cmdline.charCodeAt(i) & 0xff;
  writeBootParams(ram, LINUX_LAYOUT.BOOT_PARAMS, image, h.headerEnd, {
    memoryMap: options.memoryMap,
    cmdlineAddress,
    initrdAddress: initrdStart,
    initrdSize: initrdEnd - initrdStart,
  });
  const view = new DataView(ram.buffer, ram.byteOffset, ram.byteLength);
  LINUX_BOOT_GDT_ENTRIES.forEach(([lo, hi], i) => {
    view.setUint32(LINUX_BOOT_GDT.BASE + i * 8, lo, true);
    view.setUint32(LINUX_BOOT_GDT.BASE + i * 8 + 4, hi, true);
  });
  return {
    state: linuxEntryState(h.code32Start, LINUX_LAYOUT.BOOT_PARAMS),
    protocol: protocolText(h.version),
    kernelStart,
    kernelEnd,
    kernelReach,
    bootParamsAddress: LINUX_LAYOUT.BOOT_PARAMS,
    cmdlineAddress,
    initrdStart,
    initrdEnd,
  };
}
