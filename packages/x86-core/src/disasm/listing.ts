/** @file Disassembly of a byte range into `address: bytes  text` lines (what `x86virt disasm` prints). */
import { decode } from '../decode/decoder.ts';
import type { Instruction } from '../decode/instruction.ts';
import { formatInstruction } from './intel-syntax.ts';

/** One disassembled instruction. */
export interface DisassembledLine {
  /** Address of the first byte (origin + offset). */
  readonly address: number;
  readonly instruction: Instruction;
  /** The instruction's bytes. */
  readonly bytes: Uint8Array;
  /** Intel-syntax text. */
  readonly text: string;
}

/** Options of `disassembleRange`. */
export interface DisassembleOptions {
  /** Address of `bytes[0]` (default 0). */
  readonly org?: number;
  /** Code-segment size in bits (default 32). */
  readonly bits?: 16 | 32;
  /** First byte to decode (default 0). */
  readonly start?: number;
  /** Number of bytes to decode (default: to the end). */
  readonly length?: number;
}

/** Decodes and formats `bytes[offset]` as if it sat at `address`. */
export function disassemble(bytes: Uint8Array, offset: number, mode: 16 | 32, address: number): DisassembledLine {
  const instruction = decode(bytes, offset, mode);
  const length = instruction.length === 0 ? bytes.length - offset : instruction.length;
  const text = formatInstruction(instruction, bytes, offset, address, mode);
  return { address, instruction, bytes: bytes.subarray(offset, offset + length), text };
}

/**
 * Disassembles a range linearly. An instruction cut off by the end of the range is shown
 * as `(truncated)` with its remaining bytes; an undefined one as `(bad)` (as objdump does).
 */
export function disassembleRange(bytes: Uint8Array, options: DisassembleOptions = {}): DisassembledLine[] {
  const start = options.start ?? 0;
  const end = Math.min(bytes.length, options.length === undefined ? bytes.length : start + options.length);
  const view = bytes.subarray(0, end);
  const out: DisassembledLine[] = [];
  for (let p = start; p < end;) {
    const line = disassemble(view, p, options.bits ?? 32, ((options.org ?? 0) + p) >>> 0);
    out.push(line);
    p += line.bytes.length;
  }
  return out;
}

/** Formats a line as `address: bytes  text` (address in hex, bytes as two-digit hex pairs). */
export function formatLine(line: DisassembledLine): string {
  const hexBytes = [...line.bytes].map((b) => b.toString(16).padStart(2, '0')).join(' ');
  return `${line.address.toString(16).padStart(8, '0')}: ${hexBytes.padEnd(21)} ${line.text}`;
}
