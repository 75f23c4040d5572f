/** @file Multiboot (v1) loader: places an ELF32 or a.out-kludge kernel and its modules in RAM and builds the info structure. */
import { E820, PC_MEMORY, type MemoryRegion } from '../platform/memory-map.ts';
import { isElf, parseElf32 } from './elf.ts';
import { hex, IMAGE_PROBLEM, ImageError } from './image-error.ts';
import { BOOT_GDT, BOOT_GDT_ENTRIES, multibootEntryState, type InitialCpuState } from './initial-state.ts';
import { findMultibootHeader, MULTIBOOT } from './multiboot-header.ts';

/** Where the info structure and its memory map go, and their layout (QEMU's placement). */
export const MULTIBOOT_INFO = {
  /** Physical address of the E820-style memory map (mmap_addr). */
  MMAP_ADDR: 0x9000,
  /** Physical address of the info structure (EBX at entry). */
  INFO_ADDR: 0x9500,
  /** Bytes of the info structure written (through the VBE fields). */
  INFO_SIZE: 0x58,
  /** Bytes of one module entry (mod_start, mod_end, string, reserved). */
  MODULE_SIZE: 16,
  /** Bytes of one mmap entry including its size field (size = 20). */
  MMAP_ENTRY_SIZE: 24,
  /** Info flags: mem (0), boot_device (1), cmdline (2), mods (3), mmap (6), boot_loader_name (9). */
  FLAGS: 0x24f,
  /** boot_device: no BIOS drive (0x80 = first hard disk, partitions unused), as QEMU reports. */
  BOOT_DEVICE: 0x8000ffff,
  /** Longest kernel command line accepted, in bytes (without the terminating NUL): one page with it. */
  MAX_CMDLINE_BYTES: 4095,
} as const;

/** The boot loader name written by default: QEMU's, so that guests see the same info under both. */
export const DEFAULT_BOOT_LOADER_NAME = 'qemu';

const PAGE = 0x1000;

/** A module to load after the kernel. */
export interface MultibootModule {
  /** The module's bytes. */
  readonly data: Uint8Array;
  /** Its command line (QEMU uses the file name and arguments, e.g. "initrd.img arg"). */
  readonly cmdline?: string;
}

/** What to load with the kernel. */
export interface MultibootOptions {
  /** The memory map to report (the board's). */
  readonly memoryMap: readonly MemoryRegion[];
  /** The kernel command line; see `qemuCommandLine` for QEMU's form. Default "". */
  readonly cmdline?: string;
  /** Modules, loaded page-aligned after the kernel in this order. */
  readonly modules?: readonly MultibootModule[];
  /** boot_loader_name (default `DEFAULT_BOOT_LOADER_NAME`). */
  readonly bootLoaderName?: string;
}

/** Where a module landed. */
export interface LoadedModule {
  readonly start: number;
  /** First byte after the module (mod_end). */
  readonly end: number;
  readonly cmdlineAddress: number;
}

/** The outcome of loading. */
export interface MultibootLoad {
  /** The processor state at the kernel's first instruction. */
  readonly state: InitialCpuState;
  /** How the image was read. */
  readonly format: 'elf' | 'aout-kludge';
  /** Lowest and one-past-highest physical byte the kernel occupies (bss included). */
  readonly kernelStart: number;
  readonly kernelEnd: number;
  /** The entry point (physical). */
  readonly entry: number;
  readonly infoAddress: number;
  readonly cmdlineAddress: number;
  readonly bootLoaderNameAddress: number;
  readonly modules: readonly LoadedModule[];
}

/** The command line QEMU passes for `-kernel PATH -append ARGS`: the path, a space, the arguments. */
export function qemuCommandLine(kernelPath: string, append = ''): string {
  return `${kernelPath} ${append}`;
}

