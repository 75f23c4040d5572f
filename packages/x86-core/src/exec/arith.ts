/** @file Integer arithmetic: ADD ADC SUB SBB CMP INC DEC NEG, and the ALU core shared with logic.ts (lazy flags). */
import type { Cpu } from '../cpu/cpu.ts';
import { getCF, LAZY, saveStatusFlags, setLazy, setLazyKeepCF, setResultFlags } from '../cpu/eflags.ts';
import type { Insn } from './insn.ts';
import { ea, getReg, opReg, readE, readMem, setReg, writeMemRmw, type Handler } from './operands.ts';

/** ALU operations in their encoding order (opcode bits 5:3). */
export const ALU = { ADD: 0, OR: 1, ADC: 2, SBB: 3, AND: 4, SUB: 5, XOR: 6, CMP: 7 } as const;

const MASK = [0, 0xff, 0xffff, 0, -1];

/** Computes `d op s` at `size` bytes, records the flags, returns the result (masked; a dword as int32). */
export function alu(cpu: Cpu, op: number, d: number, s: number, size: number): number {
  const m = MASK[size]!;
  let r: number;
  switch (op) {
    case ALU.ADD:
      r = (d + s) & m;
      setLazy(cpu, LAZY.ADD, d, s, r, size);
      return r;
    case ALU.OR:
      r = (d | s) & m;
      setResultFlags(cpu, r, size, 0);
      return r;
    case ALU.ADC:
      r = (d + s + getCF(cpu)) & m;
      setLazy(cpu, LAZY.ADD, d, s, r, size);
      return r;
    case ALU.SBB:
      r = (d - s - getCF(cpu)) & m;
      setLazy(cpu, LAZY.SUB, d, s, r, size);
      return r;
    case ALU.AND:
      r = d & s & m;
      setResultFlags(cpu, r, size, 0);
      return r;
    case ALU.XOR:
      r = (d ^ s) & m;
      setResultFlags(cpu, r, size, 0);
      return r;
    default:
      // SUB and CMP
      r = (d - s) & m;
      setLazy(cpu, LAZY.SUB, d, s, r, size);
      return r;
  }
}

/** op E, G (size 1 or v). */
function aluEG(cpu: Cpu, i: Insn, op: number, size: number): void {
  const s = getReg(cpu, i.reg, size);
  if (i.mod === 3) {
    const r = alu(cpu, op, getReg(cpu, i.rm, size), s, size);
    if (op !== ALU.CMP) setReg(cpu, i.rm, size, r);
    return;
  }
  const off = ea(cpu, i);
  const d = readMem(cpu, i.seg, off, size);
  saveStatusFlags(cpu);
  const r = alu(cpu, op, d, s, size);
  if (op !== ALU.CMP) writeMemRmw(cpu, i.seg, off, size, r);
}

/** op G, E. */
function aluGE(cpu: Cpu, i: Insn, op: number, size: number): void {
  const r = alu(cpu, op, getReg(cpu, i.reg, size), readE(cpu, i, size), size);
  if (op !== ALU.CMP) setReg(cpu, i.reg, size, r);
}

/** op E, imm. */
function aluEI(cpu: Cpu, i: Insn, op: number, size: number): void {
  const s = i.imm & MASK[size]!;
  if (i.mod === 3) {
    const r = alu(cpu, op, getReg(cpu, i.rm, size), s, size);
    if (op !== ALU.CMP) setReg(cpu, i.rm, size, r);
    return;
  }
  const off = ea(cpu, i);
  const d = readMem(cpu, i.seg, off, size);
  saveStatusFlags(cpu);
  const r = alu(cpu, op, d, s, size);
  if (op !== ALU.CMP) writeMemRmw(cpu, i.seg, off, size, r);
}

/** op AL/eAX, imm. */
function aluAI(cpu: Cpu, i: Insn, op: number, size: number): void {
  const r = alu(cpu, op, getReg(cpu, 0, size), i.imm & MASK[size]!, size);
  if (op !== ALU.CMP) setReg(cpu, 0, size, r);
}

/** INC/DEC on a value: CF is kept. */
export function incDec(cpu: Cpu, d: number, size: number, dec: boolean): number {
  const m = MASK[size]!;
  const r = dec ? (d - 1) & m : (d + 1) & m;
  setLazyKeepCF(cpu, dec ? LAZY.SUB : LAZY.ADD, d, r, size);
  return r;
}

function incDecE(cpu: Cpu, i: Insn, size: number, dec: boolean): void {
  if (i.mod === 3) {
    setReg(cpu, i.rm, size, incDec(cpu, getReg(cpu, i.rm, size), size, dec));
    return;
  }
  const off = ea(cpu, i);
  const d = readMem(cpu, i.seg, off, size);
  saveStatusFlags(cpu);
  writeMemRmw(cpu, i.seg, off, size, incDec(cpu, d, size, dec));
}

