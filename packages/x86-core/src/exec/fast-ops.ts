/** @file Instruction specialisation: classifies each decoded instruction once into a `FAST` form (operands pre-decoded into `Insn.fa`/`fb`) that the interpreter's loop (engine/interpret.ts) runs inline. */
import { PREFIX } from '../decode/instruction.ts';
import type { Insn } from './insn.ts';
import { byteRegIndex } from './operands.ts';
import { SHIFT } from './shift.ts';

/**
 * The specialised forms, numbered as the cases of `runBlocks` (engine/interpret.ts). All are 32-bit
 * operand size; memory forms use 32-bit addressing. `fa`/`fb` hold register numbers
 * (destination/source), the shift count or the condition. Anything else is 0: the handler.
 */
export const FAST = {
  /** op r32(fa), r32(fb): ADD SUB CMP AND OR XOR TEST. */
  ADD_RR: 1, SUB_RR: 2, CMP_RR: 3, AND_RR: 4, OR_RR: 5, XOR_RR: 6, TEST_RR: 7,
  /** op r32(fa), imm (Ib sign-extended, Iz, eAX forms with fa = 0). */
  ADD_RI: 8, SUB_RI: 9, CMP_RI: 10, AND_RI: 11, OR_RI: 12, XOR_RI: 13, TEST_RI: 14,
  /** op r32(fa), m32. */
  ADD_RM: 15, SUB_RM: 16, CMP_RM: 17, AND_RM: 18, OR_RM: 19, XOR_RM: 20,
  /** MOV r32(fa), r32(fb) / imm / m32; MOV m32, r32(fb); LEA r32(fa); MOVZX r32(fa), m8. */
  MOV_RR: 21, MOV_RI: 22, MOV_RM: 23, MOV_MR: 24, LEA: 25, MOVZX_RM8: 26,
  /** INC / DEC r32(fa); fb = 1 when fused with the JZ/JNZ after it (`fuseBranches`). */
  INC: 27, DEC: 28,
  /** JZ/JNZ (fa = 1 when taken on ZF=1); other Jcc (fa = condition with bit 0 clear, fb = 1 when taken on true). */
  JZ: 29, JCC: 30,
  /** JMP rel8/rel32. */
  JMP: 31,
  /** PUSH / POP r32(fa). */
  PUSH: 32, POP: 33,
  /** SHL SHR SAR ROL ROR r32(fa) by fb (1–31). */
  SHL: 34, SHR: 35, SAR: 36, ROL: 37, ROR: 38,
  /** TEST AL, imm8; CMP AL, imm8. */
  TEST_AL: 39, CMP_AL: 40,
  /** CALL rel32; RET (near, no immediate); JMP r/m32 (register fa, or memory); CALL m32. */
  CALL: 41, RET: 42, JMP_R: 43, JMP_M: 44, CALL_M: 45,
  /** MOV m16, r16(fb) (operand-size prefix). */
  MOV_MR16: 46,
  /** LOOP rel8 with ECX (32-bit address size). */
  LOOP: 47,
  /** REP MOVSD / REP STOSD (F3 or F2, 32-bit address size): a forward copy or fill within one page at once, else the handler. */
  REP_MOVSD: 48, REP_STOSD: 49,
  /** CLD / STD. */
  CLD: 50, STD: 51,
  /** NOT / NEG r32(fa). */
  NOT: 52, NEG: 53,
  /** ADD OR AND SUB XOR m32, r32(fb) or imm (fb = -1): read-modify-write; fa = the operation (`RMW_OPS`). */
  RMW: 54,
  /** INC / DEC m32 (fa = 1 / -1). */
  INCDEC_M: 55,
  /** MOVZX r32(fa), r8 / r16 (fb: the byte's index in `Cpu.r8` / the word's in `Cpu.r16`); MOVZX r32(fa), m16. */
  MOVZX_RR8: 56, MOVZX_RR16: 57, MOVZX_RM16: 58,
  /** IMUL r32(fa), r32(fb). */
  IMUL_RR: 59,
  /** MOV r8, m8 / MOV m8, r8 (fa / fb: the byte's index in `Cpu.r8`). */
  MOV_RM8: 60, MOV_MR8: 61,
  /** CMP m32, r32(fb). */
  CMP_MR: 62,
  /** TEST r8, r8 (fa, fb: the bytes' indices in `Cpu.r8`). */
  TEST_RR8: 63,
} as const;