/** One piece of the image to copy: `filesz` bytes from `offset` to `dest`, then zeros up to `memsz`. */
interface Piece {
  readonly dest: number;
  readonly offset: number;
  readonly filesz: number;
  readonly memsz: number;
  readonly what: string;
}

/** Bytes of `text` as Latin-1 with a terminating NUL. */
function cString(text: string): Uint8Array {
  const out = new Uint8Array(text.length + 1);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff;
  return out;
}

/** Areas the loader itself writes below 1 MiB: the mmap + info structure, and the boot GDT. */
const LOADER_AREAS: readonly (readonly [number, number, string])[] = [
  [MULTIBOOT_INFO.MMAP_ADDR, MULTIBOOT_INFO.INFO_ADDR + MULTIBOOT_INFO.INFO_SIZE, 'the multiboot info area'],
  [BOOT_GDT.BASE, BOOT_GDT.BASE + BOOT_GDT.LIMIT + 1, 'the boot GDT'],
];

/**
 * Loads a multiboot (v1) kernel into `ram` and returns the entry state. With flags bit 16 the
 * header's a.out-kludge addresses say what to load (the image need not be ELF); otherwise the
 * image must be an ELF32 i386 executable whose PT_LOAD segments go to their physical
 * addresses (bss zeroed) and whose entry, if it lies in a segment's virtual range, is
 * translated to the physical one. The info structure (QEMU's layout: mmap at 0x9000, info at
 * 0x9500; module list, module command lines, kernel command line and boot loader name after
 * the kernel's page-aligned end; modules page-aligned after those) reports mem_lower/mem_upper
 * and the mmap from `options.memoryMap`. Throws `ImageError` on any bad image, on a piece that
 * lies beyond RAM or overlaps the 640 KiB–1 MiB hole or the loader's own areas, and on a command
 * line longer than `MULTIBOOT_INFO.MAX_CMDLINE_BYTES`.
 */
