/** @file x87 basic arithmetic and comparisons: FADD…FDIVR (memory, register, popping and integer forms), FCOM/FUCOM/FCOMI/FUCOMI/FICOM/FTST/FXAM, FCHS, FABS, FSQRT, FRNDINT. */
import type { Cpu } from '../../cpu/cpu.ts';
import { ARITH_FLAGS, EFLAGS, writeEflags } from '../../cpu/eflags.ts';
import { read16, read32 } from '../../cpu/memory.ts';
import type { Insn } from '../insn.ts';
import { ea, type Handler } from '../operands.ts';
import { arith, ccOfCompare, CMP, compare, OP, pop, rcOf, setC1, setCC, setIndefinite, signal, sqrt, stackUnderflow } from './core.ts';
import { CLS, classify, fromFloat32, fromFloat64, fromInt32, INDEFINITE_HI, INDEFINITE_SE, roundToIntegral, SIGN, X } from './ext80.ts';
import { FSW, phys, setReg80 } from './fpu-state.ts';
import { M, readQword } from './operand.ts';

/** Memory operand kinds of the arithmetic escapes: D8 m32fp, DC m64fp, DE m16int, DA m32int. */
const KIND = { M32: 0, M64: 1, I16: 2, I32: 3 } as const;

/** Loads the memory operand into X (X.flags: DE/IE of the conversion). */
function loadOperand(c: Cpu, i: Insn, kind: number): void {
  if (kind === KIND.M32) fromFloat32(read32(c, i.seg, ea(c, i)));
  else if (kind === KIND.M64) {
    readQword(c, i);
    fromFloat64(M.hi, M.lo);
  } else if (kind === KIND.I16) fromInt32((read16(c, i.seg, ea(c, i)) << 16) >> 16);
  else fromInt32(read32(c, i.seg, ea(c, i)));
}

/** ST(0) ← ST(0) op m (or m op ST(0) when `reverse`). */
function arithMem(op: number, reverse: boolean, kind: number): Handler {
  return (c, i) => {
    loadOperand(c, i, kind);
    const f = c.fpu;
    const p = f.top;
    if (f.empty[p] !== 0) {
      if (stackUnderflow(c)) setIndefinite(c, 0);
      return;
    }
    const fl = X.flags;
    if (reverse) arith(c, op, X.se, X.hi, X.lo, f.se[p]!, f.hi[p]!, f.lo[p]!, p, fl);
    else arith(c, op, f.se[p]!, f.hi[p]!, f.lo[p]!, X.se, X.hi, X.lo, p, fl);
  };
}

/** Register forms: destination ST(0) or ST(i) (`toSTi`), the other operand the source; `reverse` swaps the operand order; `popAfter` pops. */
function arithReg(op: number, reverse: boolean, toSTi: boolean, popAfter: boolean): Handler {
  return (c, i) => {
    const f = c.fpu;
    const a = f.top;
    const b = phys(f, i.rm);
    const dst = toSTi ? b : a;
    if (f.empty[a] !== 0 || f.empty[b] !== 0) {
      if (!stackUnderflow(c)) return;
      setReg80(f, dst, INDEFINITE_SE, INDEFINITE_HI, 0);
      if (popAfter) pop(c);
      return;
    }
    const src = toSTi ? a : b;
    const x = reverse ? src : dst;
    const y = reverse ? dst : src;
    if (arith(c, op, f.se[x]!, f.hi[x]!, f.lo[x]!, f.se[y]!, f.hi[y]!, f.lo[y]!, dst, 0) && popAfter) pop(c);
  };
}

/**
 * Compares ST(0) with the value in X (`fromX`) or ST(i); writes C3 C2 C0 (C1 = 0), or ZF PF CF
 * (`eflags`: FCOMI family; OF SF AF cleared); then pops `pops` times. An unmasked invalid
 * operation changes nothing.
 */
