/** @file Control transfer: Jcc JMP CALL RET LOOP JECXZ (near), far JMP/CALL/RET with call gates, IRET, INT n/INT3/INTO/INT1, BOUND. */
import type { Cpu } from '../cpu/cpu.ts';
import { CR0, EVENT_KIND, SEG_ATTR, SEG_TR } from '../cpu/cpu.ts';
import { EFLAGS, getOF, getZF, testCondition, writeEflags } from '../cpu/eflags.ts';
import { NO_ERROR_CODE, raise, VECTOR } from '../cpu/fault.ts';
import { deliverEvent, loadInnerStack } from '../cpu/interrupts.ts';
import { read16, read32, sysRead16, sysRead32 } from '../cpu/memory.ts';
import {
  desc,
  descAttr,
  descLimit,
  fetchDescriptor,
  loadFromDesc,
  nullifyInnerSegments,
  setAccessed,
  setCpl,
  setSegCache,
} from '../cpu/segmentation.ts';
import { getSp, pushSized, stack32 } from '../cpu/stack-access.ts';
import { checkMisc2 } from '../svm/intercepts.ts';
import { INTERCEPT_MISC2, VMEXIT } from '../svm/vmcb-layout.ts';
import type { Insn } from './insn.ts';
import { popfMask } from './stack.ts';
import { ea, getReg, jumpNear, readE, type Handler } from './operands.ts';

const CS = 1;
const SS = 2;
const ECX = 1;
const ESP = 4;

// ---------------------------------------------------------------------------------------------
// Near transfers.
// ---------------------------------------------------------------------------------------------

function jcc(c: Cpu, i: Insn): void {
  if (testCondition(c, i.cc)) jumpNear(c, c.nextEip + i.imm, i.opsize);
}

function jmpRel(c: Cpu, i: Insn): void {
  jumpNear(c, c.nextEip + i.imm, i.opsize);
}

function callRel(c: Cpu, i: Insn): void {
  const target = i.opsize === 4 ? (c.nextEip + i.imm) | 0 : (c.nextEip + i.imm) & 0xffff;
  if (target >>> 0 > c.segLimit[CS]!) raise(c, VECTOR.GP, 0);
  pushSized(c, c.nextEip, i.opsize);
  c.nextEip = target;
}

function callEv(c: Cpu, i: Insn): void {
  const target = readE(c, i, i.opsize);
  if (target >>> 0 > c.segLimit[CS]!) raise(c, VECTOR.GP, 0);
  pushSized(c, c.nextEip, i.opsize);
  c.nextEip = target;
}

function ret(c: Cpu, i: Insn, extra: number): void {
  const sp = getSp(c);
  const target = i.opsize === 4 ? read32(c, SS, sp) : read16(c, SS, sp);
  if (target >>> 0 > c.segLimit[CS]!) raise(c, VECTOR.GP, 0);
  if (stack32(c)) c.regs[ESP] = (sp + i.opsize + extra) | 0;
  else c.r16[ESP << 1] = (sp + i.opsize + extra) & 0xffff;
  c.nextEip = target;
}

function loop(c: Cpu, i: Insn, kind: number): void {
  let count: number;
  if (i.adsize === 4) count = c.regs[ECX] = (c.regs[ECX]! - 1) | 0;
  else count = c.r16[ECX << 1] = (c.r16[ECX << 1]! - 1) & 0xffff;
  let take = count !== 0;
  if (kind === 1) take = take && getZF(c) !== 0;
  else if (kind === 2) take = take && getZF(c) === 0;
  if (take) jumpNear(c, c.nextEip + i.imm, i.opsize);
}

function jecxz(c: Cpu, i: Insn): void {
  const count = i.adsize === 4 ? c.regs[ECX]! : c.r16[ECX << 1]!;
  if (count === 0) jumpNear(c, c.nextEip + i.imm, i.opsize);
}

// ---------------------------------------------------------------------------------------------
// Far transfers (SDM Vol.2 JMP, CALL, RET; Vol.3 §5.8).
// ---------------------------------------------------------------------------------------------

