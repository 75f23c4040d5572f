/** @file x87 control instructions: FNINIT FNCLEX FLDCW FNSTCW FNSTSW FNSTENV FLDENV FNSAVE FRSTOR FWAIT FNOP FDECSTP FINCSTP and the 287 no-ops. */
import type { Cpu } from '../../cpu/cpu.ts';
import { CR0 } from '../../cpu/cpu.ts';
import { raise, VECTOR } from '../../cpu/fault.ts';
import { probeWrite, read16, read32, write16, write32 } from '../../cpu/memory.ts';
import type { Insn } from '../insn.ts';
import { ea, type Handler } from '../operands.ts';
import { checkPending, deassertFerr, setC1, updateSummary } from './core.ts';
import { FPU_EXCEPTIONS, fpuInit, FSW, setStatusWord, setTagWord, statusWord, tagWord } from './fpu-state.ts';

/** Bytes of the protected-mode environment image: 28 with a 32-bit operand size, 14 with 16 (SDM Vol.1 Figures 8-9, 8-10). */
function envSize(i: Insn): number {
  return i.opsize === 4 ? 28 : 14;
}

/**
 * Stores the environment at seg:off (the protected-mode layout in every mode, as QEMU does):
 * FCW, FSW, FTW, FIP, FCS with the opcode in bits 26–16, FDP, FDS — dwords (reserved halves 0) or words.
 */
function storeEnv(c: Cpu, i: Insn, off: number): void {
  const f = c.fpu;
  const sw = statusWord(f);
  const tw = tagWord(f);
  if (i.opsize === 4) {
    write32(c, i.seg, off, f.cw);
    write32(c, i.seg, (off + 4) | 0, sw);
    write32(c, i.seg, (off + 8) | 0, tw);
    write32(c, i.seg, (off + 12) | 0, f.ip);
    write32(c, i.seg, (off + 16) | 0, (f.cs & 0xffff) | ((f.op & 0x7ff) << 16));
    write32(c, i.seg, (off + 20) | 0, f.dp);
    write32(c, i.seg, (off + 24) | 0, f.ds & 0xffff);
  } else {
    write16(c, i.seg, off, f.cw);
    write16(c, i.seg, (off + 2) | 0, sw);
    write16(c, i.seg, (off + 4) | 0, tw);
    write16(c, i.seg, (off + 6) | 0, f.ip);
    write16(c, i.seg, (off + 8) | 0, f.cs);
    write16(c, i.seg, (off + 10) | 0, f.dp);
    write16(c, i.seg, (off + 12) | 0, f.ds);
  }
}

/** The environment read by `readEnv` before anything is changed (a fault leaves the FPU as it was). */
const ENV = { cw: 0, sw: 0, tw: 0, ip: 0, cs: 0, op: 0, dp: 0, ds: 0 };

function readEnv(c: Cpu, i: Insn, off: number): void {
  if (i.opsize === 4) {
    ENV.cw = read32(c, i.seg, off) & 0xffff;
    ENV.sw = read32(c, i.seg, (off + 4) | 0) & 0xffff;
    ENV.tw = read32(c, i.seg, (off + 8) | 0) & 0xffff;
    ENV.ip = read32(c, i.seg, (off + 12) | 0);
    const csop = read32(c, i.seg, (off + 16) | 0);
    ENV.cs = csop & 0xffff;
    ENV.op = (csop >>> 16) & 0x7ff;
    ENV.dp = read32(c, i.seg, (off + 20) | 0);
    ENV.ds = read32(c, i.seg, (off + 24) | 0) & 0xffff;
  } else {
    ENV.cw = read16(c, i.seg, off);
    ENV.sw = read16(c, i.seg, (off + 2) | 0);
    ENV.tw = read16(c, i.seg, (off + 4) | 0);
    ENV.ip = read16(c, i.seg, (off + 6) | 0);
    ENV.cs = read16(c, i.seg, (off + 8) | 0);
    ENV.op = 0;
    ENV.dp = read16(c, i.seg, (off + 10) | 0);
    ENV.ds = read16(c, i.seg, (off + 12) | 0);
  }
}