function doCompare(c: Cpu, other: number, quiet: boolean, eflags: boolean, pops: number, flags: number): void {
  const f = c.fpu;
  const a = f.top;
  let res: number;
  if (f.empty[a] !== 0 || (other >= 0 && f.empty[other] !== 0)) {
    if (!stackUnderflow(c)) return;
    res = CMP.UN;
  } else {
    const ySe = other >= 0 ? f.se[other]! : X.se;
    const yHi = other >= 0 ? f.hi[other]! : X.hi;
    const yLo = other >= 0 ? f.lo[other]! : X.lo;
    res = compare(c, f.se[a]!, f.hi[a]!, f.lo[a]!, ySe, yHi, yLo, quiet, flags);
    if (res < 0) return;
  }
  if (eflags) {
    const v = ((res & 4) !== 0 ? EFLAGS.ZF : 0) | ((res & 2) !== 0 ? EFLAGS.PF : 0) | ((res & 1) !== 0 ? EFLAGS.CF : 0);
    writeEflags(c, v, ARITH_FLAGS);
    setC1(c, false);
  } else setCC(c, ccOfCompare(res));
  for (let k = 0; k < pops; k++) pop(c);
}

function compareMem(kind: number, pops: number): Handler {
  return (c, i) => {
    loadOperand(c, i, kind);
    doCompare(c, -1, false, false, pops, X.flags);
  };
}

function compareReg(quiet: boolean, eflags: boolean, pops: number): Handler {
  return (c, i) => doCompare(c, phys(c.fpu, i.rm), quiet, eflags, pops, 0);
}

/** ST(0) must be full: false (after the underflow, ST(0) = indefinite when masked) if it is empty. */
function needSt0(c: Cpu): boolean {
  if (c.fpu.empty[c.fpu.top] === 0) return true;
  if (stackUnderflow(c)) setIndefinite(c, 0);
  return false;
}

function fchs(c: Cpu): void {
  if (!needSt0(c)) return;
  c.fpu.se[c.fpu.top] ^= SIGN;
  setC1(c, false);
}

function fabs(c: Cpu): void {
  if (!needSt0(c)) return;
  c.fpu.se[c.fpu.top] &= ~SIGN;
  setC1(c, false);
}

function ftst(c: Cpu): void {
  X.se = 0;
  X.hi = 0;
  X.lo = 0;
  doCompare(c, -1, false, false, 0, 0);
}

/** FXAM: C3 C2 C0 = the class (SDM FXAM table), C1 = the sign; works on an empty ST(0) too. */
function fxam(c: Cpu): void {
  const f = c.fpu;
  const p = f.top;
  const sign = (f.se[p]! & SIGN) !== 0 ? 2 : 0;
  let cc: number;
  if (f.empty[p] !== 0) cc = 0b1001;
  else {
    switch (classify(f.se[p]!, f.hi[p]!, f.lo[p]!)) {
      case CLS.UNSUPPORTED:
        cc = 0;
        break;
      case CLS.QNAN:
      case CLS.SNAN:
        cc = 0b0001;
        break;
      case CLS.NORMAL:
        cc = 0b0100;
        break;
      case CLS.INF:
        cc = 0b0101;
        break;
      case CLS.ZERO:
        cc = 0b1000;
        break;
      default:
        cc = 0b1100;
        break;
    }
  }
  setCC(c, cc | sign);
}

function fsqrt(c: Cpu): void {
  if (!needSt0(c)) return;
  const f = c.fpu;
  const p = f.top;
  sqrt(c, p, f.se[p]!, f.hi[p]!, f.lo[p]!);
}

/** FRNDINT: ST(0) rounded to an integer with the rounding control (exact on the 80-bit value). */
function frndint(c: Cpu): void {
  if (!needSt0(c)) return;
  const f = c.fpu;
  const p = f.top;
  const se = f.se[p]!;
  const hi = f.hi[p]!;
  const lo = f.lo[p]!;
  const cl = classify(se, hi, lo);
  if (cl === CLS.ZERO || cl === CLS.INF) return setC1(c, false);
  if (cl === CLS.QNAN || cl === CLS.SNAN || cl === CLS.UNSUPPORTED) {
    const fl = cl === CLS.QNAN ? 0 : FSW.IE;
    if (signal(c, fl) !== 0) return;
    if (cl === CLS.UNSUPPORTED) setReg80(f, p, INDEFINITE_SE, INDEFINITE_HI, 0);
    else f.hi[p] = hi | 0x40000000;
    return;
  }
  const fl = cl === CLS.DENORMAL ? FSW.DE : 0;
  if ((fl & ~f.cw) !== 0) {
    signal(c, fl);
    return;
  }
  roundToIntegral(se, hi, lo, rcOf(c));
  setReg80(f, p, X.se, X.hi, X.lo);
  setC1(c, X.up);
  signal(c, fl | X.flags);
}

