/** @file The decoded-instruction record and opcode-table row shapes: the contract between the decoder and its users. */

/** Prefix bits of `Instruction.prefixes` (SDM Vol.2 §2.1.1). */
export const PREFIX = {
  LOCK: 1 << 0,
  REP: 1 << 1, // F3 (REP / REPE / REPZ)
  REPNE: 1 << 2, // F2 (REPNE / REPNZ)
  OPSIZE: 1 << 3, // 66
  ADSIZE: 1 << 4, // 67
  SEG: 1 << 5, // a segment override was present (which one: Instruction.seg)
  WAIT: 1 << 6, // 9B (FWAIT) directly before an x87 escape, decoded as one instruction (as objdump does): wait first
} as const;

/** Segment register numbers, in the ModRM `sreg` encoding order (SDM Vol.2 Table 3-6 / B-6). */
export const SEG = { ES: 0, CS: 1, SS: 2, DS: 3, FS: 4, GS: 5 } as const;

/** General-purpose register numbers in encoding order (SDM Vol.2 Table 2-1). */
export const REG = { EAX: 0, ECX: 1, EDX: 2, EBX: 3, ESP: 4, EBP: 5, ESI: 6, EDI: 7 } as const;

/** `OpcodeRow.flags` bits: properties of an instruction form, declared once in the table. */
export const OPF = {
  MODRM: 1 << 0, // has a ModRM byte
  BLOCK_END: 1 << 1, // ends a basic block (any control transfer, or an instruction that may change mode/paging)
  PRIVILEGED: 1 << 2, // #GP(0) unless CPL 0 (SDM: "privileged instruction")
  SENSITIVE: 1 << 3, // behaves differently or reveals state at CPL>0 without trapping (Popek–Goldberg "sensitive")
  LOCKABLE: 1 << 4, // LOCK prefix allowed (with a memory destination)
  UD: 1 << 5, // always raises #UD on an i686 (reserved, or a form the model does not execute: MMX/SSE for now)
  BRANCH: 1 << 6, // control transfer (jmp/jcc/call/ret/iret/int/loop/jcxz/far forms)
  INDIRECT: 1 << 7, // control transfer whose target comes from a register or memory (jmp/call r/m, ret, iret)
  IO: 1 << 8, // port I/O (in/out/ins/outs): IOPL / I/O-bitmap sensitive
  STRING: 1 << 9, // string instruction (REP-able)
  FPU: 1 << 10, // x87 escape (D8–DF)
  SSE: 1 << 11, // MMX/SSE/SSE2 form (decoded for length; #UD for now)
  SVM: 1 << 12, // SVM instruction (vmrun, vmmcall, vmload, vmsave, stgi, clgi, invlpga, skinit)
  TOO_LONG: 1 << 13, // pseudo-row: the encoding exceeds 15 bytes — #GP(0) (SDM Vol.2 §2.3.11), not #UD
  TRUNCATED: 1 << 14, // pseudo-row: the bytes ran out before the instruction ended (length 0; fetch more and decode again)
} as const;

/** `Operand.kind`: what an operand descriptor designates. */
export const OPK = {
  GPR: 0, // general register: reg = number; size 1 (AL..BH encoding), 2 or 4
  SREG: 1, // segment register: reg = SEG number
  CREG: 2, // control register CRn
  DREG: 3, // debug register DRn
  TREG: 4, // test register TRn (486; #UD on i686)
  ST: 5, // x87 stack register ST(reg)
  MMX: 6, // MMX register MMn
  XMM: 7, // XMM register XMMn
  MEM: 8, // memory through ModRM/SIB or moffs: Instruction.seg/base/index/scale/disp; size = access size (0: none, e.g. lea)
  IMM: 9, // immediate: value (already extended as the form defines)
  REL: 10, // relative branch target: value = signed displacement from the next instruction
  FAR: 11, // far pointer immediate (Ap): value = offset, reg = selector
  STR_SRC: 12, // string source seg:[eSI] (seg overridable)
  STR_DST: 13, // string destination ES:[eDI]
  CONST: 14, // an implicit constant (the 1 of `rol Ev,1`): value
} as const;

/** One operand of a decoded instruction, in Intel (destination-first) order. */
export interface Operand {
  /** `OPK` value. */
  readonly kind: number;
  /** Size in bytes (1, 2, 4, 6, 8, 10, 16, 28/108 for x87 environments …; 0 when it has none, e.g. `lea`'s M). */
  readonly size: number;
  /** Register number for register kinds; selector for FAR; -1 otherwise. */
  readonly reg: number;
  /** Immediate, relative displacement or constant; 0 otherwise. */
  readonly value: number;
}

