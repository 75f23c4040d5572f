/** @file x87 transcendental and scaling instructions: FSIN FCOS FSINCOS FPTAN FPATAN F2XM1 FYL2X FYL2XP1 through doubles; FSCALE FXTRACT FPREM FPREM1. */
import type { Cpu } from '../../cpu/cpu.ts';
import type { Handler } from '../operands.ts';
import { arith, OP, pop, push, pushCheck, setCC, setC1, setIndefinite, signal, stackUnderflow, storeDouble, storeScaled } from './core.ts';
import { CLS, classify, fromInt32, INDEFINITE_HI, INDEFINITE_SE, JBIT, N, normalize, S, SIGN, toDouble, toScaled, X } from './ext80.ts';
import { FSW, phys, setReg80 } from './fpu-state.ts';

/** True if an x87 result computed through doubles is inexact (anything but an integer value, which these functions return exactly). */
function inexactDouble(r: number): boolean {
  return !Number.isInteger(r);
}

/** Both ST(0) and ST(1) full; on underflow (masked) ST(1) (or ST(0) with `intoSt0`) = indefinite and, when `popAfter`, a pop. */
function needTwo(c: Cpu, popAfter: boolean, intoSt0: boolean): boolean {
  const f = c.fpu;
  if (f.empty[f.top] === 0 && f.empty[phys(f, 1)] === 0) return true;
  if (stackUnderflow(c)) {
    setIndefinite(c, intoSt0 ? 0 : 1);
    if (popAfter) pop(c);
  }
  return false;
}

/** NaN operands or unsupported encodings among ST(0)/ST(1): the NaN rules of ADD give the result into `dst`; returns true when it handled them. */
function nanOperands(c: Cpu, dst: number, popAfter: boolean): boolean {
  const f = c.fpu;
  const a = f.top;
  const b = phys(f, 1);
  const ca = classify(f.se[a]!, f.hi[a]!, f.lo[a]!);
  const cb = classify(f.se[b]!, f.hi[b]!, f.lo[b]!);
  if (ca < CLS.QNAN && cb < CLS.QNAN) return false;
  if (arith(c, OP.ADD, f.se[a]!, f.hi[a]!, f.lo[a]!, f.se[b]!, f.hi[b]!, f.lo[b]!, dst, 0) && popAfter) pop(c);
  return true;
}

/** The unary functions of ST(0) (FSIN, FCOS, FPTAN's tangent, F2XM1): NaN/infinity/denormal rules, then `fn` through doubles. */
function unary(c: Cpu, fn: (x: number) => number, trig: boolean): boolean {
  const f = c.fpu;
  const p = f.top;
  if (f.empty[p] !== 0) {
    if (stackUnderflow(c)) setIndefinite(c, 0);
    return false;
  }
  const se = f.se[p]!;
  const cl = classify(se, f.hi[p]!, f.lo[p]!);
  if (cl >= CLS.QNAN) {
    if (cl === CLS.QNAN) return false;
    if (signal(c, FSW.IE) !== 0) return false;
    if (cl === CLS.SNAN) f.hi[p] = f.hi[p]! | 0x40000000;
    else setIndefinite(c, 0);
    return false;
  }
  if (cl === CLS.INF && trig) {
    if (signal(c, FSW.IE) === 0) setIndefinite(c, 0);
    return false;
  }
  // Trigonometric operands must be below 2^63 in magnitude (SDM FSIN: C2 = 1, ST(0) unchanged).
  if (trig && (se & 0x7fff) >= 0x3fff + 63) {
    f.sw |= FSW.C2;
    return false;
  }
  const fl = cl === CLS.DENORMAL ? FSW.DE : 0;
  if ((fl & ~f.cw) !== 0) {
    signal(c, fl);
    return false;
  }
  const r = fn(toDouble(se, f.hi[p]!, f.lo[p]!));
  storeDouble(c, p, r, inexactDouble(r), fl);
  f.sw &= ~FSW.C2;
  return true;
}

function fptan(c: Cpu): void {
  if (!pushCheck(c)) return;
  if (!unary(c, Math.tan, true)) return;
  push(c, 0x3fff, JBIT, 0);
}

function fsincos(c: Cpu): void {
  const f = c.fpu;
  if (!pushCheck(c)) return;
  const p = f.top;
  const x = f.empty[p] === 0 ? toDouble(f.se[p]!, f.hi[p]!, f.lo[p]!) : 0;
  if (!unary(c, Math.sin, true)) return;
  const cos = Math.cos(x);
  f.top = (f.top - 1) & 7;
  storeDouble(c, f.top, cos, inexactDouble(cos), 0);
  f.sw &= ~FSW.C2;
}