function protectedMode(c: Cpu): boolean {
  return (c.cr0 & CR0.PE) !== 0 && (c.flags & EFLAGS.VM) === 0;
}

/** Loads CS for a real-mode far transfer. */
function realModeCs(c: Cpu, sel: number): void {
  setSegCache(c, CS, sel & 0xffff, (sel & 0xffff) << 4, 0xffff, c.segAttr[CS]!);
}

/** Checks a code-segment descriptor in `desc` as a direct far JMP/CALL target (same privilege). */
function checkDirectCode(c: Cpu, sel: number): void {
  const err = sel & 0xfffc;
  const attr = descAttr(desc.hi);
  const dpl = (attr >> 5) & 3;
  if ((attr & 4) !== 0) {
    if (dpl > c.cpl) raise(c, VECTOR.GP, err);
  } else if ((sel & 3) > c.cpl || dpl !== c.cpl) raise(c, VECTOR.GP, err);
  if ((attr & SEG_ATTR.P) === 0) raise(c, VECTOR.NP, err);
}

function farTransfer(c: Cpu, i: Insn, sel: number, offset: number, isCall: boolean): void {
  const size = i.opsize;
  if (!protectedMode(c)) {
    if (isCall) {
      pushSized(c, c.segSel[CS]!, size);
      pushSized(c, c.nextEip, size);
    }
    realModeCs(c, sel);
    c.nextEip = size === 4 ? offset : offset & 0xffff;
    c.blockBreak = true;
    return;
  }
  sel &= 0xffff;
  const err = sel & 0xfffc;
  if (err === 0) raise(c, VECTOR.GP, 0);
  if (!fetchDescriptor(c, sel)) raise(c, VECTOR.GP, err);
  const attr = descAttr(desc.hi);
  if ((attr & SEG_ATTR.S) !== 0) {
    if ((attr & 8) === 0) raise(c, VECTOR.GP, err);
    checkDirectCode(c, sel);
    const limit = descLimit(desc.hi, desc.lo);
    const target = size === 4 ? offset | 0 : offset & 0xffff;
    if (target >>> 0 > limit) raise(c, VECTOR.GP, 0);
    if (isCall) {
      const lo = desc.lo;
      const hi = desc.hi;
      const spBefore = c.regs[ESP]!;
      pushSized(c, c.segSel[CS]!, size);
      try {
        pushSized(c, c.nextEip, size);
      } catch (e) {
        c.regs[ESP] = spBefore;
        throw e;
      }
      desc.lo = lo;
      desc.hi = hi;
    }
    setAccessed(c);
    loadFromDesc(c, CS, (sel & 0xfffc) | c.cpl);
    c.nextEip = target;
    c.blockBreak = true;
    return;
  }
  const type = attr & 0xf;
  if (type !== 0x4 && type !== 0xc) {
    // TSS and task gates: hardware task switching is not modelled.
    raise(c, VECTOR.GP, err);
  }
  callGate(c, sel, isCall);
}

