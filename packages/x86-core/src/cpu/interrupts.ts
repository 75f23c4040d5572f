/** @file Exception and interrupt delivery through the IDT (interrupt/trap gates, TSS stack switch, error codes), double and triple fault. */
import type { Cpu } from './cpu.ts';
import { CR0, EVENT_KIND, SEG_ATTR, SEG_TR } from './cpu.ts';
import { EFLAGS, readEflags, writeEflags } from './eflags.ts';
import { FAULT, NO_ERROR_CODE, raise, VECTOR } from './fault.ts';
import { sysRead16, sysRead32 } from './memory.ts';
import { desc, descAttr, fetchDescriptor, loadFromDesc, setCpl, setSegCache } from './segmentation.ts';
import { push16, push32 } from './stack-access.ts';

const CS = 1;
const SS = 2;
const ESP = 4;

/** Vectors of the contributory exception class (SDM Vol.3 Table 6-4). */
function contributory(v: number): boolean {
  return v === VECTOR.DE || v === VECTOR.TS || v === VECTOR.NP || v === VECTOR.SS || v === VECTOR.GP;
}

/** True if exception `vector` pushes an error code (SDM Vol.3 §6.13). */
export function hasErrorCode(vector: number): boolean {
  return vector === 8 || (vector >= 10 && vector <= 14) || vector === 17;
}

/**
 * THE delivery function: every exception, software interrupt and external interrupt goes
 * through here, so that a monitor's `HostSink` can claim it first (ARCHITECTURE.md §3).
 * `returnEip` is what the handler's IRET returns to (the faulting instruction for faults,
 * the next one for INT n and traps and for external interrupts at a boundary).
 * A fault raised while delivering (a bad gate, a stack fault) is combined by the rules of
 * SDM Vol.3 §6.15 (double fault; a fault while delivering #DF is a triple fault: shutdown).
 * Returns normally; never throws FAULT.
 */
export function deliverEvent(cpu: Cpu, vector: number, errorCode: number, kind: number, returnEip: number): void {
  cpu.intInfoVector = -1;
  // An event delivered during an instruction (INT n, INT3, INTO, INT1) replaces its single-step trap.
  cpu.stepTrap = false;
  if (cpu.hostSink !== null && cpu.hostSink(vector, errorCode, kind)) {
    cpu.hostEvent = vector;
    cpu.hostError = errorCode;
    cpu.hostKind = kind;
    return;
  }
  let v = vector;
  let err = errorCode;
  let k = kind;
  let ret = returnEip;
  for (;;) {
    cpu.counters.vectors[v]!++;
    cpu.cycles += cpu.cost.exception;
    try {
      deliverOnce(cpu, v, err, k, ret);
      return;
    } catch (e) {
      if (e !== FAULT) throw e;
    }
    const v2 = cpu.excVector;
    // The event whose delivery raised v2 (SVM EXITINTINFO if v2 is intercepted).
    cpu.intInfoVector = v;
    cpu.intInfoError = err;
    cpu.intInfoKind = k;
    // SVM guest mode: an intercepted exception raised while delivering exits before any combining.
    if (cpu.guestMode && cpu.hostSink !== null && cpu.hostSink(v2, hasErrorCode(v2) ? cpu.excError : NO_ERROR_CODE, EVENT_KIND.EXCEPTION)) {
      cpu.hostEvent = v2;
      cpu.hostError = cpu.excError;
      cpu.hostKind = EVENT_KIND.EXCEPTION;
      return;
    }
    if (v === VECTOR.DF) {
      cpu.counters.shutdowns++;
      cpu.shutdown = { reason: `triple fault: vector ${v2} while delivering #DF` };
      return;
    }
    // Only an exception can be the first of a double fault: INT n and INTR are benign whatever their vector (SDM Vol.3 Table 6-4).
    const first = k === EVENT_KIND.EXCEPTION ? v : -1;
    const isDouble =
      (contributory(first) && contributory(v2)) ||
      (first === VECTOR.PF && (contributory(v2) || v2 === VECTOR.PF));
    if (isDouble) {
      cpu.counters.doubleFaults++;
      v = VECTOR.DF;
      err = 0;
    } else {
      v = v2;
      err = cpu.excError;
    }
    k = EVENT_KIND.EXCEPTION;
    ret = cpu.eip;
    if (cpu.hostSink !== null && cpu.hostSink(v, err, k)) {
      cpu.hostEvent = v;
      cpu.hostError = err;
      cpu.hostKind = k;
      return;
    }
  }
}