/** `FAST.RMW`'s operations (`Insn.fa`), by mnemonic. */
export const RMW_OPS: Readonly<Record<string, number>> = { add: 0, or: 1, and: 2, sub: 3, xor: 4 };

const ALU_FORMS: Readonly<Record<string, readonly [number, number, number]>> = {
  // mnemonic: [reg,reg  reg,imm  reg,mem]
  add: [FAST.ADD_RR, FAST.ADD_RI, FAST.ADD_RM],
  sub: [FAST.SUB_RR, FAST.SUB_RI, FAST.SUB_RM],
  cmp: [FAST.CMP_RR, FAST.CMP_RI, FAST.CMP_RM],
  and: [FAST.AND_RR, FAST.AND_RI, FAST.AND_RM],
  or: [FAST.OR_RR, FAST.OR_RI, FAST.OR_RM],
  xor: [FAST.XOR_RR, FAST.XOR_RI, FAST.XOR_RM],
  test: [FAST.TEST_RR, FAST.TEST_RI, 0],
};

const SHIFT_FORMS: Readonly<Record<number, number>> = {
  [SHIFT.ROL]: FAST.ROL,
  [SHIFT.ROR]: FAST.ROR,
  [SHIFT.SHL]: FAST.SHL,
  [SHIFT.SAL]: FAST.SHL,
  [SHIFT.SHR]: FAST.SHR,
  [SHIFT.SAR]: FAST.SAR,
};

/**
 * Sets `ins.fast`, `fa`, `fb` for the forms the interpreter runs inline (the same state changes as
 * the family handlers in arith.ts, logic.ts, shift.ts, data-xfer.ts, ctrl-xfer.ts, stack.ts);
 * leaves 0 for every other instruction (undefined encodings included: they go to their handler).
 */