/** Handlers of this family, by `row.handler` name. */
export const X87_ARITH_HANDLERS: Record<string, Handler> = {
  fadd_Md: arithMem(OP.ADD, false, KIND.M32),
  fmul_Md: arithMem(OP.MUL, false, KIND.M32),
  fsub_Md: arithMem(OP.SUB, false, KIND.M32),
  fsubr_Md: arithMem(OP.SUB, true, KIND.M32),
  fdiv_Md: arithMem(OP.DIV, false, KIND.M32),
  fdivr_Md: arithMem(OP.DIV, true, KIND.M32),
  fadd_Mq: arithMem(OP.ADD, false, KIND.M64),
  fmul_Mq: arithMem(OP.MUL, false, KIND.M64),
  fsub_Mq: arithMem(OP.SUB, false, KIND.M64),
  fsubr_Mq: arithMem(OP.SUB, true, KIND.M64),
  fdiv_Mq: arithMem(OP.DIV, false, KIND.M64),
  fdivr_Mq: arithMem(OP.DIV, true, KIND.M64),
  fiadd_Md: arithMem(OP.ADD, false, KIND.I32),
  fimul_Md: arithMem(OP.MUL, false, KIND.I32),
  fisub_Md: arithMem(OP.SUB, false, KIND.I32),
  fisubr_Md: arithMem(OP.SUB, true, KIND.I32),
  fidiv_Md: arithMem(OP.DIV, false, KIND.I32),
  fidivr_Md: arithMem(OP.DIV, true, KIND.I32),
  fiadd_Mw: arithMem(OP.ADD, false, KIND.I16),
  fimul_Mw: arithMem(OP.MUL, false, KIND.I16),
  fisub_Mw: arithMem(OP.SUB, false, KIND.I16),
  fisubr_Mw: arithMem(OP.SUB, true, KIND.I16),
  fidiv_Mw: arithMem(OP.DIV, false, KIND.I16),
  fidivr_Mw: arithMem(OP.DIV, true, KIND.I16),
  fadd_STSTi: arithReg(OP.ADD, false, false, false),
  fmul_STSTi: arithReg(OP.MUL, false, false, false),
  fsub_STSTi: arithReg(OP.SUB, false, false, false),
  fsubr_STSTi: arithReg(OP.SUB, true, false, false),
  fdiv_STSTi: arithReg(OP.DIV, false, false, false),
  fdivr_STSTi: arithReg(OP.DIV, true, false, false),
  fadd_STiST: arithReg(OP.ADD, false, true, false),
  fmul_STiST: arithReg(OP.MUL, false, true, false),
  fsub_STiST: arithReg(OP.SUB, false, true, false),
  fsubr_STiST: arithReg(OP.SUB, true, true, false),
  fdiv_STiST: arithReg(OP.DIV, false, true, false),
  fdivr_STiST: arithReg(OP.DIV, true, true, false),
  faddp_STiST: arithReg(OP.ADD, false, true, true),
  fmulp_STiST: arithReg(OP.MUL, false, true, true),
  fsubp_STiST: arithReg(OP.SUB, false, true, true),
  fsubrp_STiST: arithReg(OP.SUB, true, true, true),
  fdivp_STiST: arithReg(OP.DIV, false, true, true),
  fdivrp_STiST: arithReg(OP.DIV, true, true, true),
  fcom_Md: compareMem(KIND.M32, 0),
  fcomp_Md: compareMem(KIND.M32, 1),
  fcom_Mq: compareMem(KIND.M64, 0),
  fcomp_Mq: compareMem(KIND.M64, 1),
  ficom_Md: compareMem(KIND.I32, 0),
  ficomp_Md: compareMem(KIND.I32, 1),
  ficom_Mw: compareMem(KIND.I16, 0),
  ficomp_Mw: compareMem(KIND.I16, 1),
  fcom_STi: compareReg(false, false, 0),
  fcomp_STi: compareReg(false, false, 1),
  fucom_STi: compareReg(true, false, 0),
  fucomp_STi: compareReg(true, false, 1),
  fcompp: (c) => doCompare(c, phys(c.fpu, 1), false, false, 2, 0),
  fucompp: (c) => doCompare(c, phys(c.fpu, 1), true, false, 2, 0),
  fcomi_STSTi: compareReg(false, true, 0),
  fcomip_STSTi: compareReg(false, true, 1),
  fucomi_STSTi: compareReg(true, true, 0),
  fucomip_STSTi: compareReg(true, true, 1),
  ftst,
  fxam,
  fchs,
  fabs,
  fsqrt,
  frndint,
};
