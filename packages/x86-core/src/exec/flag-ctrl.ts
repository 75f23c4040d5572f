/** @file Flag control: CLC STC CMC CLD STD CLI STI (IOPL-checked, STI shadow), LAHF SAHF. */
import type { Cpu } from '../cpu/cpu.ts';
import { CR0 } from '../cpu/cpu.ts';
import { EFLAGS, getCF, readEflags, setFlag, writeEflags } from '../cpu/eflags.ts';
import { raise, VECTOR } from '../cpu/fault.ts';
import type { Handler } from './operands.ts';

/** CLI/STI need CPL <= IOPL in protected mode (VME/PVI are not modelled). */
function checkIopl(c: Cpu): void {
  if ((c.cr0 & CR0.PE) !== 0 && c.cpl > ((c.flags >> 12) & 3)) raise(c, VECTOR.GP, 0);
}

function sti(c: Cpu): void {
  checkIopl(c);
  if ((c.flags & EFLAGS.IF) === 0) {
    // The instruction after STI runs before any interrupt is recognized (SDM Vol.2 STI).
    c.intShadow = true;
    c.flags |= EFLAGS.IF;
  }
  c.blockBreak = true;
}

const LAHF_BITS = EFLAGS.SF | EFLAGS.ZF | EFLAGS.AF | EFLAGS.PF | EFLAGS.CF;

/** Handlers of this family, by `row.handler` name. */
export const FLAG_CTRL_HANDLERS: Record<string, Handler> = {
  clc: (c) => setFlag(c, EFLAGS.CF, false),
  stc: (c) => setFlag(c, EFLAGS.CF, true),
  cmc: (c) => setFlag(c, EFLAGS.CF, getCF(c) === 0),
  cld: (c) => {
    c.flags &= ~EFLAGS.DF;
  },
  std: (c) => {
    c.flags |= EFLAGS.DF;
  },
  cli: (c) => {
    checkIopl(c);
    c.flags &= ~EFLAGS.IF;
  },
  sti,
  lahf: (c) => {
    c.r8[1] = (readEflags(c) & LAHF_BITS) | EFLAGS.FIXED1;
  },
  sahf: (c) => writeEflags(c, c.r8[1]!, LAHF_BITS),
};