/** One row of an opcode table: one instruction form, declared once. */
export interface OpcodeRow {
  /** Index of this row in the flat list of all rows (`Instruction.id`). */
  readonly id: number;
  /** Lower-case mnemonic as objdump prints it for the default operand size (e.g. `add`, `jne`, `movzx`). */
  readonly mnemonic: string;
  /** SDM operand codes, comma-separated (e.g. `Ev,Gv`, `AL,Ib`, `Jb`, `` for none). */
  readonly operands: string;
  /** Semantic handler name in SDM operand notation, unique per form (e.g. `add_EvGv`, `jcc_Jb`, `in_ALDX`). */
  readonly handler: string;
  /** `OPF` bits. */
  readonly flags: number;
  /** Condition code 0–15 (SDM Vol.1 Appendix B) for Jcc/SETcc/CMOVcc rows, else -1. */
  readonly cc: number;
  /** Opcode bytes that select the row, e.g. [0x0f, 0xaf]; for group rows, `ext` gives the ModRM.reg value. */
  readonly opcode: readonly number[];
  /** ModRM.reg extension for group rows (0–7), else -1. */
  readonly ext: number;
  /** Mandatory prefix selecting an SSE form (0x66, 0xf3, 0xf2) or 0 (none). */
  readonly mandatory: number;
  /** ModRM form the row requires: 'any', 'mem' (mod != 3), 'reg' (mod == 3), or one full ModRM byte (e.g. 0xd8 for `0f 01 d8` vmrun). */
  readonly modForm: 'any' | 'mem' | 'reg' | number;
  /** For rows whose low 3 opcode bits name a register (`inc Zv` is 40–47): true; `opcode` holds the base byte. */
  readonly regInOpcode: boolean;
}

/**
 * A decoded instruction: a flat record, produced by `decode(bytes, offset, mode)` without
 * touching any CPU state. Raw fields (ModRM parts, addressing, immediates) serve the
 * interpreter; `operands` serves the disassembler, encoder and translator.
 */
export interface Instruction {
  /** Row id in the opcode table, and the row itself. */
  readonly id: number;
  readonly row: OpcodeRow;
  /** Total length in bytes, prefixes included (1–15). */
  readonly length: number;
  /** `PREFIX` bits. */
  readonly prefixes: number;
  /** Segment of the memory operand: the override if any, else the default (SS for EBP/ESP-based, else DS). */
  readonly seg: number;
  /** Operand size in bytes for `v`-sized operands: 2 or 4 (mode default toggled by 66). */
  readonly opsize: 2 | 4;
  /** Address size in bytes: 2 or 4 (mode default toggled by 67). */
  readonly adsize: 2 | 4;
  /** ModRM fields, or -1 when the form has no ModRM. */
  readonly mod: number;
  readonly reg: number;
  readonly rm: number;
  /**
   * Memory operand (when the form has one: mod != 3, or moffs forms): effective address =
   * base + index * scale + disp, truncated to the address size. base/index are register
   * numbers or -1 for none. For 16-bit addressing, base/index are the 16-bit pairs'
   * registers (BX, BP, SI, DI as REG numbers) and scale is 1.
   */
  readonly hasMem: boolean;
  /** The SIB byte when one was present (32-bit addressing, rm = 4), else -1 (the disassembler needs it for `eiz`). */
  readonly sib: number;
  readonly base: number;
  readonly index: number;
  readonly scale: 1 | 2 | 4 | 8;
  readonly disp: number;
  /** First immediate (sign- or zero-extended as the form defines, as a 32-bit number), else 0; for Jb/Jz, the relative displacement (signed). */
  readonly imm: number;
  /** Second immediate: the selector of a far pointer (Ap), the Ib of ENTER, else 0. */
  readonly imm2: number;
  /**
   * True when executing this encoding must raise #UD: the row has `OPF.UD`, or a LOCK prefix
   * on a form that is not lockable or has no memory destination (SDM Vol.2 §LOCK). The row is
   * kept (for the disassembler); the CPU checks this one field before dispatch.
   */
  readonly ud: boolean;
  /** Operand descriptors in Intel order (destination first), for the disassembler, encoder and translator. */
  readonly operands: readonly Operand[];
}