/** Reads the ring-`dpl` stack pointer (SS, ESP) from the current TSS into `ringStack`. */
const ringStack = { ss: 0, esp: 0 };
function readRingStack(cpu: Cpu, dpl: number, ext: number): void {
  const attr = cpu.segAttr[SEG_TR]!;
  const tssBase = cpu.segBase[SEG_TR]!;
  const tssLimit = cpu.segLimit[SEG_TR]!;
  const trErr = (cpu.segSel[SEG_TR]! & 0xfffc) | ext;
  if ((attr & 0x8) !== 0) {
    const off = 4 + dpl * 8;
    if (off + 5 > tssLimit) raise(cpu, VECTOR.TS, trErr);
    ringStack.esp = sysRead32(cpu, (tssBase + off) | 0);
    ringStack.ss = sysRead16(cpu, (tssBase + off + 4) | 0);
  } else {
    const off = 2 + dpl * 4;
    if (off + 3 > tssLimit) raise(cpu, VECTOR.TS, trErr);
    ringStack.esp = sysRead16(cpu, (tssBase + off) | 0);
    ringStack.ss = sysRead16(cpu, (tssBase + off + 2) | 0);
  }
}

/** Loads SS for an inner-level stack switch, with the #TS/#SS checks of SDM Vol.3 §6.12.1. */
export function loadInnerStack(cpu: Cpu, ss: number, esp: number, dpl: number, ext: number): void {
  const err = (ss & 0xfffc) | ext;
  if ((ss & 0xfffc) === 0) raise(cpu, VECTOR.TS, ext);
  if ((ss & 3) !== dpl || !fetchDescriptor(cpu, ss)) raise(cpu, VECTOR.TS, err);
  const attr = descAttr(desc.hi);
  if ((attr & SEG_ATTR.S) === 0 || (attr & 0xa) !== 2 || ((attr >> 5) & 3) !== dpl) raise(cpu, VECTOR.TS, err);
  if ((attr & SEG_ATTR.P) === 0) raise(cpu, VECTOR.SS, err);
  loadFromDesc(cpu, SS, ss);
  if ((attr & SEG_ATTR.DB) !== 0) cpu.regs[ESP] = esp;
  else cpu.r16[ESP << 1] = esp;
}

/** Saved state for undoing a half-done delivery. */
const saved = {
  cs: new Float64Array(4),
  ss: new Float64Array(4),
  esp: 0,
  cpl: 0,
};

function saveSeg(cpu: Cpu, seg: number, out: Float64Array): void {
  out[0] = cpu.segSel[seg]!;
  out[1] = cpu.segBase[seg]!;
  out[2] = cpu.segLimit[seg]!;
  out[3] = cpu.segAttr[seg]!;
}

function restoreSeg(cpu: Cpu, seg: number, s: Float64Array): void {
  setSegCache(cpu, seg, s[0]!, s[1]!, s[2]!, s[3]!);
}

