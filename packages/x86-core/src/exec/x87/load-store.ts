/** @file x87 data transfer: FLD/FST(P) in every floating-point format, FILD/FIST(P), FBLD/FBSTP, FLD constants, FXCH, FCMOVcc, FFREE. */
import type { Cpu } from '../../cpu/cpu.ts';
import { testCondition } from '../../cpu/eflags.ts';
import { read16, read32, write16, write32 } from '../../cpu/memory.ts';
import type { Insn } from '../insn.ts';
import { ea, type Handler } from '../operands.ts';
import { pop, push, pushCheck, pushOverflowed, rcOf, setC1, signal, stackUnderflow } from './core.ts';
import { fromBcd, fromFloat32, fromFloat64, fromInt32, fromInt64, INDEFINITE_HI, INDEFINITE_SE, toBcd, toFloat32, toFloat64, toInt, X } from './ext80.ts';
import { copyReg, FSW, phys, RC, setReg80 } from './fpu-state.ts';
import { BCD_OUT, M, readBcd, readQword, readTbyte, writeBcd, writeQword, writeTbyte } from './operand.ts';

/** Pushes X after a load that raised X.flags (IE for an SNaN, DE for a denormal): nothing happens if one of them is unmasked. */
function pushLoaded(c: Cpu): void {
  const fl = X.flags;
  const se = X.se;
  const hi = X.hi;
  const lo = X.lo;
  if (!pushCheck(c)) return;
  if ((fl & ~c.fpu.cw & 0x3f) !== 0) {
    signal(c, fl);
    return;
  }
  const overflowed = pushOverflowed;
  push(c, se, hi, lo);
  setC1(c, overflowed);
  signal(c, fl);
}

function fldM32(c: Cpu, i: Insn): void {
  fromFloat32(read32(c, i.seg, ea(c, i)));
  pushLoaded(c);
}

function fldM64(c: Cpu, i: Insn): void {
  readQword(c, i);
  fromFloat64(M.hi, M.lo);
  pushLoaded(c);
}

function fldM80(c: Cpu, i: Insn): void {
  readTbyte(c, i);
  X.se = M.top;
  X.hi = M.hi;
  X.lo = M.lo;
  X.flags = 0;
  pushLoaded(c);
}

function fildM16(c: Cpu, i: Insn): void {
  fromInt32((read16(c, i.seg, ea(c, i)) << 16) >> 16);
  pushLoaded(c);
}

function fildM32(c: Cpu, i: Insn): void {
  fromInt32(read32(c, i.seg, ea(c, i)));
  pushLoaded(c);
}

function fildM64(c: Cpu, i: Insn): void {
  readQword(c, i);
  fromInt64(M.hi, M.lo);
  pushLoaded(c);
}

function fbld(c: Cpu, i: Insn): void {
  fromBcd(readBcd(c, i));
  pushLoaded(c);
}

function fldSTi(c: Cpu, i: Insn): void {
  const f = c.fpu;
  const p = phys(f, i.rm);
  if (f.empty[p] !== 0) {
    if (!stackUnderflow(c)) return;
    X.se = INDEFINITE_SE;
    X.hi = INDEFINITE_HI;
    X.lo = 0;
  } else {
    X.se = f.se[p]!;
    X.hi = f.hi[p]!;
    X.lo = f.lo[p]!;
  }
  X.flags = 0;
  pushLoaded(c);
}

/** The constants' 64-bit significands rounded to nearest, and whether rounding toward +∞ (and −∞/0) differs (SDM Vol.1 §8.3.8: the internal constant has 66 bits). */
function constant(se: number, hi: number, lo: number, roundedUp: boolean): Handler {
  return (c) => {
    const rc = rcOf(c);
    // A constant rounded up to nearest is one ulp lower under RC=down or chop; one rounded down is one ulp higher under RC=up.
    let l = lo;
    if (roundedUp && (rc === RC.DOWN || rc === RC.CHOP)) l = (lo - 1) | 0;
    if (!roundedUp && lo !== 0 && rc === RC.UP) l = (lo + 1) | 0;
    X.se = se;
    X.hi = hi;
    X.lo = l;
    X.flags = 0;
    pushLoaded(c);
  };
}