function commitEnv(c: Cpu): void {
  const f = c.fpu;
  f.cw = ENV.cw;
  setStatusWord(f, ENV.sw);
  setTagWord(f, ENV.tw);
  f.ip = ENV.ip;
  f.cs = ENV.cs;
  f.op = ENV.op;
  f.dp = ENV.dp;
  f.ds = ENV.ds;
  updateSummary(c);
}

function fnstenv(c: Cpu, i: Insn): void {
  const off = ea(c, i);
  probeWrite(c, i.seg, off, envSize(i));
  storeEnv(c, i, off);
  // FNSTENV masks every exception after storing (SDM Vol.2 FSTENV/FNSTENV).
  c.fpu.cw |= FPU_EXCEPTIONS;
}

function fldenv(c: Cpu, i: Insn): void {
  readEnv(c, i, ea(c, i));
  commitEnv(c);
}

/** Scratch for FRSTOR: the eight registers read before any state changes. */
const RSE = new Uint16Array(8);
const RHI = new Int32Array(8);
const RLO = new Int32Array(8);

function fnsave(c: Cpu, i: Insn): void {
  const f = c.fpu;
  const off = ea(c, i);
  const env = envSize(i);
  probeWrite(c, i.seg, off, env + 80);
  storeEnv(c, i, off);
  for (let k = 0; k < 8; k++) {
    const p = (f.top + k) & 7;
    const at = (off + env + 10 * k) | 0;
    write32(c, i.seg, at, f.lo[p]!);
    write32(c, i.seg, (at + 4) | 0, f.hi[p]!);
    write16(c, i.seg, (at + 8) | 0, f.se[p]!);
  }
  fpuInit(f);
  deassertFerr(c);
}

function frstor(c: Cpu, i: Insn): void {
  const f = c.fpu;
  const off = ea(c, i);
  const env = envSize(i);
  readEnv(c, i, off);
  for (let k = 0; k < 8; k++) {
    const at = (off + env + 10 * k) | 0;
    RLO[k] = read32(c, i.seg, at);
    RHI[k] = read32(c, i.seg, (at + 4) | 0);
    RSE[k] = read16(c, i.seg, (at + 8) | 0);
  }
  commitEnv(c);
  for (let k = 0; k < 8; k++) {
    const p = (f.top + k) & 7;
    f.lo[p] = RLO[k]!;
    f.hi[p] = RHI[k]!;
    f.se[p] = RSE[k]!;
  }
}

/** WAIT/FWAIT: #NM when CR0.MP and CR0.TS are both set, then any pending unmasked exception. */
export function fwait(c: Cpu): void {
  if ((c.cr0 & (CR0.MP | CR0.TS)) === (CR0.MP | CR0.TS)) raise(c, VECTOR.NM, -1);
  checkPending(c);
}

/** Handlers of this family, by `row.handler` name. */
export const X87_CONTROL_HANDLERS: Record<string, Handler> = {
  fninit: (c) => {
    fpuInit(c.fpu);
    deassertFerr(c);
  },
  fnclex: (c) => {
    c.fpu.sw &= ~(FPU_EXCEPTIONS | FSW.SF | FSW.ES | FSW.B);
    deassertFerr(c);
  },
  fldcw_Mw: (c, i) => {
    c.fpu.cw = read16(c, i.seg, ea(c, i));
    updateSummary(c);
  },
  fnstcw_Mw: (c, i) => write16(c, i.seg, ea(c, i), c.fpu.cw),
  fnstsw_Mw: (c, i) => write16(c, i.seg, ea(c, i), statusWord(c.fpu)),
  fnstsw_AX: (c) => {
    c.r16[0] = statusWord(c.fpu);
  },
  fnstenv_M: fnstenv,
  fldenv_M: fldenv,
  fnsave_M: fnsave,
  frstor_M: frstor,
  fnop: () => {},
  fdecstp: (c) => {
    c.fpu.top = (c.fpu.top - 1) & 7;
    setC1(c, false);
  },
  fincstp: (c) => {
    c.fpu.top = (c.fpu.top + 1) & 7;
    setC1(c, false);
  },
  // 8087/287 instructions that the 387 and later execute as FNOP (QEMU likewise).
  fneni: () => {},
  fndisi: () => {},
  fnsetpm: () => {},
  fwait,
};