/** Far JMP/CALL through a call gate whose descriptor is in `desc` (SDM Vol.3 §5.8.3–5.8.5). */
function callGate(c: Cpu, gateSel: number, isCall: boolean): void {
  const gErr = gateSel & 0xfffc;
  const gLo = desc.lo;
  const gHi = desc.hi;
  const gdpl = (gHi >> 13) & 3;
  if (gdpl < c.cpl || gdpl < (gateSel & 3)) raise(c, VECTOR.GP, gErr);
  if ((gHi & 0x8000) === 0) raise(c, VECTOR.NP, gErr);
  const gate32 = ((gHi >> 8) & 0xf) === 0xc;
  const tsel = gLo >>> 16;
  const offset = gate32 ? (gLo & 0xffff) | (gHi & 0xffff0000) : gLo & 0xffff;
  const params = gHi & 0x1f;
  const tErr = tsel & 0xfffc;
  if (tErr === 0) raise(c, VECTOR.GP, 0);
  if (!fetchDescriptor(c, tsel)) raise(c, VECTOR.GP, tErr);
  const attr = descAttr(desc.hi);
  const dpl = (attr >> 5) & 3;
  if ((attr & 0x18) !== 0x18 || dpl > c.cpl) raise(c, VECTOR.GP, tErr);
  if (!isCall && (attr & 4) === 0 && dpl !== c.cpl) raise(c, VECTOR.GP, tErr);
  if ((attr & SEG_ATTR.P) === 0) raise(c, VECTOR.NP, tErr);
  const limit = descLimit(desc.hi, desc.lo);
  if (offset >>> 0 > limit) raise(c, VECTOR.GP, 0);
  const csLo = desc.lo;
  const csHi = desc.hi;
  const size = gate32 ? 4 : 2;
  if (isCall && (attr & 4) === 0 && dpl < c.cpl) {
    // Inner-privilege call: new stack from the TSS, copy `params` parameters.
    const oldSs = c.segSel[SS]!;
    const oldSsBase = c.segBase[SS]!;
    const oldSsLimit = c.segLimit[SS]!;
    const oldSsAttr = c.segAttr[SS]!;
    const oldEsp = c.regs[ESP]!;
    const oldCpl = c.cpl;
    const oldCs = c.segSel[CS]!;
    const tssBase = c.segBase[SEG_TR]!;
    let newSs: number;
    let newEsp: number;
    if ((c.segAttr[SEG_TR]! & 8) !== 0) {
      if (4 + dpl * 8 + 5 > c.segLimit[SEG_TR]!) raise(c, VECTOR.TS, c.segSel[SEG_TR]! & 0xfffc);
      newEsp = sysRead32(c, (tssBase + 4 + dpl * 8) | 0);
      newSs = sysRead16(c, (tssBase + 8 + dpl * 8) | 0);
    } else {
      if (2 + dpl * 4 + 3 > c.segLimit[SEG_TR]!) raise(c, VECTOR.TS, c.segSel[SEG_TR]! & 0xfffc);
      newEsp = sysRead16(c, (tssBase + 2 + dpl * 4) | 0);
      newSs = sysRead16(c, (tssBase + 4 + dpl * 4) | 0);
    }
    // Read the parameters from the old stack before switching.
    const oldSp = getSp(c);
    const p0 = params > 0 ? readParam(c, oldSp, params - 1, size) : 0;
    try {
      loadInnerStack(c, newSs, newEsp, dpl, 0);
      setCpl(c, dpl);
      pushSized(c, oldSs, size);
      pushSized(c, oldEsp, size);
      for (let k = params - 1; k >= 0; k--) {
        const v = k === params - 1 ? p0 : readOldParam(c, oldSsBase, oldSsAttr, oldSp, k, size);
        pushSized(c, v, size);
      }
      pushSized(c, oldCs, size);
      pushSized(c, c.nextEip, size);
    } catch (e) {
      setSegCache(c, SS, oldSs, oldSsBase, oldSsLimit, oldSsAttr);
      c.regs[ESP] = oldEsp;
      setCpl(c, oldCpl);
      throw e;
    }
    desc.lo = csLo;
    desc.hi = csHi;
    loadFromDesc(c, CS, (tsel & 0xfffc) | dpl);
    c.nextEip = offset;
    c.blockBreak = true;
    return;
  }
  if (isCall) {
    const spBefore = c.regs[ESP]!;
    pushSized(c, c.segSel[CS]!, size);
    try {
      pushSized(c, c.nextEip, size);
    } catch (e) {
      c.regs[ESP] = spBefore;
      throw e;
    }
  }
  desc.lo = csLo;
  desc.hi = csHi;
  loadFromDesc(c, CS, (tsel & 0xfffc) | c.cpl);
  c.nextEip = size === 4 ? offset : offset & 0xffff;
  c.blockBreak = true;
}