export function specialize(ins: Insn): void {
  if (ins.ud) return;
  const name = ins.row.handler;
  if (ins.opsize === 2 && name === 'mov_EvGv' && ins.hasMem && ins.adsize === 4) set(ins, FAST.MOV_MR16, 0, ins.reg);
  if (ins.opsize !== 4) return;
  const us = name.indexOf('_');
  const mnemonic = us < 0 ? name : name.slice(0, us);
  const form = us < 0 ? '' : name.slice(us + 1);
  const reg = ins.mod === 3;
  const mem32 = ins.hasMem && ins.adsize === 4;
  const alu = ALU_FORMS[mnemonic];
  if (alu !== undefined) {
    if (form === 'EvGv' && reg) set(ins, alu[0], ins.rm, ins.reg);
    else if (form === 'GvEv' && reg) set(ins, alu[0], ins.reg, ins.rm);
    else if (form === 'GvEv' && mem32) set(ins, alu[2], ins.reg, 0);
    else if ((form === 'EvIb' || form === 'EvIz') && reg) set(ins, alu[1], ins.rm, 0);
    else if (form === 'eAXIz') set(ins, alu[1], 0, 0);
    else if (form === 'EvGv' && mem32 && mnemonic === 'cmp') set(ins, FAST.CMP_MR, 0, ins.reg);
    else if (mem32 && RMW_OPS[mnemonic] !== undefined) {
      if (form === 'EvGv') set(ins, FAST.RMW, RMW_OPS[mnemonic]!, ins.reg);
      else if (form === 'EvIb' || form === 'EvIz' || form === 'EvIbs') set(ins, FAST.RMW, RMW_OPS[mnemonic]!, -1);
    }
    if (ins.fast !== 0) return;
  }
  switch (name) {
    case 'mov_EvGv':
      if (reg) set(ins, FAST.MOV_RR, ins.rm, ins.reg);
      else if (mem32) set(ins, FAST.MOV_MR, 0, ins.reg);
      return;
    case 'mov_GvEv':
      if (reg) set(ins, FAST.MOV_RR, ins.reg, ins.rm);
      else if (mem32) set(ins, FAST.MOV_RM, ins.reg, 0);
      return;
    case 'mov_ZvIv':
      set(ins, FAST.MOV_RI, ins.zreg, 0);
      return;
    case 'mov_EvIz':
      if (reg) set(ins, FAST.MOV_RI, ins.rm, 0);
      return;
    case 'lea_GvM':
      if (mem32) set(ins, FAST.LEA, ins.reg, 0);
      return;
    case 'movzx_GvEb':
      if (mem32) set(ins, FAST.MOVZX_RM8, ins.reg, 0);
      else if (reg) set(ins, FAST.MOVZX_RR8, ins.reg, byteRegIndex(ins.rm));
      return;
    case 'movzx_GvEw':
      if (mem32) set(ins, FAST.MOVZX_RM16, ins.reg, 0);
      else if (reg) set(ins, FAST.MOVZX_RR16, ins.reg, ins.rm << 1);
      return;
    case 'imul_GvEv':
      if (reg) set(ins, FAST.IMUL_RR, ins.reg, ins.rm);
      return;
    case 'mov_GbEb':
      if (mem32) set(ins, FAST.MOV_RM8, byteRegIndex(ins.reg), 0);
      return;
    case 'mov_EbGb':
      if (mem32) set(ins, FAST.MOV_MR8, 0, byteRegIndex(ins.reg));
      return;
    case 'test_EbGb':
      if (reg) set(ins, FAST.TEST_RR8, byteRegIndex(ins.rm), byteRegIndex(ins.reg));
      return;
    case 'inc_Zv':
      set(ins, FAST.INC, ins.zreg, 0);
      return;
    case 'dec_Zv':
      set(ins, FAST.DEC, ins.zreg, 0);
      return;
    case 'jcc_Jb':
    case 'jcc_Jz':
      if ((ins.cc & ~1) === 4) set(ins, FAST.JZ, ins.cc === 4 ? 1 : 0, 0);
      else set(ins, FAST.JCC, ins.cc & ~1, (ins.cc & 1) === 0 ? 1 : 0);
      return;
    case 'jmp_Jb':
    case 'jmp_Jz':
      set(ins, FAST.JMP, 0, 0);
      return;
    case 'test_ALIb':
      set(ins, FAST.TEST_AL, 0, 0);
      return;
    case 'cmp_ALIb':
      set(ins, FAST.CMP_AL, 0, 0);
      return;
    case 'call_Jz':
      set(ins, FAST.CALL, 0, 0);
      return;
    case 'ret':
      set(ins, FAST.RET, 0, 0);
      return;
    case 'jmp_Ev':
      if (reg) set(ins, FAST.JMP_R, ins.rm, 0);
      else if (mem32) set(ins, FAST.JMP_M, 0, 0);
      return;
    case 'call_Ev':
      if (mem32) set(ins, FAST.CALL_M, 0, 0);
      return;
    case 'loop_Jb':
      if (ins.adsize === 4) set(ins, FAST.LOOP, 0, 0);
      return;
    case 'push_Zv':
      set(ins, FAST.PUSH, ins.zreg, 0);
      return;
    case 'movs_XvYv':
      if (ins.adsize === 4 && (ins.prefixes & (PREFIX.REP | PREFIX.REPNE)) !== 0) set(ins, FAST.REP_MOVSD, 0, 0);
      return;
    case 'stos_YveAX':
      if (ins.adsize === 4 && (ins.prefixes & (PREFIX.REP | PREFIX.REPNE)) !== 0) set(ins, FAST.REP_STOSD, 0, 0);
      return;
    case 'cld':
      set(ins, FAST.CLD, 0, 0);
      return;
    case 'std':
      set(ins, FAST.STD, 0, 0);
      return;
    case 'inc_Ev':
    case 'dec_Ev':
      if (mem32) set(ins, FAST.INCDEC_M, name === 'inc_Ev' ? 1 : -1, 0);
      break;
    case 'not_Ev':
      if (reg) set(ins, FAST.NOT, ins.rm, 0);
      return;
    case 'neg_Ev':
      if (reg) set(ins, FAST.NEG, ins.rm, 0);
      return;
    case 'pop_Zv':
      set(ins, FAST.POP, ins.zreg, 0);
      return;
    default:
      break;
  }
  const shift = SHIFT_FORMS[ins.reg];
  if (shift === undefined || !reg) return;
  if (form === 'EvIb' && (mnemonic === 'rol' || mnemonic === 'ror' || mnemonic === 'shl' || mnemonic === 'shr' || mnemonic === 'sar')) {
    if ((ins.imm & 0x1f) !== 0) set(ins, shift, ins.rm, ins.imm & 0x1f);
  } else if (form === 'Ev1' && (mnemonic === 'rol' || mnemonic === 'ror' || mnemonic === 'shl' || mnemonic === 'shr' || mnemonic === 'sar')) {
    set(ins, shift, ins.rm, 1);
  }
}

