/** @file Logic instructions: AND OR XOR TEST NOT (CF=OF=0, AF=0 as QEMU, SF/ZF/PF from the result). */
import type { Cpu } from '../cpu/cpu.ts';
import { setResultFlags } from '../cpu/eflags.ts';
import type { Insn } from './insn.ts';
import { ALU, aluForms } from './arith.ts';
import { ea, getReg, readE, readMem, setReg, writeMem, type Handler } from './operands.ts';

const MASK = [0, 0xff, 0xffff, 0, -1];

function test(cpu: Cpu, d: number, s: number, size: number): void {
  setResultFlags(cpu, d & s & MASK[size]!, size, 0);
}

function notE(cpu: Cpu, i: Insn, size: number): void {
  if (i.mod === 3) {
    setReg(cpu, i.rm, size, ~getReg(cpu, i.rm, size) & MASK[size]!);
    return;
  }
  const off = ea(cpu, i);
  writeMem(cpu, i.seg, off, size, ~readMem(cpu, i.seg, off, size) & MASK[size]!);
}

function xor_EvGv(c: Cpu, i: Insn): void {
  const size = i.opsize;
  if (i.mod === 3) {
    const r = (getReg(c, i.rm, size) ^ getReg(c, i.reg, size)) & MASK[size]!;
    setReg(c, i.rm, size, r);
    setResultFlags(c, r, size, 0);
    return;
  }
  const off = ea(c, i);
  const r = (readMem(c, i.seg, off, size) ^ getReg(c, i.reg, size)) & MASK[size]!;
  writeMem(c, i.seg, off, size, r);
  setResultFlags(c, r, size, 0);
}

function test_EvGv(c: Cpu, i: Insn): void {
  test(c, readE(c, i, i.opsize), getReg(c, i.reg, i.opsize), i.opsize);
}

/** Handlers of this family, by `row.handler` name. */
export const LOGIC_HANDLERS: Record<string, Handler> = {
  ...aluForms('and', ALU.AND),
  ...aluForms('or', ALU.OR),
  ...aluForms('xor', ALU.XOR),
  xor_EvGv,
  test_EbGb: (c, i) => test(c, readE(c, i, 1), getReg(c, i.reg, 1), 1),
  test_EvGv,
  test_ALIb: (c, i) => test(c, getReg(c, 0, 1), i.imm, 1),
  test_eAXIz: (c, i) => test(c, getReg(c, 0, i.opsize), i.imm, i.opsize),
  test_EbIb: (c, i) => test(c, readE(c, i, 1), i.imm, 1),
  test_EvIz: (c, i) => test(c, readE(c, i, i.opsize), i.imm, i.opsize),
  not_Eb: (c, i) => notE(c, i, 1),
  not_Ev: (c, i) => notE(c, i, i.opsize),
};
