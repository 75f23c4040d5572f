/** @file The multiboot (v1) header: search in the first 8 KiB, checksum, flags and the a.out-kludge address fields. */
import { hex, IMAGE_PROBLEM, ImageError } from './image-error.ts';

/** Multiboot v1 constants (Multiboot Specification 0.6.96, section 3.1). */
export const MULTIBOOT = {
  HEADER_MAGIC: 0x1badb002,
  BOOTLOADER_MAGIC: 0x2badb002,
  SEARCH_BYTES: 8192,
  FLAG_PAGE_ALIGN: 1 << 0,
  FLAG_MEMORY_INFO: 1 << 1,
  FLAG_VIDEO_MODE: 1 << 2,
  FLAG_AOUT_KLUDGE: 1 << 16,
} as const;

/** Required-feature bits (0–15) this loader honours: page alignment, memory info, video mode (ignored: text console). */
const SUPPORTED_REQUIRED = MULTIBOOT.FLAG_PAGE_ALIGN | MULTIBOOT.FLAG_MEMORY_INFO | MULTIBOOT.FLAG_VIDEO_MODE;

/** The address fields present when flags bit 16 is set. */
export interface AoutKludge {
  readonly headerAddr: number;
  readonly loadAddr: number;
  readonly loadEndAddr: number;
  readonly bssEndAddr: number;
  readonly entryAddr: number;
}

/** A multiboot header found in an image. */
export interface MultibootHeader {
  /** File offset of the magic. */
  readonly offset: number;
  /** The flags word. */
  readonly flags: number;
  /** The a.out-kludge address fields, when flags bit 16 is set. */
  readonly aout: AoutKludge | null;
}

/**
 * Finds the multiboot header: the magic at a 4-aligned offset within the first 8192 bytes,
 * followed by flags and a checksum that makes the three words sum to 0. Returns null if there
 * is none; throws `ImageError` if the only candidates have bad checksums, if the header is cut
 * off by the end of the file, or if it requires features (flags bits 3–15) this loader lacks.
 */
export function findMultibootHeader(bytes: Uint8Array): MultibootHeader | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const limit = Math.min(MULTIBOOT.SEARCH_BYTES, bytes.length);
  let badChecksumAt = -1;
  for (let off = 0; off + 4 <= limit; off += 4) {
    if (view.getUint32(off, true) !== MULTIBOOT.HEADER_MAGIC) continue;
    if (off + 12 > bytes.length) throw new ImageError(IMAGE_PROBLEM.TRUNCATED, `truncated multiboot header at offset ${hex(off)}: the file ends inside it`);
    const flags = view.getUint32(off + 4, true);
    const checksum = view.getUint32(off + 8, true);
    if (((MULTIBOOT.HEADER_MAGIC + flags + checksum) >>> 0) !== 0) {
      if (badChecksumAt < 0) badChecksumAt = off;
      continue;
    }
    const unsupported = flags & 0xffff & ~SUPPORTED_REQUIRED;
    if (unsupported) {
      throw new ImageError(IMAGE_PROBLEM.UNSUPPORTED_FLAGS, `unsupported multiboot flags ${hex(unsupported)}: the kernel requires features this loader lacks`);
    }
    let aout: AoutKludge | null = null;
    if (flags & MULTIBOOT.FLAG_AOUT_KLUDGE) {
      if (off + 32 > bytes.length) {
        throw new ImageError(IMAGE_PROBLEM.TRUNCATED, `truncated multiboot header at offset ${hex(off)}: the a.out-kludge address fields are cut off`);
      }
      aout = {
        headerAddr: view.getUint32(off + 12, true),
        loadAddr: view.getUint32(off + 16, true),
        loadEndAddr: view.getUint32(off + 20, true),
        bssEndAddr: view.getUint32(off + 24, true),
        entryAddr: view.getUint32(off + 28, true),
      };
    }
    return { offset: off, flags, aout };
  }
  if (badChecksumAt >= 0) {
    throw new ImageError(IMAGE_PROBLEM.BAD_CHECKSUM, `bad multiboot header checksum at offset ${hex(badChecksumAt)}: magic + flags + checksum must be 0`);
  }
  return null;
}