/** ST(1) ← fn(ST(1), ST(0)), then pop (FPATAN, FYL2X, FYL2XP1). */
function binary(c: Cpu, fn: (y: number, x: number) => number, logDomain: boolean): void {
  if (!needTwo(c, true, false)) return;
  const f = c.fpu;
  const a = f.top;
  const b = phys(f, 1);
  if (nanOperands(c, b, true)) return;
  const x = toDouble(f.se[a]!, f.hi[a]!, f.lo[a]!);
  const y = toDouble(f.se[b]!, f.hi[b]!, f.lo[b]!);
  let fl = 0;
  if (classify(f.se[a]!, f.hi[a]!, f.lo[a]!) === CLS.DENORMAL || classify(f.se[b]!, f.hi[b]!, f.lo[b]!) === CLS.DENORMAL) fl |= FSW.DE;
  const r = fn(y, x);
  if (Number.isNaN(r)) fl |= FSW.IE;
  else if (logDomain && x === 0 && y !== 0 && !Number.isFinite(r)) fl |= FSW.ZE;
  if ((fl & ~f.cw & (FSW.IE | FSW.DE | FSW.ZE)) !== 0) {
    signal(c, fl);
    return;
  }
  if (Number.isNaN(r)) {
    setReg80(f, b, INDEFINITE_SE, INDEFINITE_HI, 0);
    signal(c, fl);
  } else storeDouble(c, b, r, inexactDouble(r), fl);
  pop(c);
}

/** FSCALE: ST(0) × 2^trunc(ST(1)), exact (the exponent moves; only overflow/underflow round). */
function fscale(c: Cpu): void {
  if (!needTwo(c, false, true)) return;
  const f = c.fpu;
  const a = f.top;
  const b = phys(f, 1);
  if (nanOperands(c, a, false)) return;
  const ca = classify(f.se[a]!, f.hi[a]!, f.lo[a]!);
  const cb = classify(f.se[b]!, f.hi[b]!, f.lo[b]!);
  const fl = ca === CLS.DENORMAL || cb === CLS.DENORMAL ? FSW.DE : 0;
  if ((fl & ~f.cw) !== 0) {
    signal(c, fl);
    return;
  }
  if (cb === CLS.INF) {
    const up = (f.se[b]! & SIGN) === 0;
    if ((up && ca === CLS.ZERO) || (!up && ca === CLS.INF)) {
      if (signal(c, FSW.IE | fl) === 0) setIndefinite(c, 0);
      return;
    }
    if (ca !== CLS.ZERO && ca !== CLS.INF) setReg80(f, a, (f.se[a]! & SIGN) | (up ? 0x7fff : 0), up ? JBIT : 0, 0);
    signal(c, fl);
    return;
  }
  if (ca === CLS.ZERO || ca === CLS.INF) {
    signal(c, fl);
    return;
  }
  const n = Math.max(-70000, Math.min(70000, Math.trunc(toDouble(f.se[b]!, f.hi[b]!, f.lo[b]!))));
  const exp = f.se[a]! & 0x7fff;
  if (ca === CLS.NORMAL && exp + n >= 1 && exp + n <= 0x7ffe) {
    f.se[a] = (f.se[a]! & SIGN) | (exp + n);
    setC1(c, false);
    signal(c, fl);
    return;
  }
  toScaled(f.se[a]!, f.hi[a]!, f.lo[a]!);
  storeScaled(c, a, S.frac, 0, S.exp + n, fl, true);
}

/** FXTRACT: ST(0) = the exponent (as a value), then the significand (exponent 0) pushed. */
function fxtract(c: Cpu): void {
  const f = c.fpu;
  if (f.empty[f.top] !== 0) {
    if (stackUnderflow(c)) {
      setIndefinite(c, 0);
      if (pushCheck(c)) push(c, INDEFINITE_SE, INDEFINITE_HI, 0);
    }
    return;
  }
  if (!pushCheck(c)) return;
  const p = f.top;
  const se = f.se[p]!;
  const hi = f.hi[p]!;
  const lo = f.lo[p]!;
  const cl = classify(se, hi, lo);
  if (cl === CLS.ZERO) {
    if (signal(c, FSW.ZE) !== 0) return;
    setReg80(f, p, SIGN | 0x7fff, JBIT, 0);
    push(c, se, 0, 0);
    return;
  }
  if (cl === CLS.INF) {
    setReg80(f, p, 0x7fff, JBIT, 0);
    push(c, se, hi, lo);
    return;
  }
  if (cl >= CLS.QNAN) {
    if (cl !== CLS.QNAN && signal(c, FSW.IE) !== 0) return;
    const qhi = cl === CLS.UNSUPPORTED ? INDEFINITE_HI : hi | 0x40000000;
    const qse = cl === CLS.UNSUPPORTED ? INDEFINITE_SE : se;
    const qlo = cl === CLS.UNSUPPORTED ? 0 : lo;
    setReg80(f, p, qse, qhi, qlo);
    push(c, qse, qhi, qlo);
    return;
  }
  const fl = cl === CLS.DENORMAL ? FSW.DE : 0;
  if (signal(c, fl) !== 0) return;
  normalize(se, hi, lo);
  const sig = N;
  const sHi = sig.hi;
  const sLo = sig.lo;
  fromInt32(sig.exp);
  setReg80(f, p, X.se, X.hi, X.lo);
  push(c, (se & SIGN) | 0x3fff, sHi, sLo);
  setC1(c, false);
}