/** ST(0) for a store: false if it is empty and the underflow is unmasked (nothing stored). Else X = ST(0) or the indefinite, and `stEmpty`. */
function stZero(c: Cpu): boolean {
  const f = c.fpu;
  const p = f.top;
  if (f.empty[p] !== 0) return false;
  X.se = f.se[p]!;
  X.hi = f.hi[p]!;
  X.lo = f.lo[p]!;
  return true;
}

/** A store's exceptions: signals them and returns true when the store may happen (none unmasked). */
function storeAllowed(c: Cpu, fl: number): boolean {
  setC1(c, X.up);
  return signal(c, fl) === 0;
}

function fstM32(c: Cpu, i: Insn, popAfter: boolean): void {
  const off = ea(c, i);
  let bits: number;
  if (!stZero(c)) {
    if (!stackUnderflow(c)) return;
    bits = 0xffc00000 | 0;
  } else {
    toFloat32(X.se, X.hi, X.lo, rcOf(c));
    bits = X.lo;
    if (!storeAllowed(c, X.flags & ~FSW.DE)) return;
  }
  write32(c, i.seg, off, bits);
  if (popAfter) pop(c);
}

function fstM64(c: Cpu, i: Insn, popAfter: boolean): void {
  let hi: number;
  let lo: number;
  if (!stZero(c)) {
    if (!stackUnderflow(c)) return;
    hi = 0xfff80000 | 0;
    lo = 0;
  } else {
    toFloat64(X.se, X.hi, X.lo, rcOf(c));
    hi = X.hi;
    lo = X.lo;
    if (!storeAllowed(c, X.flags & ~FSW.DE)) return;
  }
  writeQword(c, i, lo, hi);
  if (popAfter) pop(c);
}

function fstpM80(c: Cpu, i: Insn): void {
  if (!stZero(c)) {
    if (!stackUnderflow(c)) return;
    X.se = INDEFINITE_SE;
    X.hi = INDEFINITE_HI;
    X.lo = 0;
  }
  writeTbyte(c, i, X.lo, X.hi, X.se);
  pop(c);
}

/** FIST/FISTP: the integer indefinite (the most negative integer) for a masked invalid operation. */
function fist(c: Cpu, i: Insn, size: number, popAfter: boolean): void {
  let hi: number;
  let lo: number;
  if (!stZero(c)) {
    if (!stackUnderflow(c)) return;
    hi = 0x80000000 | 0;
    lo = size === 8 ? 0 : size === 4 ? 0x80000000 | 0 : 0x8000;
  } else if (!toInt(X.se, X.hi, X.lo, rcOf(c), size)) {
    setC1(c, false);
    if (signal(c, FSW.IE) !== 0) return;
    hi = 0x80000000 | 0;
    lo = size === 8 ? 0 : size === 4 ? 0x80000000 | 0 : 0x8000;
  } else {
    hi = X.hi;
    lo = X.lo;
    if (!storeAllowed(c, X.flags)) return;
  }
  const off = ea(c, i);
  if (size === 2) write16(c, i.seg, off, lo);
  else if (size === 4) write32(c, i.seg, off, lo);
  else writeQword(c, i, lo, hi);
  if (popAfter) pop(c);
}

function fbstp(c: Cpu, i: Insn): void {
  const b = BCD_OUT;
  let ok: boolean;
  if (!stZero(c)) {
    if (!stackUnderflow(c)) return;
    ok = false;
  } else if (!toBcd(X.se, X.hi, X.lo, rcOf(c), b)) {
    setC1(c, false);
    if (signal(c, FSW.IE) !== 0) return;
    ok = false;
  } else {
    if (!storeAllowed(c, X.flags)) return;
    ok = true;
  }
  if (!ok) {
    // the packed BCD indefinite FFFF_C000_0000_0000_0000h
    b.fill(0);
    b[7] = 0xc0;
    b[8] = 0xff;
    b[9] = 0xff;
  }
  writeBcd(c, i, b);
  pop(c);
}

/** FST/FSTP ST(i): copies ST(0) (exactly) into ST(i). */
function fstSTi(c: Cpu, i: Insn, popAfter: boolean): void {
  const f = c.fpu;
  if (f.empty[f.top] !== 0) {
    if (!stackUnderflow(c)) return;
    setReg80(f, phys(f, i.rm), INDEFINITE_SE, INDEFINITE_HI, 0);
  } else {
    copyReg(f, phys(f, i.rm), f.top);
    setC1(c, false);
  }
  if (popAfter) pop(c);
}