function readParam(c: Cpu, sp: number, k: number, size: number): number {
  const off = stack32(c) ? (sp + k * size) | 0 : (sp + k * size) & 0xffff;
  return size === 4 ? read32(c, SS, off) : read16(c, SS, off);
}

/** Reads parameter k of the old stack after SS was switched (linear access through the saved base). */
function readOldParam(c: Cpu, base: number, attr: number, sp: number, k: number, size: number): number {
  const off = (attr & SEG_ATTR.DB) !== 0 ? (sp + k * size) | 0 : (sp + k * size) & 0xffff;
  return size === 4 ? sysRead32(c, (base + off) | 0) : sysRead16(c, (base + off) | 0);
}

/** Checks a return CS in `desc` for RET far / IRET (SDM Vol.2 RET, protected mode). */
function checkReturnCs(c: Cpu, sel: number): void {
  const err = sel & 0xfffc;
  if (err === 0) raise(c, VECTOR.GP, 0);
  if (!fetchDescriptor(c, sel)) raise(c, VECTOR.GP, err);
  const attr = descAttr(desc.hi);
  const rpl = sel & 3;
  const dpl = (attr >> 5) & 3;
  if ((attr & 0x18) !== 0x18 || rpl < c.cpl) raise(c, VECTOR.GP, err);
  if ((attr & 4) !== 0 ? dpl > rpl : dpl !== rpl) raise(c, VECTOR.GP, err);
  if ((attr & SEG_ATTR.P) === 0) raise(c, VECTOR.NP, err);
}

/** Loads the outer-level SS for RET far / IRET to an outer level; `desc` is reused. */
function checkOuterSs(c: Cpu, ss: number, rpl: number): void {
  const err = ss & 0xfffc;
  if (err === 0) raise(c, VECTOR.GP, 0);
  if (!fetchDescriptor(c, ss)) raise(c, VECTOR.GP, err);
  const attr = descAttr(desc.hi);
  if ((ss & 3) !== rpl || (attr & SEG_ATTR.S) === 0 || (attr & 0xa) !== 2 || ((attr >> 5) & 3) !== rpl) {
    raise(c, VECTOR.GP, err);
  }
  if ((attr & SEG_ATTR.P) === 0) raise(c, VECTOR.SS, err);
}

function retFar(c: Cpu, i: Insn, extra: number): void {
  const size = i.opsize;
  const sp = getSp(c);
  const eip = readParam(c, sp, 0, size);
  const sel = readParam(c, sp, 1, size) & 0xffff;
  if (!protectedMode(c)) {
    realModeCs(c, sel);
    c.nextEip = size === 4 ? eip : eip & 0xffff;
    setSp(c, sp + 2 * size + extra);
    c.blockBreak = true;
    return;
  }
  checkReturnCs(c, sel);
  const csLo = desc.lo;
  const csHi = desc.hi;
  const rpl = sel & 3;
  const limit = descLimit(csHi, csLo);
  const target = size === 4 ? eip : eip & 0xffff;
  if (rpl === c.cpl) {
    if (target >>> 0 > limit) raise(c, VECTOR.GP, 0);
    loadFromDesc(c, CS, sel);
    setSp(c, sp + 2 * size + extra);
    c.nextEip = target;
    c.blockBreak = true;
    return;
  }
  // Return to an outer level: the caller's ESP and SS follow the immediate's bytes.
  const newEsp = readParam(c, (sp + extra) | 0, 2, size);
  const newSs = readParam(c, (sp + extra) | 0, 3, size) & 0xffff;
  checkOuterSs(c, newSs, rpl);
  if (target >>> 0 > limit) raise(c, VECTOR.GP, 0);
  const ssLo = desc.lo;
  const ssHi = desc.hi;
  desc.lo = csLo;
  desc.hi = csHi;
  loadFromDesc(c, CS, sel);
  setCpl(c, rpl);
  desc.lo = ssLo;
  desc.hi = ssHi;
  loadFromDesc(c, SS, newSs);
  setSp(c, (size === 4 ? newEsp : newEsp & 0xffff) + extra);
  nullifyInnerSegments(c);
  c.nextEip = target;
  c.blockBreak = true;
}

