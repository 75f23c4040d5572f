/** @file Stack instructions: PUSH POP (registers, memory, immediates, segment registers), PUSHA POPA, PUSHF POPF, ENTER LEAVE. */
import type { Cpu } from '../cpu/cpu.ts';
import { CR0 } from '../cpu/cpu.ts';
import { EFLAGS, readEflags, writeEflags } from '../cpu/eflags.ts';
import { probeWrite, read16, read32, write16, write32 } from '../cpu/memory.ts';
import { loadSegment } from '../cpu/segmentation.ts';
import { getSp, pop16, pop32, popSized, push16, push32, pushSized, stack32 } from '../cpu/stack-access.ts';
import type { Insn } from './insn.ts';
import { ea, getReg, opReg, readE, setReg, writeMem, type Handler } from './operands.ts';

const SS = 2;
const ESP = 4;
const EBP = 5;

function push_Zv(c: Cpu, i: Insn): void {
  const n = opReg(i);
  if (i.opsize === 4) push32(c, c.regs[n]!);
  else push16(c, c.r16[n << 1]!);
}

function pop_Zv(c: Cpu, i: Insn): void {
  const n = opReg(i);
  if (i.opsize === 4) c.regs[n] = pop32(c);
  else c.r16[n << 1] = pop16(c);
}

/** POP Ev: with ESP as a base register the address is computed after ESP is incremented (SDM Vol.2 POP). */
function pop_Ev(c: Cpu, i: Insn): void {
  const size = i.opsize;
  if (i.mod === 3) {
    setReg(c, i.rm, size, popSized(c, size));
    return;
  }
  const oldSp = c.regs[ESP]!;
  const v = size === 4 ? read32(c, SS, getSp(c)) : read16(c, SS, getSp(c));
  if (stack32(c)) c.regs[ESP] = (oldSp + size) | 0;
  else c.r16[ESP << 1] = (oldSp + size) & 0xffff;
  const off = ea(c, i);
  c.regs[ESP] = oldSp;
  writeMem(c, i.seg, off, size, v);
  if (stack32(c)) c.regs[ESP] = (oldSp + size) | 0;
  else c.r16[ESP << 1] = (oldSp + size) & 0xffff;
}

function pushSeg(c: Cpu, i: Insn, seg: number): void {
  pushSized(c, c.segSel[seg]!, i.opsize);
}

/** POP Sreg: the load is checked before ESP moves; POP SS starts an interrupt shadow. */
function popSeg(c: Cpu, i: Insn, seg: number): void {
  const sp = getSp(c);
  const v = i.opsize === 4 ? read32(c, SS, sp) & 0xffff : read16(c, SS, sp);
  loadSegment(c, seg, v);
  // ESP moves by the operand size, in the (possibly new) stack's width of the old SS.B.
  if (seg === SS) {
    c.regs[ESP] = (c.regs[ESP]! + i.opsize) | 0;
    c.intShadow = true;
    // The shadow also holds a single-step trap back until after the next instruction (SDM Vol.3 §6.8.3).
    c.stepTrap = false;
    c.blockBreak = true;
  } else if (stack32(c)) c.regs[ESP] = (c.regs[ESP]! + i.opsize) | 0;
  else c.r16[ESP << 1] = (c.r16[ESP << 1]! + i.opsize) & 0xffff;
}

function pusha(c: Cpu, i: Insn): void {
  const size = i.opsize;
  const sp = getSp(c);
  const low = stack32(c) ? (sp - 8 * size) | 0 : (sp - 8 * size) & 0xffff;
  probeWrite(c, SS, low, 8 * size);
  for (let n = 0; n < 8; n++) {
    const v = n === ESP ? (size === 4 ? sp : sp & 0xffff) : getReg(c, n, size);
    const off = stack32(c) ? (sp - (n + 1) * size) | 0 : (sp - (n + 1) * size) & 0xffff;
    if (size === 4) write32(c, SS, off, v);
    else write16(c, SS, off, v);
  }
  if (stack32(c)) c.regs[ESP] = low;
  else c.r16[ESP << 1] = low;
}

function popa(c: Cpu, i: Insn): void {
  const size = i.opsize;
  const sp = getSp(c);
  // Read all eight first (a fault changes nothing), then commit.
  const v0 = readAt(c, sp, 7, size);
  const v1 = readAt(c, sp, 6, size);
  const v2 = readAt(c, sp, 5, size);
  const v3 = readAt(c, sp, 4, size);
  const v5 = readAt(c, sp, 2, size);
  const v6 = readAt(c, sp, 1, size);
  const v7 = readAt(c, sp, 0, size);
  setReg(c, 0, size, v0);
  setReg(c, 1, size, v1);
  setReg(c, 2, size, v2);
  setReg(c, 3, size, v3);
  setReg(c, 5, size, v5);
  setReg(c, 6, size, v6);
  setReg(c, 7, size, v7);
  if (stack32(c)) c.regs[ESP] = (sp + 8 * size) | 0;
  else c.r16[ESP << 1] = (sp + 8 * size) & 0xffff;
}

