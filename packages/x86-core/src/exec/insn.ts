/** @file The executor's instruction record: the decoder's `Instruction` copied into one class shape (monomorphic handler access) plus derived fields. */
import type { Instruction, OpcodeRow, Operand } from '../decode/instruction.ts';

/**
 * A decoded instruction as the handlers see it. Built once per instruction when a block is
 * decoded, so every handler reads fields of one hidden class.
 */
export class Insn implements Instruction {
  readonly id: number;
  readonly row: OpcodeRow;
  readonly length: number;
  readonly prefixes: number;
  readonly seg: number;
  readonly opsize: 2 | 4;
  readonly adsize: 2 | 4;
  readonly mod: number;
  readonly reg: number;
  readonly rm: number;
  readonly hasMem: boolean;
  readonly sib: number;
  readonly base: number;
  readonly index: number;
  readonly scale: 1 | 2 | 4 | 8;
  readonly disp: number;
  readonly imm: number;
  readonly imm2: number;
  readonly ud: boolean;
  readonly operands: readonly Operand[];
  /** Register named by the low three opcode bits (`Z` operands: 40+r, 50+r, B0+r, 0F C8+r …), else -1. */
  readonly zreg: number;
  /** Condition code of Jcc/SETcc/CMOVcc rows, else -1. */
  readonly cc: number;
  /** Specialised form the interpreter loop runs inline (`FAST` in exec/fast-ops.ts), 0 for none (its handler); set by the block builder. */
  fast = 0;
  /** Operands of the specialised form (register numbers, shift count, condition), see `FAST`. */
  fa = 0;
  fb = 0;
  /**
   * 1 when the status flags this specialised form writes are overwritten, within its block, by a
   * later specialised form before anything can read or observe them (`markDeadFlags`); the
   * interpreter then skips writing them when it runs the whole block.
   */
  dead = 0;

  constructor(d: Instruction) {
    this.id = d.id;
    this.row = d.row;
    this.length = d.length;
    this.prefixes = d.prefixes;
    this.seg = d.seg;
    this.opsize = d.opsize;
    this.adsize = d.adsize;
    this.mod = d.mod;
    this.reg = d.reg;
    this.rm = d.rm;
    this.hasMem = d.hasMem;
    this.sib = d.sib;
    this.base = d.base;
    this.index = d.index;
    this.scale = d.scale;
    this.disp = d.disp | 0;
    this.imm = d.imm | 0;
    this.imm2 = d.imm2 | 0;
    this.ud = d.ud;
    this.operands = d.operands;
    this.zreg = d.row.regInOpcode && d.operands.length > 0 ? d.operands[0]!.reg : -1;
    this.cc = d.row.cc;
  }
}