function setSp(c: Cpu, v: number): void {
  if (stack32(c)) c.regs[ESP] = v | 0;
  else c.r16[ESP << 1] = v & 0xffff;
}

/**
 * IRET with NT=1 (SDM Vol.2 IRET, TASK-RETURN): the back-link selector of the current TSS is
 * checked — GDT only and within its limit, else #TS(selector); a busy 16/32-bit TSS, else
 * #TS(selector); present, else #NP(selector). The task switch itself is not modelled: a valid
 * back link raises #GP(0).
 */
function taskReturn(c: Cpu): never {
  const link = sysRead16(c, c.segBase[SEG_TR]!);
  const err = link & 0xfffc;
  if ((link & 4) !== 0 || !fetchDescriptor(c, link)) raise(c, VECTOR.TS, err);
  const attr = descAttr(desc.hi);
  const type = attr & (SEG_ATTR.S | SEG_ATTR.TYPE);
  if (type !== 0x3 && type !== 0xb) raise(c, VECTOR.TS, err);
  if ((attr & SEG_ATTR.P) === 0) raise(c, VECTOR.NP, err);
  return raise(c, VECTOR.GP, 0);
}

/** IRET (SDM Vol.2 IRET): same-level and outer-level returns in protected mode; real mode. */
function iret(c: Cpu, i: Insn): void {
  const size = i.opsize;
  c.cycles += c.cost.iret;
  const sp = getSp(c);
  if (!protectedMode(c)) {
    const eip = readParam(c, sp, 0, size);
    const cs = readParam(c, sp, 1, size) & 0xffff;
    const fl = readParam(c, sp, 2, size);
    realModeCs(c, cs);
    setSp(c, sp + 3 * size);
    writeEflags(c, fl, size === 4 ? 0x257fd5 : 0x7fd5);
    c.nextEip = size === 4 ? eip : eip & 0xffff;
    c.blockBreak = true;
    return;
  }
  if ((c.flags & EFLAGS.NT) !== 0) taskReturn(c);
  const eip = readParam(c, sp, 0, size);
  const sel = readParam(c, sp, 1, size) & 0xffff;
  const fl = readParam(c, sp, 2, size);
  // Return to virtual-8086 mode is not modelled.
  if (size === 4 && (fl & EFLAGS.VM) !== 0 && c.cpl === 0) raise(c, VECTOR.GP, 0);
  checkReturnCs(c, sel);
  const csLo = desc.lo;
  const csHi = desc.hi;
  const rpl = sel & 3;
  const limit = descLimit(csHi, csLo);
  const target = size === 4 ? eip : eip & 0xffff;
  const mask = popfMask(c, size) | EFLAGS.RF;
  if (rpl === c.cpl) {
    if (target >>> 0 > limit) raise(c, VECTOR.GP, 0);
    loadFromDesc(c, CS, sel);
    setSp(c, sp + 3 * size);
    writeEflags(c, fl, mask);
    c.nextEip = target;
    c.blockBreak = true;
    return;
  }
  const newEsp = readParam(c, sp, 3, size);
  const newSs = readParam(c, sp, 4, size) & 0xffff;
  checkOuterSs(c, newSs, rpl);
  if (target >>> 0 > limit) raise(c, VECTOR.GP, 0);
  const ssLo = desc.lo;
  const ssHi = desc.hi;
  writeEflags(c, fl, mask);
  desc.lo = csLo;
  desc.hi = csHi;
  loadFromDesc(c, CS, sel);
  setCpl(c, rpl);
  desc.lo = ssLo;
  desc.hi = ssHi;
  loadFromDesc(c, SS, newSs);
  setSp(c, size === 4 ? newEsp : newEsp & 0xffff);
  nullifyInnerSegments(c);
  c.nextEip = target;
  c.blockBreak = true;
}