function negE(cpu: Cpu, i: Insn, size: number): void {
  if (i.mod === 3) {
    setReg(cpu, i.rm, size, alu(cpu, ALU.SUB, 0, getReg(cpu, i.rm, size), size));
    return;
  }
  const off = ea(cpu, i);
  const d = readMem(cpu, i.seg, off, size);
  saveStatusFlags(cpu);
  writeMemRmw(cpu, i.seg, off, size, alu(cpu, ALU.SUB, 0, d, size));
}

/** The six classic forms plus the group-1 immediate forms of one ALU op, named by SDM operand codes. */
export function aluForms(name: string, op: number): Record<string, Handler> {
  return {
    [`${name}_EbGb`]: (c, i) => aluEG(c, i, op, 1),
    [`${name}_EvGv`]: (c, i) => aluEG(c, i, op, i.opsize),
    [`${name}_GbEb`]: (c, i) => aluGE(c, i, op, 1),
    [`${name}_GvEv`]: (c, i) => aluGE(c, i, op, i.opsize),
    [`${name}_ALIb`]: (c, i) => aluAI(c, i, op, 1),
    [`${name}_eAXIz`]: (c, i) => aluAI(c, i, op, i.opsize),
    [`${name}_EbIb`]: (c, i) => aluEI(c, i, op, 1),
    [`${name}_EvIz`]: (c, i) => aluEI(c, i, op, i.opsize),
    [`${name}_EvIb`]: (c, i) => aluEI(c, i, op, i.opsize),
    [`${name}_EvIbs`]: (c, i) => aluEI(c, i, op, i.opsize),
  };
}

// The hottest forms are written out so each is its own function (monomorphic, op folded after inlining).
function add_EvGv(c: Cpu, i: Insn): void {
  aluEG(c, i, ALU.ADD, i.opsize);
}
function add_GvEv(c: Cpu, i: Insn): void {
  aluGE(c, i, ALU.ADD, i.opsize);
}
function add_EvIb(c: Cpu, i: Insn): void {
  aluEI(c, i, ALU.ADD, i.opsize);
}
function sub_EvGv(c: Cpu, i: Insn): void {
  aluEG(c, i, ALU.SUB, i.opsize);
}
function sub_EvIb(c: Cpu, i: Insn): void {
  aluEI(c, i, ALU.SUB, i.opsize);
}
function cmp_EvGv(c: Cpu, i: Insn): void {
  aluEG(c, i, ALU.CMP, i.opsize);
}
function cmp_GvEv(c: Cpu, i: Insn): void {
  aluGE(c, i, ALU.CMP, i.opsize);
}
function cmp_EvIb(c: Cpu, i: Insn): void {
  aluEI(c, i, ALU.CMP, i.opsize);
}
function cmp_eAXIz(c: Cpu, i: Insn): void {
  aluAI(c, i, ALU.CMP, i.opsize);
}
function inc_Zv(c: Cpu, i: Insn): void {
  const n = opReg(i);
  if (i.opsize === 4) c.regs[n] = incDec(c, c.regs[n]!, 4, false);
  else c.r16[n << 1] = incDec(c, c.r16[n << 1]!, 2, false);
}
function dec_Zv(c: Cpu, i: Insn): void {
  const n = opReg(i);
  if (i.opsize === 4) c.regs[n] = incDec(c, c.regs[n]!, 4, true);
  else c.r16[n << 1] = incDec(c, c.r16[n << 1]!, 2, true);
}

/** Handlers of this family, by `row.handler` name. */
export const ARITH_HANDLERS: Record<string, Handler> = {
  ...aluForms('add', ALU.ADD),
  ...aluForms('adc', ALU.ADC),
  ...aluForms('sub', ALU.SUB),
  ...aluForms('sbb', ALU.SBB),
  ...aluForms('cmp', ALU.CMP),
  add_EvGv,
  add_GvEv,
  add_EvIb,
  add_EvIbs: add_EvIb,
  sub_EvGv,
  sub_EvIb,
  sub_EvIbs: sub_EvIb,
  cmp_EvGv,
  cmp_GvEv,
  cmp_EvIb,
  cmp_EvIbs: cmp_EvIb,
  cmp_eAXIz,
  inc_Zv,
  dec_Zv,
  inc_Eb: (c, i) => incDecE(c, i, 1, false),
  inc_Ev: (c, i) => incDecE(c, i, i.opsize, false),
  dec_Eb: (c, i) => incDecE(c, i, 1, true),
  dec_Ev: (c, i) => incDecE(c, i, i.opsize, true),
  neg_Eb: (c, i) => negE(c, i, 1),
  neg_Ev: (c, i) => negE(c, i, i.opsize),
};