/** FXCH: empty operands become the indefinite first when the underflow is masked. */
function fxch(c: Cpu, i: Insn): void {
  const f = c.fpu;
  const a = f.top;
  const b = phys(f, i.rm);
  if (f.empty[a] !== 0 || f.empty[b] !== 0) {
    if (!stackUnderflow(c)) return;
    if (f.empty[a] !== 0) setReg80(f, a, INDEFINITE_SE, INDEFINITE_HI, 0);
    if (f.empty[b] !== 0) setReg80(f, b, INDEFINITE_SE, INDEFINITE_HI, 0);
  } else setC1(c, false);
  const se = f.se[a]!;
  const hi = f.hi[a]!;
  const lo = f.lo[a]!;
  copyReg(f, a, b);
  setReg80(f, b, se, hi, lo);
}

/** FCMOVcc ST(0), ST(i) with the EFLAGS condition `cc` (B E BE U and their negations). */
function fcmov(cc: number): Handler {
  return (c, i) => {
    const f = c.fpu;
    const b = phys(f, i.rm);
    if (f.empty[f.top] !== 0 || f.empty[b] !== 0) {
      if (stackUnderflow(c)) setReg80(f, f.top, INDEFINITE_SE, INDEFINITE_HI, 0);
      return;
    }
    setC1(c, false);
    if (testCondition(c, cc)) copyReg(f, f.top, b);
  };
}

function ffree(c: Cpu, i: Insn): void {
  c.fpu.empty[phys(c.fpu, i.rm)] = 1;
}

/** Handlers of this family, by `row.handler` name. */
export const X87_LOAD_STORE_HANDLERS: Record<string, Handler> = {
  fld_Md: fldM32,
  fld_Mq: fldM64,
  fld_Mt: fldM80,
  fild_Mw: fildM16,
  fild_Md: fildM32,
  fild_Mq: fildM64,
  fbld_Mt: fbld,
  fld_STi: fldSTi,
  fst_Md: (c, i) => fstM32(c, i, false),
  fstp_Md: (c, i) => fstM32(c, i, true),
  fst_Mq: (c, i) => fstM64(c, i, false),
  fstp_Mq: (c, i) => fstM64(c, i, true),
  fstp_Mt: fstpM80,
  fist_Mw: (c, i) => fist(c, i, 2, false),
  fist_Md: (c, i) => fist(c, i, 4, false),
  fistp_Mw: (c, i) => fist(c, i, 2, true),
  fistp_Md: (c, i) => fist(c, i, 4, true),
  fistp_Mq: (c, i) => fist(c, i, 8, true),
  fbstp_Mt: fbstp,
  fst_STi: (c, i) => fstSTi(c, i, false),
  fstp_STi: (c, i) => fstSTi(c, i, true),
  fxch_STi: fxch,
  ffree_STi: ffree,
  ffreep_STi: (c, i) => {
    ffree(c, i);
    pop(c);
  },
  fcmovb_STSTi: fcmov(2),
  fcmovnb_STSTi: fcmov(3),
  fcmove_STSTi: fcmov(4),
  fcmovne_STSTi: fcmov(5),
  fcmovbe_STSTi: fcmov(6),
  fcmovnbe_STSTi: fcmov(7),
  fcmovu_STSTi: fcmov(10),
  fcmovnu_STSTi: fcmov(11),
  // Constants (SDM Vol.1 §8.3.8): the 80-bit encodings rounded to nearest; RC=up/down/chop move the last bit.
  fld1: constant(0x3fff, 0x80000000 | 0, 0, false),
  fldz: constant(0, 0, 0, false),
  fldl2t: constant(0x4000, 0xd49a784b | 0, 0xcd1b8afe | 0, false),
  fldl2e: constant(0x3fff, 0xb8aa3b29 | 0, 0x5c17f0bc | 0, true),
  fldpi: constant(0x4000, 0xc90fdaa2 | 0, 0x2168c235 | 0, true),
  fldlg2: constant(0x3ffd, 0x9a209a84 | 0, 0xfbcff799 | 0, true),
  fldln2: constant(0x3ffe, 0xb17217f7 | 0, 0xd1cf79ac | 0, true),
};