/**
 * FPREM (truncating) / FPREM1 (IEEE, round to nearest): ST(0) = remainder of ST(0) / ST(1)
 * through doubles (53-bit significands: exact for operands that fit a double). Exponent
 * difference ≥ 64: a partial remainder with C2 = 1 (reduction by 2^(D−N), N = 32 + (D−64) mod 32,
 * as QEMU chooses N); else C2 = 0 and C0 C3 C1 = quotient bits 2 1 0.
 */
function fprem(c: Cpu, ieee: boolean): void {
  if (!needTwo(c, false, true)) return;
  const f = c.fpu;
  const a = f.top;
  const b = phys(f, 1);
  if (nanOperands(c, a, false)) return;
  const ca = classify(f.se[a]!, f.hi[a]!, f.lo[a]!);
  const cb = classify(f.se[b]!, f.hi[b]!, f.lo[b]!);
  if (ca === CLS.INF || cb === CLS.ZERO) {
    if (signal(c, FSW.IE) === 0) setIndefinite(c, 0);
    return;
  }
  const fl = ca === CLS.DENORMAL || cb === CLS.DENORMAL ? FSW.DE : 0;
  if ((fl & ~f.cw) !== 0) {
    signal(c, fl);
    return;
  }
  if (ca === CLS.ZERO || cb === CLS.INF) {
    setCC(c, 0);
    signal(c, fl);
    return;
  }
  toScaled(f.se[a]!, f.hi[a]!, f.lo[a]!);
  const fx = S.frac;
  const ex = S.exp;
  toScaled(f.se[b]!, f.hi[b]!, f.lo[b]!);
  const fy = Math.abs(S.frac);
  const ey = S.exp;
  const d = ex - ey;
  if (d < (ieee ? -1 : 0)) {
    setCC(c, 0);
    signal(c, fl);
    return;
  }
  let r: number;
  let q = 0;
  let partial = false;
  let rexp = ey;
  if (d >= 64) {
    const n = 32 + ((d - 64) % 32);
    r = (fx * 2 ** n) % fy;
    rexp = ey + (d - n);
    partial = true;
  } else {
    const xs = fx * 2 ** d;
    r = xs % fy;
    q = Math.round((xs % (8 * fy) - r) / fy) & 7;
    if (ieee) {
      const half = fy / 2;
      const mag = Math.abs(r);
      if (mag > half || (mag === half && (q & 1) !== 0)) {
        r = r - Math.sign(r) * fy;
        q = (q + 1) & 7;
      }
    }
  }
  if (r === 0) setReg80(f, a, f.se[a]! & SIGN, 0, 0);
  else storeScaled(c, a, r, 0, rexp, fl, true);
  // C2 = incomplete; C0 = q2, C3 = q1, C1 = q0.
  setCC(c, partial ? 0b0100 : (((q >> 2) & 1) | ((q & 1) << 1) | (((q >> 1) & 1) << 3)));
  signal(c, r === 0 ? fl : 0);
}

/** Handlers of this family, by `row.handler` name. */
export const X87_TRANSCENDENTAL_HANDLERS: Record<string, Handler> = {
  fsin: (c) => void unary(c, Math.sin, true),
  fcos: (c) => void unary(c, Math.cos, true),
  fptan,
  fsincos,
  f2xm1: (c) => void unary(c, (x) => Math.expm1(x * Math.LN2), false),
  fpatan: (c) => binary(c, (y, x) => Math.atan2(y, x), false),
  fyl2x: (c) => binary(c, (y, x) => (x < 0 ? Number.NaN : y * Math.log2(x)), true),
  fyl2xp1: (c) => binary(c, (y, x) => (x < -1 ? Number.NaN : (y * Math.log1p(x)) / Math.LN2), false),
  fscale,
  fxtract,
  fprem: (c) => fprem(c, false),
  fprem1: (c) => fprem(c, true),
};