function readAt(c: Cpu, sp: number, slot: number, size: number): number {
  const off = stack32(c) ? (sp + slot * size) | 0 : (sp + slot * size) & 0xffff;
  return size === 4 ? read32(c, SS, off) : read16(c, SS, off);
}

function pushf(c: Cpu, i: Insn): void {
  const f = readEflags(c) & ~(EFLAGS.VM | EFLAGS.RF);
  pushSized(c, f, i.opsize);
}

/** The EFLAGS bits POPF/IRET may change at the current CPL and IOPL (SDM Vol.2 POPF). */
export function popfMask(c: Cpu, opsize: number): number {
  let mask: number =
    EFLAGS.CF | EFLAGS.PF | EFLAGS.AF | EFLAGS.ZF | EFLAGS.SF | EFLAGS.TF | EFLAGS.DF | EFLAGS.OF | EFLAGS.NT |
    EFLAGS.AC | EFLAGS.ID;
  const iopl = (c.flags >> 12) & 3;
  if ((c.cr0 & CR0.PE) === 0 || c.cpl === 0) mask |= EFLAGS.IOPL | EFLAGS.IF;
  else if (c.cpl <= iopl) mask |= EFLAGS.IF;
  return opsize === 4 ? mask : mask & 0xffff;
}

function popf(c: Cpu, i: Insn): void {
  const v = popSized(c, i.opsize);
  writeEflags(c, v, popfMask(c, i.opsize) | EFLAGS.RF);
  c.flags &= ~EFLAGS.RF;
}

function wrapSp(s32: boolean, v: number): number {
  return s32 ? v | 0 : v & 0xffff;
}

/** ENTER Iw, Ib: computed on locals and committed at the end, so a fault leaves ESP/EBP unchanged. */
function enter(c: Cpu, i: Insn): void {
  const size = i.opsize;
  const alloc = i.imm & 0xffff;
  const level = i.imm2 & 0x1f;
  const s32 = stack32(c);
  let sp = getSp(c);
  sp = wrapSp(s32, sp - size);
  if (size === 4) write32(c, SS, sp, c.regs[EBP]!);
  else write16(c, SS, sp, c.r16[EBP << 1]!);
  const frameTemp = sp;
  if (level > 0) {
    let bp = s32 ? c.regs[EBP]! : c.r16[EBP << 1]!;
    for (let k = 1; k < level; k++) {
      bp = wrapSp(s32, bp - size);
      const v = size === 4 ? read32(c, SS, bp) : read16(c, SS, bp);
      sp = wrapSp(s32, sp - size);
      if (size === 4) write32(c, SS, sp, v);
      else write16(c, SS, sp, v);
    }
    sp = wrapSp(s32, sp - size);
    if (size === 4) write32(c, SS, sp, frameTemp);
    else write16(c, SS, sp, frameTemp);
  }
  const newSp = wrapSp(s32, sp - alloc);
  if (size === 4) c.regs[EBP] = frameTemp;
  else c.r16[EBP << 1] = frameTemp;
  if (s32) c.regs[ESP] = newSp;
  else c.r16[ESP << 1] = newSp;
}

function leave(c: Cpu, i: Insn): void {
  const s32 = stack32(c);
  const bp = s32 ? c.regs[EBP]! : c.r16[EBP << 1]!;
  const v = i.opsize === 4 ? read32(c, SS, bp) : read16(c, SS, bp);
  if (s32) c.regs[ESP] = (bp + i.opsize) | 0;
  else c.r16[ESP << 1] = (bp + i.opsize) & 0xffff;
  setReg(c, EBP, i.opsize, v);
}

/** Handlers of this family, by `row.handler` name. */
export const STACK_HANDLERS: Record<string, Handler> = {
  push_Zv,
  pop_Zv,
  push_Ev: (c, i) => pushSized(c, readE(c, i, i.opsize), i.opsize),
  pop_Ev,
  push_Iz: (c, i) => pushSized(c, i.imm, i.opsize),
  push_Ib: (c, i) => pushSized(c, i.imm, i.opsize),
  push_Ibs: (c, i) => pushSized(c, i.imm, i.opsize),
  push_ES: (c, i) => pushSeg(c, i, 0),
  push_CS: (c, i) => pushSeg(c, i, 1),
  push_SS: (c, i) => pushSeg(c, i, 2),
  push_DS: (c, i) => pushSeg(c, i, 3),
  push_FS: (c, i) => pushSeg(c, i, 4),
  push_GS: (c, i) => pushSeg(c, i, 5),
  pop_ES: (c, i) => popSeg(c, i, 0),
  pop_SS: (c, i) => popSeg(c, i, 2),
  pop_DS: (c, i) => popSeg(c, i, 3),
  pop_FS: (c, i) => popSeg(c, i, 4),
  pop_GS: (c, i) => popSeg(c, i, 5),
  pusha,
  popa,
  pushf,
  popf,
  enter_IwIb: enter,
  leave,
};
