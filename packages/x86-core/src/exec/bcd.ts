/** @file BCD adjustment: DAA DAS AAA AAS AAM AAD (SDM Vol.2 operation pseudo-code; undefined flags as QEMU). */
import type { Cpu } from '../cpu/cpu.ts';
import { EFLAGS, getAF, getCF, parityOf, readEflags, setResultFlags, writeEflags } from '../cpu/eflags.ts';
import { raise, VECTOR } from '../cpu/fault.ts';
import type { Insn } from './insn.ts';
import type { Handler } from './operands.ts';

const AL = 0;
const AH = 1;
const STATUS = EFLAGS.CF | EFLAGS.PF | EFLAGS.AF | EFLAGS.ZF | EFLAGS.SF | EFLAGS.OF;

/** Writes the six status flags at once. */
function setStatus(cpu: Cpu, v: number): void {
  writeEflags(cpu, v, STATUS);
}

function szp(al: number): number {
  return (al === 0 ? EFLAGS.ZF : 0) | (al & 0x80 ? EFLAGS.SF : 0) | parityOf(al);
}

function daa(cpu: Cpu): void {
  const oldAl = cpu.r8[AL]!;
  const oldCf = getCF(cpu);
  let al = oldAl;
  let cf = 0;
  let af = 0;
  if ((al & 0xf) > 9 || getAF(cpu) !== 0) {
    al = (al + 6) & 0xff;
    af = EFLAGS.AF;
  }
  if (oldAl > 0x99 || oldCf !== 0) {
    al = (al + 0x60) & 0xff;
    cf = EFLAGS.CF;
  }
  cpu.r8[AL] = al;
  setStatus(cpu, cf | af | szp(al));
}

function das(cpu: Cpu): void {
  const oldAl = cpu.r8[AL]!;
  const oldCf = getCF(cpu);
  let al = oldAl;
  let cf = 0;
  let af = 0;
  if ((al & 0xf) > 9 || getAF(cpu) !== 0) {
    if (al < 6) cf = EFLAGS.CF;
    al = (al - 6) & 0xff;
    af = EFLAGS.AF;
  }
  if (oldAl > 0x99 || oldCf !== 0) {
    al = (al - 0x60) & 0xff;
    cf = EFLAGS.CF;
  }
  cpu.r8[AL] = al;
  setStatus(cpu, cf | af | szp(al));
}

function aaa(cpu: Cpu, sub: boolean): void {
  const f = readEflags(cpu);
  if ((cpu.r8[AL]! & 0xf) > 9 || (f & EFLAGS.AF) !== 0) {
    const ax = cpu.r16[0]!;
    cpu.r16[0] = sub ? ax - 6 - 0x100 : ax + 0x106;
    cpu.r8[AL] = cpu.r8[AL]! & 0xf;
    writeEflags(cpu, EFLAGS.AF | EFLAGS.CF, EFLAGS.AF | EFLAGS.CF);
  } else {
    cpu.r8[AL] = cpu.r8[AL]! & 0xf;
    writeEflags(cpu, 0, EFLAGS.AF | EFLAGS.CF);
  }
}

function aam(cpu: Cpu, i: Insn): void {
  const base = i.imm & 0xff;
  if (base === 0) raise(cpu, VECTOR.DE, -1);
  const al = cpu.r8[AL]!;
  cpu.r8[AH] = Math.floor(al / base);
  cpu.r8[AL] = al % base;
  setResultFlags(cpu, cpu.r8[AL]!, 1, 0);
}

function aad(cpu: Cpu, i: Insn): void {
  const al = (cpu.r8[AL]! + cpu.r8[AH]! * (i.imm & 0xff)) & 0xff;
  cpu.r16[0] = al;
  setResultFlags(cpu, al, 1, 0);
}

/** Handlers of this family, by `row.handler` name. */
export const BCD_HANDLERS: Record<string, Handler> = {
  daa: (c) => daa(c),
  das: (c) => das(c),
  aaa: (c) => aaa(c, false),
  aas: (c) => aaa(c, true),
  aam_Ib: aam,
  aad_Ib: aad,
};
