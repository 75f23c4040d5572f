/** @file The dispatch array: one handler per opcode-table row id, built at module load from `row.handler` names. */
import type { Cpu } from '../cpu/cpu.ts';
import { CR0 } from '../cpu/cpu.ts';
import { EFLAGS } from '../cpu/eflags.ts';
import { raise, VECTOR } from '../cpu/fault.ts';
import { OPF } from '../decode/instruction.ts';
import { OPCODE_ROWS } from '../table/opcode-table.ts';
import { ARITH_HANDLERS } from './arith.ts';
import { BCD_HANDLERS } from './bcd.ts';
import { BIT_HANDLERS } from './bit.ts';
import { CTRL_XFER_HANDLERS } from './ctrl-xfer.ts';
import { DATA_XFER_HANDLERS } from './data-xfer.ts';
import { FLAG_CTRL_HANDLERS } from './flag-ctrl.ts';
import type { Insn } from './insn.ts';
import { IO_HANDLERS } from './io.ts';
import { LOGIC_HANDLERS } from './logic.ts';
import { MUL_DIV_HANDLERS } from './mul-div.ts';
import type { Handler } from './operands.ts';
import { SEGMENT_HANDLERS } from './segment.ts';
import { SHIFT_HANDLERS } from './shift.ts';
import { STACK_HANDLERS } from './stack.ts';
import { STRING_HANDLERS } from './string.ts';
import { SYSTEM_HANDLERS } from './system.ts';
import { svmInstructionHandler, withInterceptChecks } from '../svm/instruction-intercepts.ts';
import { fwait as x87Fwait } from './x87/control.ts';
import { x87Handler } from './x87/handlers.ts';

/** Every semantic handler by `row.handler` name (later families override earlier ones for the hot forms). */
export const HANDLERS_BY_NAME: Readonly<Record<string, Handler>> = {
  ...ARITH_HANDLERS,
  ...LOGIC_HANDLERS,
  ...SHIFT_HANDLERS,
  ...MUL_DIV_HANDLERS,
  ...BIT_HANDLERS,
  ...BCD_HANDLERS,
  ...STRING_HANDLERS,
  ...STACK_HANDLERS,
  ...CTRL_XFER_HANDLERS,
  ...FLAG_CTRL_HANDLERS,
  ...DATA_XFER_HANDLERS,
  ...SEGMENT_HANDLERS,
  ...withInterceptChecks(SYSTEM_HANDLERS),
  ...IO_HANDLERS,
  // WAIT/FWAIT (9B) is a primary-map row: it reports pending x87 exceptions (x87/).
  fwait: x87Fwait,
};

/** #UD: reserved encodings, LOCK misuse, MMX/SSE, and SVM instructions until the SVM extension exists. */
export function undefinedOpcode(c: Cpu): void {
  raise(c, VECTOR.UD, -1);
}

/** An instruction longer than 15 bytes: #GP(0). */
function tooLong(c: Cpu): void {
  raise(c, VECTOR.GP, 0);
}

/** True if a row is an integer form the interpreter must execute (not x87/SSE/SVM/#UD/pseudo). */
export function isIntegerRow(flags: number): boolean {
  return (flags & (OPF.FPU | OPF.SSE | OPF.SVM | OPF.UD | OPF.TRUNCATED | OPF.TOO_LONG)) === 0;
}

function privileged(h: Handler): Handler {
  return (c, i) => {
    if (c.cpl !== 0 && (c.cr0 & CR0.PE) !== 0) raise(c, VECTOR.GP, 0);
    else if ((c.flags & EFLAGS.VM) !== 0) raise(c, VECTOR.GP, 0);
    h(c, i);
  };
}

function build(): Handler[] {
  const out: Handler[] = [];
  for (const row of OPCODE_ROWS) {
    let h: Handler | undefined = HANDLERS_BY_NAME[row.handler];
    if ((row.flags & OPF.TOO_LONG) !== 0) h = tooLong;
    else if ((row.flags & OPF.FPU) !== 0) h = x87Handler(row, (row.flags & OPF.UD) !== 0);
    else if ((row.flags & OPF.SVM) !== 0 && (row.flags & OPF.UD) === 0) h = svmInstructionHandler(row.handler);
    else if ((row.flags & (OPF.SSE | OPF.SVM | OPF.UD)) !== 0 || h === undefined) h = undefinedOpcode;
    else if ((row.flags & OPF.PRIVILEGED) !== 0) h = privileged(h);
    out[row.id] = h;
  }
  return out;
}

/** Handler per row id (`HANDLERS[insn.id]`). x87 rows go through the x87 gate (x87/handlers.ts); rows with no semantics raise #UD. */
export const HANDLERS: readonly Handler[] = build();

/** Integer rows whose handler name has no implementation (the completeness test expects none). */
export function missingHandlers(): string[] {
  return OPCODE_ROWS.filter((r) => isIntegerRow(r.flags) && HANDLERS_BY_NAME[r.handler] === undefined).map((r) => r.handler);
}

/** The handler to run for one decoded instruction: #UD when the decoder flagged the encoding. */
export function handlerFor(i: Insn): Handler {
  return i.ud ? undefinedOpcode : HANDLERS[i.id]!;
}
