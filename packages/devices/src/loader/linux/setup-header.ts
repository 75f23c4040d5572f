/** @file The bzImage setup header (Linux x86 boot protocol, Documentation/arch/x86/boot.rst): offsets, parsing and the loader's checks. */
import { hex, IMAGE_PROBLEM, ImageError } from '../image-error.ts';

/** Offsets into a bzImage (and into `boot_params`, which carries the same header at the same place). */
export const SETUP_HEADER = {
  /** Start of the setup header (setup_sects). */
  START: 0x1f1,
  SETUP_SECTS: 0x1f1,
  SYSSIZE: 0x1f4,
  VID_MODE: 0x1fa,
  BOOT_FLAG: 0x1fe,
  /** Byte 0x201: the header's length beyond offset 0x202 (the jump's displacement). */
  JUMP: 0x200,
  HEADER: 0x202,
  VERSION: 0x206,
  TYPE_OF_LOADER: 0x210,
  LOADFLAGS: 0x211,
  CODE32_START: 0x214,
  RAMDISK_IMAGE: 0x218,
  RAMDISK_SIZE: 0x21c,
  HEAP_END_PTR: 0x224,
  CMD_LINE_PTR: 0x228,
  INITRD_ADDR_MAX: 0x22c,
  KERNEL_ALIGNMENT: 0x230,
  RELOCATABLE_KERNEL: 0x234,
  CMDLINE_SIZE: 0x238,
  PREF_ADDRESS: 0x258,
  INIT_SIZE: 0x260,
} as const;

/** Header constants. */
export const BZIMAGE = {
  /** boot_flag. */
  BOOT_FLAG: 0xaa55,
  /** "HdrS" read little-endian. */
  MAGIC: 0x53726448,
  /** The oldest protocol this loader takes: 2.06 (Linux 2.6.22), the first with cmdline_size. */
  MIN_VERSION: 0x0206,
  /** loadflags bit 0: the protected-mode kernel is loaded at 0x100000 (a bzImage, not a zImage). */
  LOADED_HIGH: 0x01,
  /** loadflags bit 7: the heap_end_ptr field is valid (real-mode setup only). */
  CAN_USE_HEAP: 0x80,
  /** setup_sects 0 means 4 (boot.rst). */
  DEFAULT_SETUP_SECTS: 4,
  SECTOR: 512,
  /** type_of_loader 0xFF: "undefined" boot loader (boot.rst). */
  LOADER_UNDEFINED: 0xff,
} as const;

/** What the loader reads from a bzImage's setup header. */
export interface SetupHeader {
  /** Protocol version, major << 8 | minor (0x020f is 2.15). */
  readonly version: number;
  /** 512-byte sectors of real-mode setup code after the boot sector. */
  readonly setupSects: number;
  /** File offset of the protected-mode kernel: (setupSects + 1) * 512. */
  readonly kernelOffset: number;
  /** Bytes of the protected-mode kernel in the file. */
  readonly kernelSize: number;
  readonly loadflags: number;
  /** Where the protected-mode kernel is entered (its load address, 0x100000). */
  readonly code32Start: number;
  /** Highest address the initrd may occupy (its last byte). */
  readonly initrdAddrMax: number;
  readonly kernelAlignment: number;
  readonly relocatable: boolean;
  /** Longest command line in bytes, NUL excluded. */
  readonly cmdlineSize: number;
  /** Preferred load address of a relocatable kernel (protocol 2.10+), else 0x100000. */
  readonly prefAddress: number;
  /** Bytes the kernel needs from its load address while decompressing (protocol 2.10+), else the file's kernel size. */
  readonly initSize: number;
  /** File offset one past the header's last byte (0x202 + the jump's displacement byte). */
  readonly headerEnd: number;
}

/** True if `bytes` carries the setup header magic "HdrS" and boot flag 0xAA55 (a Linux boot image). */
export function isBzImage(bytes: Uint8Array): boolean {
  if (bytes.length < SETUP_HEADER.VERSION + 2) return false;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return view.getUint16(SETUP_HEADER.BOOT_FLAG, true) === BZIMAGE.BOOT_FLAG && view.getUint32(SETUP_HEADER.HEADER, true) === BZIMAGE.MAGIC;
}