function deliverOnce(cpu: Cpu, vector: number, errorCode: number, kind: number, returnEip: number): void {
  const ext = kind === EVENT_KIND.SOFTWARE ? 0 : 1;
  const pushErr = kind === EVENT_KIND.EXCEPTION && errorCode !== NO_ERROR_CODE;
  const eflags = readEflags(cpu);
  if ((cpu.cr0 & CR0.PE) === 0) {
    // Real mode: IVT entry of 4 bytes (offset, segment).
    if (vector * 4 + 3 > cpu.idtrLimit) raise(cpu, VECTOR.GP, 0);
    const ent = sysRead32(cpu, (cpu.idtrBase + vector * 4) | 0);
    push16(cpu, eflags);
    push16(cpu, cpu.segSel[CS]!);
    push16(cpu, returnEip);
    const sel = ent >>> 16;
    setSegCache(cpu, CS, sel, sel << 4, 0xffff, cpu.segAttr[CS]!);
    cpu.eip = ent & 0xffff;
    cpu.nextEip = cpu.eip;
    writeEflags(cpu, 0, EFLAGS.IF | EFLAGS.TF | EFLAGS.AC | EFLAGS.RF);
    return;
  }
  const idtErr = vector * 8 + 2 + ext;
  if (vector * 8 + 7 > cpu.idtrLimit) raise(cpu, VECTOR.GP, idtErr);
  const glo = sysRead32(cpu, (cpu.idtrBase + vector * 8) | 0);
  const ghi = sysRead32(cpu, (cpu.idtrBase + vector * 8 + 4) | 0);
  const gtype = (ghi >>> 8) & 0x1f;
  // 0x06/0x07: 16-bit interrupt/trap gate; 0x0E/0x0F: 32-bit. Task gates (0x05) are not modelled: #GP.
  if (gtype !== 0x0e && gtype !== 0x0f && gtype !== 0x06 && gtype !== 0x07) raise(cpu, VECTOR.GP, idtErr);
  const gdpl = (ghi >>> 13) & 3;
  if (kind === EVENT_KIND.SOFTWARE && gdpl < cpu.cpl) raise(cpu, VECTOR.GP, idtErr);
  if ((ghi & 0x8000) === 0) raise(cpu, VECTOR.NP, idtErr);
  const gate32 = (gtype & 8) !== 0;
  const trapGate = (gtype & 1) !== 0;
  const sel = glo >>> 16;
  const offset = gate32 ? ((glo & 0xffff) | (ghi & 0xffff0000)) | 0 : glo & 0xffff;
  if ((sel & 0xfffc) === 0) raise(cpu, VECTOR.GP, ext);
  const selErr = (sel & 0xfffc) | ext;
  if (!fetchDescriptor(cpu, sel)) raise(cpu, VECTOR.GP, selErr);
  const attr = descAttr(desc.hi);
  const dpl = (attr >> 5) & 3;
  if ((attr & 0x18) !== 0x18 || dpl > cpu.cpl) raise(cpu, VECTOR.GP, selErr);
  if ((attr & SEG_ATTR.P) === 0) raise(cpu, VECTOR.NP, selErr);
  const csLo = desc.lo;
  const csHi = desc.hi;
  const conforming = (attr & 4) !== 0;
  const oldCs = cpu.segSel[CS]!;
  const oldSs = cpu.segSel[SS]!;
  const oldEsp = cpu.regs[ESP]!;
  saveSeg(cpu, CS, saved.cs);
  saveSeg(cpu, SS, saved.ss);
  saved.esp = oldEsp;
  saved.cpl = cpu.cpl;
  const push = gate32 ? push32 : push16;
  try {
    if (!conforming && dpl < cpu.cpl) {
      // Inter-privilege: switch to the ring-dpl stack from the TSS, then push SS, ESP.
      readRingStack(cpu, dpl, ext);
      const newSs = ringStack.ss;
      const newEsp = ringStack.esp;
      loadInnerStack(cpu, newSs, newEsp, dpl, ext);
      setCpl(cpu, dpl);
      push(cpu, oldSs);
      push(cpu, oldEsp);
    }
    push(cpu, eflags);
    push(cpu, oldCs);
    push(cpu, returnEip);
    if (pushErr) push(cpu, errorCode);
  } catch (e) {
    restoreSeg(cpu, CS, saved.cs);
    restoreSeg(cpu, SS, saved.ss);
    cpu.regs[ESP] = saved.esp;
    setCpl(cpu, saved.cpl);
    throw e;
  }
  const newCpl = conforming ? cpu.cpl : dpl;
  desc.lo = csLo;
  desc.hi = csHi;
  loadFromDesc(cpu, CS, (sel & 0xfffc) | newCpl);
  setCpl(cpu, newCpl);
  cpu.eip = offset;
  cpu.nextEip = offset;
  let clear: number = EFLAGS.TF | EFLAGS.NT | EFLAGS.RF | EFLAGS.VM;
  if (!trapGate) clear |= EFLAGS.IF;
  writeEflags(cpu, 0, clear);
  cpu.blockBreak = true;
}

/**
 * Delivers the exception recorded by `raise()` (Cpu.excVector/excError) for the instruction
 * at `cpu.eip`. Called by the engine when it catches FAULT.
 */
export function deliverPendingException(cpu: Cpu): void {
  const v = cpu.excVector;
  const err = cpu.excError;
  cpu.excVector = -1;
  cpu.excError = -1;
  deliverEvent(cpu, v, hasErrorCode(v) ? err : NO_ERROR_CODE, EVENT_KIND.EXCEPTION, cpu.eip);
}
