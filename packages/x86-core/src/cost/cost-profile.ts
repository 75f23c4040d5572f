/** @file The cost-profile contract of the modeled clock (ARCHITECTURE.md §7) and the test-only UNIT_PROFILE. */

/**
 * Instruction classes the silicon charges. Every opcode-table row maps to one class
 * (`classOfRow`); a profile gives cycles per class.
 */
export const INSN_CLASS = {
  /** Register/immediate ALU, MOV, LEA, flag ops, … */
  SIMPLE: 0,
  /** An instruction with a memory operand (added to its base class cost as `memOperand`). */
  MUL: 1,
  DIV: 2,
  /** Jcc, JMP, CALL, RET, LOOP, … (near). */
  BRANCH: 3,
  /** Far transfers, INT, IRET, segment loads, descriptor-table instructions. */
  FAR: 4,
  /** One iteration of a string instruction. */
  STRING: 5,
  /** IN/OUT/INS/OUTS (the device access itself is the `io` event). */
  IO: 6,
  /** MOV CRn, INVLPG, CPUID, RDMSR/WRMSR, RDTSC, HLT, LGDT…, CLTS, SYSENTER/SYSEXIT. */
  SYSTEM: 7,
  /** PUSH/POP/PUSHA/POPA/ENTER/LEAVE/PUSHF/POPF. */
  STACK: 8,
  /** Forms that raise #UD (SSE/SVM, undefined encodings). */
  UNDEFINED: 9,
  /** x87 floating-point instructions (D8–DF escapes, FWAIT). */
  FPU: 10,
} as const;

/** Number of instruction classes. */
export const INSN_CLASS_COUNT = 11;

/**
 * A cost profile: cycles per instruction class and per hardware event, and the clock
 * frequency. Profile DATA (with sources) lives in packages/bench; x86-core only defines the shape.
 */
export interface CostProfile {
  /** Profile name, e.g. `p4-2006`. */
  readonly name: string;
  /** Modeled clock frequency in Hz (converts cycles to seconds). */
  readonly hz: number;
  /** Cycles per retired instruction, indexed by `INSN_CLASS` (length `INSN_CLASS_COUNT`). */
  readonly insnCycles: readonly number[];
  /** Extra cycles for an instruction with a memory operand. */
  readonly memOperand: number;
  /** Cycles to deliver an exception or interrupt through the IDT. */
  readonly exception: number;
  /** Cycles of an IRET (beyond its instruction class). */
  readonly iret: number;
  /** Cycles per memory reference of a TLB-miss page walk. */
  readonly walkRef: number;
  /** Cycles of one port or MMIO access to a device. */
  readonly io: number;
  /** SVM: cycles of a VM entry (`vmrun` loading guest state). */
  readonly vmEntry: number;
  /** SVM: cycles of a #VMEXIT (saving guest state, restoring the host). */
  readonly vmExit: number;
  /** SVM: cycles of one VMCB field read by a monitor. */
  readonly vmcbRead: number;
  /** SVM: cycles of one VMCB field write by a monitor. */
  readonly vmcbWrite: number;
}

/** Test profile: 1 cycle per instruction of every class, 0 for every event, 1 GHz. */
export const UNIT_PROFILE: CostProfile = {
  name: 'unit',
  hz: 1e9,
  insnCycles: [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1],
  memOperand: 0,
  exception: 0,
  iret: 0,
  walkRef: 0,
  io: 0,
  vmEntry: 0,
  vmExit: 0,
  vmcbRead: 0,
  vmcbWrite: 0,
};
