/** @file Maps each opcode-table row to the instruction class a cost profile prices. */
import { OPF, type OpcodeRow } from '../decode/instruction.ts';
import { INSN_CLASS } from './cost-profile.ts';

const FAR = new Set(['jmp_Ap', 'call_Ap', 'jmp_Mp', 'call_Mp', 'retf', 'retf_Iw', 'iret', 'int_Ib', 'int3', 'into', 'int1',
  'mov_SwEw', 'les_GvMp', 'lds_GvMp', 'lss_GvMp', 'lfs_GvMp', 'lgs_GvMp', 'pop_ES', 'pop_SS', 'pop_DS', 'pop_FS', 'pop_GS',
  'lar_GvEw', 'lsl_GvEw', 'verr_Ew', 'verw_Ew', 'sysenter', 'sysexit']);
const SYSTEM = new Set(['cpuid', 'rdtsc', 'rdmsr', 'wrmsr', 'rdpmc', 'sgdt_Ms', 'sidt_Ms', 'sldt_Ew', 'str_Ew', 'smsw_Ew']);
const STACK = new Set(['push_Zv', 'pop_Zv', 'push_Ev', 'pop_Ev', 'push_Iz', 'push_Ib', 'pusha', 'popa', 'pushf', 'popf',
  'enter_IwIb', 'leave', 'push_ES', 'push_CS', 'push_SS', 'push_DS', 'push_FS', 'push_GS']);

/** The `INSN_CLASS` of a row. */
export function classOfRow(row: OpcodeRow): number {
  const f = row.flags;
  if ((f & (OPF.SSE | OPF.SVM | OPF.UD)) !== 0) return INSN_CLASS.UNDEFINED;
  if ((f & OPF.FPU) !== 0 || row.handler === 'fwait') return INSN_CLASS.FPU;
  if ((f & OPF.STRING) !== 0) return (f & OPF.IO) !== 0 ? INSN_CLASS.IO : INSN_CLASS.STRING;
  if ((f & OPF.IO) !== 0) return INSN_CLASS.IO;
  const m = row.mnemonic;
  if (m === 'mul' || m === 'imul') return INSN_CLASS.MUL;
  if (m === 'div' || m === 'idiv') return INSN_CLASS.DIV;
  if (FAR.has(row.handler)) return INSN_CLASS.FAR;
  if ((f & OPF.BRANCH) !== 0) return INSN_CLASS.BRANCH;
  if ((f & OPF.PRIVILEGED) !== 0 || SYSTEM.has(row.handler)) return INSN_CLASS.SYSTEM;
  if (STACK.has(row.handler)) return INSN_CLASS.STACK;
  return INSN_CLASS.SIMPLE;
}