/** "2.15" for 0x020f. */
export function protocolText(version: number): string {
  return `${version >> 8}.${(version & 0xff).toString().padStart(2, '0')}`;
}

/**
 * Reads and checks a bzImage's setup header. Throws `ImageError`: not a Linux boot image (no
 * 0xAA55 boot flag or "HdrS" magic), a protocol older than 2.06, a zImage (LOADED_HIGH clear),
 * or a file shorter than its header or than setup_sects and syssize say.
 */
export function parseSetupHeader(bytes: Uint8Array): SetupHeader {
  if (!isBzImage(bytes)) {
    const hint = bytes.length >= 4 && bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46 ? ' (it is an ELF file: a vmlinux, or a multiboot kernel given as --kernel)' : '';
    throw new ImageError(IMAGE_PROBLEM.NOT_BZIMAGE, `not a Linux bzImage: no boot flag 0xaa55 at 0x1fe and "HdrS" magic at 0x202${hint}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint16(SETUP_HEADER.VERSION, true);
  if (version < BZIMAGE.MIN_VERSION) {
    throw new ImageError(
      IMAGE_PROBLEM.OLD_PROTOCOL,
      `boot protocol ${protocolText(version)} is too old: the loader needs ${protocolText(BZIMAGE.MIN_VERSION)} or later (Linux 2.6.22+)`,
    );
  }
  const headerEnd = 0x202 + bytes[SETUP_HEADER.JUMP + 1]!;
  if (bytes.length < headerEnd || headerEnd < SETUP_HEADER.CMDLINE_SIZE + 4) {
    throw new ImageError(IMAGE_PROBLEM.TRUNCATED, `truncated bzImage: ${bytes.length} bytes, the setup header ends at ${hex(headerEnd)}`);
  }
  const loadflags = bytes[SETUP_HEADER.LOADFLAGS]!;
  if ((loadflags & BZIMAGE.LOADED_HIGH) === 0) {
    throw new ImageError(IMAGE_PROBLEM.NOT_BZIMAGE, 'not a bzImage: loadflags.LOADED_HIGH is clear (a zImage, loaded at 0x10000, which this loader does not take)');
  }
  const setupSects = bytes[SETUP_HEADER.SETUP_SECTS]! || BZIMAGE.DEFAULT_SETUP_SECTS;
  const kernelOffset = (setupSects + 1) * BZIMAGE.SECTOR;
  const syssize = view.getUint32(SETUP_HEADER.SYSSIZE, true) * 16;
  if (kernelOffset + syssize > bytes.length) {
    throw new ImageError(
      IMAGE_PROBLEM.TRUNCATED,
      `truncated bzImage: setup_sects ${setupSects} and syssize ${hex(syssize)} need ${kernelOffset + syssize} bytes, the file has ${bytes.length}`,
    );
  }
  const kernelSize = bytes.length - kernelOffset;
  const u32 = (off: number): number => view.getUint32(off, true);
  const v210 = version >= 0x020a && headerEnd >= SETUP_HEADER.INIT_SIZE + 4;
  return {
    version,
    setupSects,
    kernelOffset,
    kernelSize,
    loadflags,
    code32Start: u32(SETUP_HEADER.CODE32_START),
    initrdAddrMax: u32(SETUP_HEADER.INITRD_ADDR_MAX),
    kernelAlignment: u32(SETUP_HEADER.KERNEL_ALIGNMENT),
    relocatable: bytes[SETUP_HEADER.RELOCATABLE_KERNEL] !== 0,
    cmdlineSize: u32(SETUP_HEADER.CMDLINE_SIZE),
    prefAddress: v210 ? Number(view.getBigUint64(SETUP_HEADER.PREF_ADDRESS, true) & 0xffffffffn) : 0x100000,
    initSize: v210 ? u32(SETUP_HEADER.INIT_SIZE) : kernelSize,
    headerEnd,
  };
}
