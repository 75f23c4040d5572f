/** @file The x87 escape handlers behind one gate: #NM by CR0.EM/TS, pending exceptions before waiting instructions, the last-instruction/data pointers after numeric ones. */
import type { Cpu } from '../../cpu/cpu.ts';
import { CR0 } from '../../cpu/cpu.ts';
import { raise, VECTOR } from '../../cpu/fault.ts';
import { PREFIX, type OpcodeRow } from '../../decode/instruction.ts';
import type { Insn } from '../insn.ts';
import { ea, type Handler } from '../operands.ts';
import { X87_ARITH_HANDLERS } from './arith-ops.ts';
import { X87_CONTROL_HANDLERS, fwait } from './control.ts';
import { checkPending } from './core.ts';
import { X87_LOAD_STORE_HANDLERS } from './load-store.ts';
import { X87_TRANSCENDENTAL_HANDLERS } from './transcendental.ts';

/** Every x87 handler by `row.handler` name (FWAIT included: it is the primary-map 9B row). */
export const X87_HANDLERS: Readonly<Record<string, Handler>> = {
  ...X87_LOAD_STORE_HANDLERS,
  ...X87_ARITH_HANDLERS,
  ...X87_TRANSCENDENTAL_HANDLERS,
  ...X87_CONTROL_HANDLERS,
};

/** Non-waiting forms (SDM Vol.1 §8.6): no check for pending exceptions first. */
const NO_WAIT = new Set(['fninit', 'fnclex', 'fnstsw_Mw', 'fnstsw_AX', 'fnstcw_Mw', 'fnstenv_M', 'fnsave_M', 'fneni', 'fndisi', 'fnsetpm']);
/** Control instructions: they leave FIP/FCS/FOP/FDP/FDS as they are (SDM Vol.1 §8.1.8). */
const CONTROL = new Set([...NO_WAIT, 'fldcw_Mw', 'fldenv_M', 'frstor_M']);

/** Records the last x87 instruction (FIP, FCS, FOP) and, with a memory operand, its data pointer (FDP, FDS). */
function recordPointers(c: Cpu, i: Insn, escape: number): void {
  const f = c.fpu;
  f.ip = c.eip;
  f.cs = c.segSel[1]!;
  f.op = ((escape & 7) << 8) | (i.mod << 6) | (i.reg << 3) | i.rm;
  if (i.hasMem) {
    f.dp = ea(c, i);
    f.ds = c.segSel[i.seg]!;
  }
}

/** #NM for an x87 escape when CR0.EM or CR0.TS is set (SDM Vol.3 Table 2-2: EM wins over MP). */
function deviceNotAvailable(c: Cpu): void {
  if ((c.cr0 & (CR0.EM | CR0.TS)) !== 0) raise(c, VECTOR.NM, -1);
}

/** An x87 row undefined on this processor (FISTTP: SSE3; FRSTPM: 287XL only): #NM before #UD. */
function undefinedX87(c: Cpu): void {
  deviceNotAvailable(c);
  raise(c, VECTOR.UD, -1);
}

/**
 * The handler of an x87 row: the gate (#NM; a folded FWAIT prefix waits first; waiting forms
 * report a pending exception), the operation, then the pointers for numeric instructions.
 */
export function x87Handler(row: OpcodeRow, ud: boolean): Handler {
  const h = X87_HANDLERS[row.handler];
  if (h === undefined || ud) return undefinedX87;
  const waiting = !NO_WAIT.has(row.handler);
  const control = CONTROL.has(row.handler);
  const escape = row.opcode[row.opcode.length - 1]!;
  return (c, i) => {
    if ((i.prefixes & PREFIX.WAIT) !== 0) fwait(c);
    deviceNotAvailable(c);
    if (waiting) checkPending(c);
    h(c, i);
    if (!control) recordPointers(c, i, escape);
  };
}