export function loadMultiboot(ram: Uint8Array, image: Uint8Array, options: MultibootOptions): MultibootLoad {
  const cmdlineLength = (options.cmdline ?? '').length;
  if (cmdlineLength > MULTIBOOT_INFO.MAX_CMDLINE_BYTES) {
    throw new ImageError(IMAGE_PROBLEM.CMDLINE_TOO_LONG, `kernel command line too long: ${cmdlineLength} bytes, the loader takes at most ${MULTIBOOT_INFO.MAX_CMDLINE_BYTES}`);
  }
  const header = findMultibootHeader(image);
  let pieces: Piece[];
  let entry: number;
  let format: MultibootLoad['format'];
  if (header?.aout) {
    format = 'aout-kludge';
    const k = header.aout;
    if (k.loadAddr > k.headerAddr) {
      throw new ImageError(IMAGE_PROBLEM.BAD_AOUT, `bad a.out kludge: load_addr ${hex(k.loadAddr)} is above header_addr ${hex(k.headerAddr)}`);
    }
    const fileStart = header.offset - (k.headerAddr - k.loadAddr);
    if (fileStart < 0) {
      throw new ImageError(IMAGE_PROBLEM.BAD_AOUT, `bad a.out kludge: header_addr - load_addr (${hex(k.headerAddr - k.loadAddr)}) exceeds the header's file offset ${hex(header.offset)}`);
    }
    const loadEnd = k.loadEndAddr === 0 ? k.loadAddr + (image.length - fileStart) : k.loadEndAddr;
    if (loadEnd < k.loadAddr) throw new ImageError(IMAGE_PROBLEM.BAD_AOUT, `bad a.out kludge: load_end_addr ${hex(loadEnd)} is below load_addr ${hex(k.loadAddr)}`);
    const bssEnd = k.bssEndAddr === 0 ? loadEnd : k.bssEndAddr;
    if (bssEnd < loadEnd) throw new ImageError(IMAGE_PROBLEM.BAD_AOUT, `bad a.out kludge: bss_end_addr ${hex(bssEnd)} is below load_end_addr ${hex(loadEnd)}`);
    const filesz = loadEnd - k.loadAddr;
    if (fileStart + filesz > image.length) {
      throw new ImageError(IMAGE_PROBLEM.TRUNCATED, `truncated image: the a.out kludge loads file bytes up to ${hex(fileStart + filesz)}, the file has ${image.length}`);
    }
    pieces = [{ dest: k.loadAddr, offset: fileStart, filesz, memsz: bssEnd - k.loadAddr, what: 'the a.out-kludge image' }];
    entry = k.entryAddr;
  } else {
    format = 'elf';
    if (!isElf(image)) {
      throw new ImageError(IMAGE_PROBLEM.NOT_ELF, 'not an ELF image: the file does not start with \\x7fELF and has no multiboot a.out-kludge header');
    }
    const elf = parseElf32(image);
    if (header === null) {
      throw new ImageError(IMAGE_PROBLEM.NO_MULTIBOOT, `no multiboot header: magic ${hex(MULTIBOOT.HEADER_MAGIC)} not found 4-aligned in the first ${MULTIBOOT.SEARCH_BYTES} bytes`);
    }
    pieces = elf.segments.map((s, i) => ({ dest: s.paddr, offset: s.offset, filesz: s.filesz, memsz: s.memsz, what: `segment ${i}` }));
    entry = elf.entry;
    for (const s of elf.segments) {
      if (entry >= s.vaddr && entry < s.vaddr + s.memsz) {
        entry = (entry - s.vaddr + s.paddr) >>> 0;
        break;
      }
    }
  }

  for (const p of pieces) {
    const end = p.dest + p.memsz;
    if (end > ram.length) {
      throw new ImageError(
        IMAGE_PROBLEM.OUTSIDE_RAM,
        `${p.what} (${hex(p.dest)}–${hex(end - 1)}) lies outside guest RAM (0x0–${hex(ram.length - 1)}, ${ram.length >>> 20} MiB)`,
      );
    }
    if (p.dest < PC_MEMORY.EXTENDED_START && PC_MEMORY.HOLE_START < end) {
      throw new ImageError(
        IMAGE_PROBLEM.IN_HOLE,
        `${p.what} (${hex(p.dest)}–${hex(end - 1)}) overlaps the legacy hole (${hex(PC_MEMORY.HOLE_START)}–${hex(PC_MEMORY.EXTENDED_START - 1)}: VGA memory, option ROMs, BIOS), which is not RAM`,
      );
    }
    for (const [lo, hi, name] of LOADER_AREAS) {
      if (p.dest < hi && lo < end) throw new ImageError(IMAGE_PROBLEM.NO_ROOM, `${p.what} (${hex(p.dest)}–${hex(end - 1)}) overlaps ${name} (${hex(lo)}–${hex(hi - 1)})`);
    }
  }
  for (const p of pieces) {
    ram.set(image.subarray(p.offset, p.offset + p.filesz), p.dest);
    ram.fill(0, p.dest + p.filesz, p.dest + p.memsz);
  }
  const kernelStart = Math.min(...pieces.map((p) => p.dest));
  const kernelEnd = Math.max(...pieces.map((p) => p.dest + p.memsz));
  const align = (addr: number): number => kernelStart + Math.ceil((addr - kernelStart) / PAGE) * PAGE;

  // After the kernel: module list, module command lines, kernel command line, boot loader name.
  const modules = options.modules ?? [];
  const modsAddress = align(kernelEnd);
  let cursor = modsAddress + modules.length * MULTIBOOT_INFO.MODULE_SIZE;
  const strings: [number, Uint8Array][] = [];
  const place = (text: string): number => {
    const bytes = cString(text);
    const at = cursor;
    strings.push([at, bytes]);
    cursor += bytes.length;
    return at;
  };
  const moduleCmdlines = modules.map((m) => place(m.cmdline ?? ''));
  const cmdlineAddress = place(options.cmdline ?? '');
  const bootLoaderNameAddress = place(options.bootLoaderName ?? DEFAULT_BOOT_LOADER_NAME);
  const loaded: LoadedModule[] = [];
  let next = align(cursor);
  for (let i = 0; i < modules.length; i++) {
    const start = next;
    const end = start + modules[i]!.data.length;
    loaded.push({ start, end, cmdlineAddress: moduleCmdlines[i]! });
    next = align(end);
  }
  const used = Math.max(cursor, loaded.length > 0 ? loaded[loaded.length - 1]!.end : 0);
  if (used > ram.length) {
    throw new ImageError(IMAGE_PROBLEM.NO_ROOM, `no room: the kernel's command line and modules need RAM up to ${hex(used)}, guest RAM ends at ${hex(ram.length)}`);
  }
  for (const [at, bytes] of strings) ram.set(bytes, at);
  const view = new DataView(ram.buffer, ram.byteOffset, ram.byteLength);
  loaded.forEach((m, i) => {
    ram.set(modules[i]!.data, m.start);
    const e = modsAddress + i * MULTIBOOT_INFO.MODULE_SIZE;
    view.setUint32(e, m.start, true);
    view.setUint32(e + 4, m.end, true);
    view.setUint32(e + 8, m.cmdlineAddress, true);
    view.setUint32(e + 12, 0, true);
  });

  // The memory map, then the info structure.
  const map = options.memoryMap;
  map.forEach((r, i) => {
    const e = MULTIBOOT_INFO.MMAP_ADDR + i * MULTIBOOT_INFO.MMAP_ENTRY_SIZE;
    view.setUint32(e, MULTIBOOT_INFO.MMAP_ENTRY_SIZE - 4, true);
    view.setUint32(e + 4, r.base >>> 0, true);
    view.setUint32(e + 8, Math.floor(r.base / 2 ** 32), true);
    view.setUint32(e + 12, r.length >>> 0, true);
    view.setUint32(e + 16, Math.floor(r.length / 2 ** 32), true);
    view.setUint32(e + 20, r.type, true);
  });
  const ramAt = (base: number): number => {
    const r = map.find((m) => m.type === E820.RAM && m.base === base);
    return r ? Math.floor(r.length / 1024) : 0;
  };
  const info = MULTIBOOT_INFO.INFO_ADDR;
  ram.fill(0, info, info + MULTIBOOT_INFO.INFO_SIZE);
  view.setUint32(info + 0, MULTIBOOT_INFO.FLAGS, true);
  view.setUint32(info + 4, ramAt(0), true);
  view.setUint32(info + 8, ramAt(PC_MEMORY.EXTENDED_START), true);
  view.setUint32(info + 12, MULTIBOOT_INFO.BOOT_DEVICE, true);
  view.setUint32(info + 16, cmdlineAddress, true);
  view.setUint32(info + 20, modules.length, true);
  view.setUint32(info + 24, modsAddress, true);
  view.setUint32(info + 44, map.length * MULTIBOOT_INFO.MMAP_ENTRY_SIZE, true);
  view.setUint32(info + 48, MULTIBOOT_INFO.MMAP_ADDR, true);
  view.setUint32(info + 64, bootLoaderNameAddress, true);

  BOOT_GDT_ENTRIES.forEach(([lo, hi], i) => {
    view.setUint32(BOOT_GDT.BASE + i * 8, lo, true);
    view.setUint32(BOOT_GDT.BASE + i * 8 + 4, hi, true);
  });

  return {
    state: multibootEntryState(entry, info, MULTIBOOT.BOOTLOADER_MAGIC),
    format,
    kernelStart,
    kernelEnd,
    entry: entry >>> 0,
    infoAddress: info,
    cmdlineAddress,
    bootLoaderNameAddress,
    modules: loaded,
  };
}
