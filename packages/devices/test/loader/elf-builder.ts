/** @file Test helper: builds small ELF32 i386 executables (with or without a multiboot header) byte by byte. */

/** One PT_LOAD segment to build. */
export interface SegmentSpec {
  paddr: number;
  vaddr?: number;
  data: Uint8Array;
  memsz?: number;
}

/** A multiboot header (magic, flags, checksum) as 12 bytes; `badChecksum` breaks it. */
export function multibootHeader(flags = 0x3, badChecksum = false): Uint8Array {
  const b = new Uint8Array(12);
  const v = new DataView(b.buffer);
  v.setUint32(0, 0x1badb002, true);
  v.setUint32(4, flags, true);
  v.setUint32(8, (-(0x1badb002 + flags) + (badChecksum ? 1 : 0)) >>> 0, true);
  return b;
}

/** Concatenates byte arrays. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * An ELF32 LSB ET_EXEC EM_386 image: ELF header, program headers right after it, then each
 * segment's data at a 16-aligned file offset.
 */
export function buildElf(entry: number, segments: SegmentSpec[]): Uint8Array {
  const phoff = 52;
  let offset = phoff + segments.length * 32;
  const offsets = segments.map((s) => {
    offset = Math.ceil(offset / 16) * 16;
    const at = offset;
    offset += s.data.length;
    return at;
  });
  const out = new Uint8Array(offset);
  const v = new DataView(out.buffer);
  out.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1], 0);
  v.setUint16(16, 2, true); // ET_EXEC
  v.setUint16(18, 3, true); // EM_386
  v.setUint32(20, 1, true);
  v.setUint32(24, entry, true);
  v.setUint32(28, phoff, true);
  v.setUint16(40, 52, true);
  v.setUint16(42, 32, true);
  v.setUint16(44, segments.length, true);
  segments.forEach((s, i) => {
    const p = phoff + i * 32;
    v.setUint32(p, 1, true); // PT_LOAD
    v.setUint32(p + 4, offsets[i]!, true);
    v.setUint32(p + 8, s.vaddr ?? s.paddr, true);
    v.setUint32(p + 12, s.paddr, true);
    v.setUint32(p + 16, s.data.length, true);
    v.setUint32(p + 20, s.memsz ?? s.data.length, true);
    v.setUint32(p + 24, 7, true);
    out.set(s.data, offsets[i]!);
  });
  return out;
}
