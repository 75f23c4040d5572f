/** @file ELF32 executable parsing (System V ABI, i386 supplement): the header checks and PT_LOAD segments a loader needs. */
import { hex, IMAGE_PROBLEM, ImageError } from './image-error.ts';

/** ELF constants used here (System V gABI). */
export const ELF = {
  MAGIC: 0x464c457f, // "\x7fELF" read little-endian
  CLASS32: 1,
  CLASS64: 2,
  DATA_LSB: 1,
  ET_EXEC: 2,
  EM_386: 3,
  PT_LOAD: 1,
  EHDR_SIZE: 52,
  PHDR_SIZE: 32,
} as const;

/** One PT_LOAD program header. */
export interface ElfSegment {
  /** File offset of the segment's bytes. */
  readonly offset: number;
  /** Virtual address (p_vaddr). */
  readonly vaddr: number;
  /** Physical load address (p_paddr), where a multiboot loader puts it. */
  readonly paddr: number;
  /** Bytes taken from the file (p_filesz). */
  readonly filesz: number;
  /** Bytes in memory (p_memsz); the rest after `filesz` is zero (bss). */
  readonly memsz: number;
  /** p_flags (PF_X 1, PF_W 2, PF_R 4). */
  readonly flags: number;
}

/** What the loader needs of an ELF32 i386 executable. */
export interface ElfImage {
  /** e_entry (virtual). */
  readonly entry: number;
  /** The PT_LOAD segments in file order (empty ones skipped). */
  readonly segments: readonly ElfSegment[];
}

/** True if `bytes` starts with the ELF magic. */
export function isElf(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46;
}

const CLASS_NAMES: Record<number, string> = { 1: 'ELFCLASS32', 2: 'ELFCLASS64' };

/**
 * Parses and checks an ELF32 little-endian i386 executable. Throws `ImageError` naming the
 * first problem: not ELF, wrong class, wrong byte order, wrong machine, not ET_EXEC, truncated
 * header/program headers/segment data, a segment whose file size exceeds its memory size, or
 * no loadable segment.
 */
export function parseElf32(bytes: Uint8Array): ElfImage {
  if (!isElf(bytes)) throw new ImageError(IMAGE_PROBLEM.NOT_ELF, 'not an ELF image: the file does not start with \\x7fELF');
  if (bytes.length < 16) throw new ImageError(IMAGE_PROBLEM.TRUNCATED, `truncated ELF image: ${bytes.length} bytes, the identification alone needs 16`);
  const cls = bytes[4]!;
  if (cls !== ELF.CLASS32) {
    throw new ImageError(IMAGE_PROBLEM.WRONG_CLASS, `wrong ELF class: ${CLASS_NAMES[cls] ?? `class ${cls}`}, need ELFCLASS32 (a 32-bit kernel)`);
  }
  if (bytes[5] !== ELF.DATA_LSB) throw new ImageError(IMAGE_PROBLEM.WRONG_ENDIAN, `wrong ELF byte order: EI_DATA ${bytes[5]}, need 1 (little-endian)`);
  if (bytes.length < ELF.EHDR_SIZE) {
    throw new ImageError(IMAGE_PROBLEM.TRUNCATED, `truncated ELF image: ${bytes.length} bytes, the ELF header needs ${ELF.EHDR_SIZE}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = view.getUint16(16, true);
  const machine = view.getUint16(18, true);
  if (machine !== ELF.EM_386) throw new ImageError(IMAGE_PROBLEM.WRONG_MACHINE, `wrong ELF machine: e_machine ${machine}, need EM_386 (3)`);
  if (type !== ELF.ET_EXEC) throw new ImageError(IMAGE_PROBLEM.WRONG_TYPE, `not an executable: e_type ${type}, need ET_EXEC (2)`);
  const entry = view.getUint32(24, true);
  const phoff = view.getUint32(28, true);
  const phentsize = view.getUint16(42, true);
  const phnum = view.getUint16(44, true);
  if (phnum > 0 && phentsize < ELF.PHDR_SIZE) {
    throw new ImageError(IMAGE_PROBLEM.BAD_SEGMENT, `bad ELF program headers: e_phentsize ${phentsize}, need at least ${ELF.PHDR_SIZE}`);
  }
  const phEnd = phoff + phnum * phentsize;
  if (phEnd > bytes.length) {
    throw new ImageError(IMAGE_PROBLEM.TRUNCATED, `truncated ELF image: program headers end at ${hex(phEnd)}, the file has ${bytes.length} bytes`);
  }
  const segments: ElfSegment[] = [];
  for (let i = 0; i < phnum; i++) {
    const p = phoff + i * phentsize;
    if (view.getUint32(p, true) !== ELF.PT_LOAD) continue;
    const seg: ElfSegment = {
      offset: view.getUint32(p + 4, true),
      vaddr: view.getUint32(p + 8, true),
      paddr: view.getUint32(p + 12, true),
      filesz: view.getUint32(p + 16, true),
      memsz: view.getUint32(p + 20, true),
      flags: view.getUint32(p + 24, true),
    };
    if (seg.filesz > seg.memsz) {
      throw new ImageError(IMAGE_PROBLEM.BAD_SEGMENT, `bad ELF segment ${i}: p_filesz ${hex(seg.filesz)} exceeds p_memsz ${hex(seg.memsz)}`);
    }
    if (seg.offset + seg.filesz > bytes.length) {
      throw new ImageError(
        IMAGE_PROBLEM.TRUNCATED,
        `truncated ELF image: segment ${i} needs file bytes up to ${hex(seg.offset + seg.filesz)}, the file has ${bytes.length}`,
      );
    }
    if (seg.memsz > 0) segments.push(seg);
  }
  if (segments.length === 0) throw new ImageError(IMAGE_PROBLEM.NO_SEGMENTS, 'no loadable segments: the ELF image has no non-empty PT_LOAD program header');
  return { entry, segments };
}