// ---------------------------------------------------------------------------------------------
// Software interrupts and BOUND.
// ---------------------------------------------------------------------------------------------

/** INT n / INT3 / INTO: delivered as software interrupts (gate DPL checked), returning after the instruction. */
export function softwareInterrupt(c: Cpu, vector: number): void {
  const next = c.nextEip;
  deliverEvent(c, vector, NO_ERROR_CODE, EVENT_KIND.SOFTWARE, next);
  // A monitor claimed it: the guest has not executed the instruction.
  if (c.hostEvent >= 0) c.nextEip = c.eip;
  c.blockBreak = true;
}

/** INT1/ICEBP: #DB as a trap (an exception: no gate DPL check); in SVM guest mode the ICEBP intercept (exit 88h, nRIP past it) comes first. */
function int1(c: Cpu): void {
  if (c.guestMode) checkMisc2(c, INTERCEPT_MISC2.ICEBP, VMEXIT.ICEBP);
  deliverEvent(c, VECTOR.DB, NO_ERROR_CODE, EVENT_KIND.EXCEPTION, c.nextEip);
  if (c.hostEvent >= 0) c.nextEip = c.eip;
  c.blockBreak = true;
}

function bound(c: Cpu, i: Insn): void {
  const size = i.opsize;
  const off = ea(c, i);
  const v = getReg(c, i.reg, size);
  let lower: number;
  let upper: number;
  let idx: number;
  if (size === 4) {
    lower = read32(c, i.seg, off);
    upper = read32(c, i.seg, (off + 4) | 0);
    idx = v;
  } else {
    lower = (read16(c, i.seg, off) << 16) >> 16;
    upper = (read16(c, i.seg, (off + 2) & 0xffff) << 16) >> 16;
    idx = (v << 16) >> 16;
  }
  if (idx < lower || idx > upper) raise(c, VECTOR.BR, NO_ERROR_CODE);
}

function farPointer(c: Cpu, i: Insn, isCall: boolean): void {
  const off = ea(c, i);
  const size = i.opsize;
  const offset = size === 4 ? read32(c, i.seg, off) : read16(c, i.seg, off);
  const sel = read16(c, i.seg, (off + size) | 0);
  farTransfer(c, i, sel, offset, isCall);
}

/** Handlers of this family, by `row.handler` name. */
export const CTRL_XFER_HANDLERS: Record<string, Handler> = {
  jcc_Jb: jcc,
  jcc_Jz: jcc,
  jmp_Jb: jmpRel,
  jmp_Jz: jmpRel,
  call_Jz: callRel,
  jmp_Ev: (c, i) => jumpNear(c, readE(c, i, i.opsize), i.opsize),
  call_Ev: callEv,
  ret: (c, i) => ret(c, i, 0),
  ret_Iw: (c, i) => ret(c, i, i.imm & 0xffff),
  loop_Jb: (c, i) => loop(c, i, 0),
  loope_Jb: (c, i) => loop(c, i, 1),
  loopne_Jb: (c, i) => loop(c, i, 2),
  jecxz_Jb: jecxz,
  jcxz_Jb: jecxz,
  jmp_Ap: (c, i) => farTransfer(c, i, i.imm2, i.imm, false),
  call_Ap: (c, i) => farTransfer(c, i, i.imm2, i.imm, true),
  jmp_Mp: (c, i) => farPointer(c, i, false),
  call_Mp: (c, i) => farPointer(c, i, true),
  retf: (c, i) => retFar(c, i, 0),
  retf_Iw: (c, i) => retFar(c, i, i.imm & 0xffff),
  iret,
  iretd: iret,
  int_Ib: (c, i) => softwareInterrupt(c, i.imm & 0xff),
  int3: (c) => softwareInterrupt(c, VECTOR.BP),
  into: (c) => {
    if (getOF(c) !== 0) softwareInterrupt(c, VECTOR.OF);
  },
  int1,
  bound_GvMa: bound,
};
