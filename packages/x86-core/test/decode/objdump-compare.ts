/** @file Comparison rules of the objdump differential test: text normalisation, length exclusions, known-difference classes. */
import { decode } from '../../src/decode/decoder.ts';
import type { Instruction } from '../../src/decode/instruction.ts';
import { formatInstruction } from '../../src/disasm/intel-syntax.ts';

/** Normalisation applied to both texts before comparing: whitespace runs become one space, ends trimmed. */
export function normalise(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

const PREFIX_BYTES = new Set([0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x66, 0x67, 0xf0, 0xf2, 0xf3]);

/** The first byte after the legacy prefixes. */
function opcodeAt(bytes: Uint8Array, offset: number): number {
  let p = offset;
  while (p < bytes.length && PREFIX_BYTES.has(bytes[p] as number)) p++;
  return p;
}

/**
 * Length exclusions, where an i686 and objdump (which decodes for a modern CPU) disagree by design:
 * - `vex`: C4/C5/62/8F that objdump reads as VEX/EVEX/XOP; the i686 reads LES/LDS/BOUND/POP (or #UD for 8F /1–7).
 * - `mpx-addr16`: 0F 1A/1B with 16-bit addressing; objdump rejects the MPX form before reading its
 *   displacement, the i686 executes a hint NOP with the whole ModRM operand.
 */
export function lengthExclusion(bytes: Uint8Array, offset: number, ins: Instruction): string | undefined {
  const p = opcodeAt(bytes, offset);
  const op = bytes[p] as number;
  const next = bytes[p + 1] as number;
  if (((op === 0xc4 || op === 0xc5 || op === 0x62) && next >= 0xc0) || (op === 0x8f && (next & 0x38) !== 0)) return 'vex';
  if (op === 0x0f && (next === 0x1a || next === 0x1b) && ins.adsize === 2 && ins.mod !== 3) return 'mpx-addr16';
  return undefined;
}

/**
 * Known text differences (see test/fixtures/decode/known-differences.md), or undefined when the
 * difference is unexplained.
 */
export function textDifference(bytes: Uint8Array, offset: number, ins: Instruction, theirs: string): string | undefined {
  if (ins.row.mnemonic === '(bad)' && theirs.includes('(bad)')) return 'undefined-encoding';
  const p = opcodeAt(bytes, offset);
  if (bytes[p] === 0x0f && bytes[p + 1] as number >= 0x19 && bytes[p + 1] as number <= 0x1e && ins.row.handler === 'nop_Ev') return 'hint-nop';
  return undefined;
}

/** Result of comparing one golden file with the decoder and disassembler. */
export interface Comparison {
  instructions: number;
  lengthMismatches: string[];
  exclusions: Record<string, number>;
  textDifferences: Record<string, number>;
  unexplained: string[];
}

/** Compares `lines` (objdump's `[length, text]`, sequential from offset 0) with decode + formatInstruction. */
export function compare(bytes: Uint8Array, lines: readonly (readonly [number, string])[], mode: 16 | 32 = 32): Comparison {
  const r: Comparison = { instructions: 0, lengthMismatches: [], exclusions: {}, textDifferences: {}, unexplained: [] };
  let offset = 0;
  const hex = (n: number) => [...bytes.subarray(offset, offset + n)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
  for (const [len, theirs] of lines) {
    r.instructions++;
    const ins = decode(bytes, offset, mode);
    if (ins.length !== len) {
      const why = lengthExclusion(bytes, offset, ins);
      if (why) r.exclusions[why] = (r.exclusions[why] ?? 0) + 1;
      else r.lengthMismatches.push(`${offset.toString(16)}: ${hex(len)} objdump ${len} '${theirs}', ours ${ins.length} ${ins.row.handler}`);
    } else {
      const ours = normalise(formatInstruction(ins, bytes, offset, offset, mode));
      if (ours !== theirs) {
        const why = textDifference(bytes, offset, ins, theirs);
        if (why) r.textDifferences[why] = (r.textDifferences[why] ?? 0) + 1;
        else r.unexplained.push(`${offset.toString(16)}: ${hex(len)} objdump '${theirs}', ours '${ours}'`);
      }
    }
    offset += len;
  }
  return r;
}