function set(ins: Insn, fast: number, fa: number, fb: number): void {
  ins.fast = fast;
  ins.fa = fa;
  ins.fb = fb;
}

/** Forms that write all six status flags and nothing else observable besides registers (no memory, no fault). */
const FULL_WRITERS: ReadonlySet<number> = new Set([
  FAST.ADD_RR, FAST.SUB_RR, FAST.CMP_RR, FAST.AND_RR, FAST.OR_RR, FAST.XOR_RR, FAST.TEST_RR,
  FAST.ADD_RI, FAST.SUB_RI, FAST.CMP_RI, FAST.AND_RI, FAST.OR_RI, FAST.XOR_RI, FAST.TEST_RI,
  FAST.SHL, FAST.SHR, FAST.SAR, FAST.TEST_AL, FAST.CMP_AL, FAST.NEG, FAST.TEST_RR8,
]);
/** Forms that neither read nor write flags, touch memory nor fault. */
const FLAGLESS: ReadonlySet<number> = new Set([FAST.MOV_RR, FAST.MOV_RI, FAST.LEA, FAST.NOT, FAST.MOVZX_RR8, FAST.MOVZX_RR16]);

/**
 * Marks (`Insn.dead`) the register-only flag writers of a block whose flags nobody can see: the
 * next instruction that is not a flagless register move (MOV r,r / MOV r,imm / LEA / NOT) is a
 * register-only form that overwrites all six status flags. In between nothing reads the flags,
 * touches memory, faults or ends the block, so when the whole block runs the architectural state
 * is the same at every point anything could look at it (a fault, the block's end). INC/DEC (which
 * keep CF) and rotates read the flags: they are never overwriters.
 */
export function markDeadFlags(insns: readonly Insn[]): void {
  let overwritten = false;
  for (let k = insns.length - 1; k >= 0; k--) {
    const ins = insns[k]!;
    const f = ins.fast;
    if (overwritten && (FULL_WRITERS.has(f) || f === FAST.INC || f === FAST.DEC)) ins.dead = 1;
    if (FULL_WRITERS.has(f)) overwritten = true;
    else if (!FLAGLESS.has(f)) overwritten = false;
  }
}

/**
 * Marks (`Insn.fb` = 1) an INC/DEC r32 directly followed by JZ/JNZ in its block: the interpreter
 * runs the pair as one step (the branch tests the INC/DEC result), both instructions retired as
 * before, the flags written as before.
 */
export function fuseBranches(insns: readonly Insn[]): void {
  for (let k = 0; k + 1 < insns.length; k++) {
    const ins = insns[k]!;
    if ((ins.fast === FAST.INC || ins.fast === FAST.DEC) && insns[k + 1]!.fast === FAST.JZ) ins.fb = 1;
  }
}
