/** @file x87 numeric core: exception signalling and masking, #MF/FERR# reporting, stack push/pop and faults, arithmetic through doubles with rounding control, comparisons. */
import type { Cpu } from '../../cpu/cpu.ts';
import { CR0 } from '../../cpu/cpu.ts';
import { raise, VECTOR } from '../../cpu/fault.ts';
import { CLS, classify, INDEFINITE_HI, INDEFINITE_SE, JBIT, overflowResult, P, packScaled, S, SIGN, toScaled, X, denormalize } from './ext80.ts';
import { FCW, FPU_EXCEPTIONS, FSW, phys, RC, setReg80 } from './fpu-state.ts';

// ---- exceptions (SDM Vol.1 §8.4–8.7) -------------------------------------------------------------

/**
 * Records exception flags in the status word. An unmasked one sets ES and B: it is reported
 * before the next waiting x87 instruction (`checkPending`). Returns the unmasked flags.
 */
export function signal(c: Cpu, flags: number): number {
  const f = c.fpu;
  f.sw |= flags;
  const unmasked = flags & ~f.cw & FPU_EXCEPTIONS;
  if (unmasked !== 0) f.sw |= FSW.ES | FSW.B;
  return unmasked;
}

/** Recomputes ES/B after the control or status word was loaded (FLDCW, FLDENV, FRSTOR), and FERR# with it. */
export function updateSummary(c: Cpu): void {
  const f = c.fpu;
  if ((f.sw & ~f.cw & FPU_EXCEPTIONS) !== 0) f.sw |= FSW.ES | FSW.B;
  else f.sw &= ~(FSW.ES | FSW.B);
  if ((f.sw & FSW.ES) === 0) deassertFerr(c);
}

/** FERR# goes inactive when ES is cleared (FNCLEX, FNINIT, a load of a clean status word). */
export function deassertFerr(c: Cpu): void {
  if (c.fpu.ferr) {
    c.fpu.ferr = false;
    c.onFerr?.(false);
  }
}

/**
 * What a waiting x87 instruction (and WAIT/FWAIT) does first: with a pending unmasked exception
 * (ES), CR0.NE=1 raises #MF (a fault: the instruction has not run); CR0.NE=0 is the
 * PC-compatible report — FERR# is asserted (a board routes it to IRQ13) and the instruction
 * runs, as QEMU does (a real P6 would wait for the interrupt handler; see README).
 */
export function checkPending(c: Cpu): void {
  const f = c.fpu;
  if ((f.sw & FSW.ES) === 0) return;
  if ((c.cr0 & CR0.NE) !== 0) raise(c, VECTOR.MF, -1);
  if (!f.ferr) {
    f.ferr = true;
    c.onFerr?.(true);
  }
}

/** Sets C1 (and leaves C0 C2 C3). */
export function setC1(c: Cpu, on: boolean): void {
  c.fpu.sw = on ? c.fpu.sw | FSW.C1 : c.fpu.sw & ~FSW.C1;
}

/** Sets C3 C2 C1 C0 from a 4-bit value (bit 3 = C3, 2 = C2, 1 = C1, 0 = C0). */
export function setCC(c: Cpu, cc: number): void {
  const f = c.fpu;
  f.sw = (f.sw & ~(FSW.C0 | FSW.C1 | FSW.C2 | FSW.C3)) | ((cc & 1) << 8) | ((cc & 2) << 8) | ((cc & 4) << 8) | ((cc & 8) << 11);
}

/** True if the invalid-operation response is masked. */
export function imMasked(c: Cpu): boolean {
  return (c.fpu.cw & FCW.IM) !== 0;
}

/** The rounding control of the control word. */
export function rcOf(c: Cpu): number {
  return (c.fpu.cw >> 10) & 3;
}

// ---- the stack --------------------------------------------------------------------------------

/** Stack underflow (reading an empty register): IE and SF, C1=0. Returns true when masked (the caller uses the indefinite). */
export function stackUnderflow(c: Cpu): boolean {
  setC1(c, false);
  return signal(c, FSW.IE | FSW.SF) === 0;
}

/** True if ST(i) is empty. */
export function isEmpty(c: Cpu, i: number): boolean {
  return c.fpu.empty[phys(c.fpu, i)] !== 0;
}

/**
 * Checks that a push is possible: ST(7) empty. On overflow (IE, SF, C1=1) returns false when
 * unmasked (nothing happens), true when masked (the push stores the indefinite: `X` is set to it
 * and `pushOverflowed` is true).
 */
export let pushOverflowed = false;
export function pushCheck(c: Cpu): boolean {
  pushOverflowed = false;
  if (c.fpu.empty[phys(c.fpu, 7)] !== 0) return true;
  setC1(c, true);
  if (signal(c, FSW.IE | FSW.SF) !== 0) return false;
  pushOverflowed = true;
  return true;
}

/** Pushes an 80-bit value (TOP − 1; ST(0) = value). The caller checked `pushCheck`. */
export function push(c: Cpu, se: number, hi: number, lo: number): void {
  const f = c.fpu;
  f.top = (f.top - 1) & 7;
  if (pushOverflowed) setReg80(f, f.top, INDEFINITE_SE, INDEFINITE_HI, 0);
  else setReg80(f, f.top, se, hi, lo);
}

/** Pops: ST(0) tagged empty, TOP + 1. */
export function pop(c: Cpu): void {
  const f = c.fpu;
  f.empty[f.top] = 1;
  f.top = (f.top + 1) & 7;
}

/** Writes the indefinite into ST(i). */
export function setIndefinite(c: Cpu, i: number): void {
  setReg80(c.fpu, phys(c.fpu, i), INDEFINITE_SE, INDEFINITE_HI, 0);
}

// ---- double-based arithmetic --------------------------------------------------------------------

/** Arithmetic operations of `arith`. */
export const OP = { ADD: 0, SUB: 1, MUL: 2, DIV: 3 } as const;

const SPLIT = 134217729; // 2^27 + 1 (Veltkamp split)

/** The rounding error of a × b (exact: a × b = p + error), Dekker's two-product without FMA. */
function twoProdErr(a: number, b: number, p: number): number {
  let t = SPLIT * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLIT * b;
  const bh = t - (t - b);
  const bl = b - bh;
  return ((ah * bh - p + ah * bl + al * bh) + al * bl);
}

const dv = new DataView(new ArrayBuffer(8));

/** The next representable value of `v` (24- or 53-bit precision) one ulp away from (dir > 0) or toward (dir < 0) zero. */
function stepUlp(v: number, dir: number, bits: number): number {
  if (bits === 24) {
    dv.setFloat32(0, v);
    dv.setUint32(0, dv.getUint32(0) + dir);
    return dv.getFloat32(0);
  }
  dv.setFloat64(0, v);
  let lo = dv.getUint32(4) + dir;
  let hi = dv.getUint32(0);
  if (lo > 0xffffffff) {
    lo = 0;
    hi += 1;
  } else if (lo < 0) {
    lo = 0xffffffff;
    hi -= 1;
  }
  dv.setUint32(0, hi);
  dv.setUint32(4, lo);
  return dv.getFloat64(0);
}

/** `roundResult` output: the rounded value, whether it is inexact, whether its magnitude went up (C1). */
const R = { v: 0, inexact: false, up: false };

/**
 * Rounds r + err (r the double nearest the exact result, err the exact remainder's sign and
 * size) to `bits` (24 or 53) with rounding control `rc`.
 */
function roundResult(r: number, err: number, bits: number, rc: number): void {
  let v = r;
  let e = err;
  if (bits === 24) {
    v = Math.fround(r);
    e = r - v + err;
  }
  if (e !== 0 && rc !== RC.NEAREST) {
    const pos = v > 0;
    let dir = 0;
    if (rc === RC.UP) {
      if (e > 0) dir = pos ? 1 : -1;
    } else if (rc === RC.DOWN) {
      if (e < 0) dir = pos ? -1 : 1;
    } else if (pos ? e < 0 : e > 0) dir = -1;
    if (dir !== 0) v = stepUlp(v, dir, bits);
  }
  R.v = v;
  R.inexact = e !== 0;
  const diff = v - r - err;
  R.up = e !== 0 && (v > 0 ? diff > 0 : diff < 0);
}

/** Significand precision the precision-control field asks for: 24, 53, and 53 for extended (the documented difference). */
function precisionBits(c: Cpu): number {
  return (c.fpu.cw & FCW.PC) === 0 ? 24 : 53;
}

/**
 * Writes P (a rounded result with an unbounded exponent) to physical register `dst`, handling
 * overflow and underflow by the masks (SDM Vol.1 §4.9.1.4–4.9.1.5: masked → infinity/largest
 * finite or a denormal; unmasked → the exponent biased by ∓24576). Signals `flags`. Always stores.
 */
function finish(c: Cpu, dst: number, inexact: boolean, up: boolean, flags: number): void {
  const f = c.fpu;
  let fl = flags | (inexact ? FSW.PE : 0);
  let c1 = up;
  const rc = rcOf(c);
  if (P.biased >= 0x7fff) {
    fl |= FSW.OE;
    if ((f.cw & FCW.OM) !== 0) {
      overflowResult(P.neg, rc);
      setReg80(f, dst, X.se, X.hi, X.lo);
      fl |= FSW.PE;
      c1 = X.up;
    } else setReg80(f, dst, (P.neg ? SIGN : 0) | ((P.biased - 24576) & 0x7fff), P.hi, P.lo);
  } else if (P.biased <= 0) {
    if ((f.cw & FCW.UM) !== 0) {
      denormalize(rc);
      setReg80(f, dst, X.se, X.hi, X.lo);
      if (inexact || X.flags !== 0) {
        fl |= FSW.UE | FSW.PE;
        c1 = X.up;
      }
    } else {
      fl |= FSW.UE;
      setReg80(f, dst, (P.neg ? SIGN : 0) | ((P.biased + 24576) & 0x7fff), P.hi, P.lo);
    }
  } else setReg80(f, dst, (P.neg ? SIGN : 0) | P.biased, P.hi, P.lo);
  setC1(c, c1);
  signal(c, fl);
}

/**
 * Stores frac × 2^e rounded with the remainder `err` into `dst`: `bits` precision, the control
 * word's rounding, then range handling (`finish`). `full` ignores precision control (it applies
 * only to FADD FSUB FMUL FDIV FSQRT).
 */
export function storeScaled(c: Cpu, dst: number, frac: number, err: number, e: number, flags: number, full: boolean): void {
  roundResult(frac, err, full ? 53 : precisionBits(c), rcOf(c));
  packScaled(R.v, e);
  finish(c, dst, R.inexact, R.up, flags);
}

/** Writes a double result (transcendental functions): exact conversion, PE when `inexact`. */
export function storeDouble(c: Cpu, dst: number, d: number, inexact: boolean, flags: number): void {
  if (d === 0 || !Number.isFinite(d)) {
    const neg = d < 0 || Object.is(d, -0);
    if (Number.isNaN(d)) setReg80(c.fpu, dst, INDEFINITE_SE, INDEFINITE_HI, 0);
    else setReg80(c.fpu, dst, (neg ? SIGN : 0) | (d === 0 ? 0 : 0x7fff), d === 0 ? 0 : JBIT, 0);
    setC1(c, false);
    signal(c, flags | (inexact ? FSW.PE : 0));
    return;
  }
  packScaled(d, 0);
  finish(c, dst, inexact, false, flags);
}

/** The NaN result of an operation with NaN operands (SDM Vol.1 Table 4-7, x87 column): into X, quieted. */
function nanResult(xSe: number, xHi: number, xLo: number, cx: number, ySe: number, yHi: number, yLo: number, cy: number): void {
  const xNan = cx === CLS.QNAN || cx === CLS.SNAN;
  const yNan = cy === CLS.QNAN || cy === CLS.SNAN;
  let pickX: boolean;
  if (xNan && yNan) {
    if (cx !== cy) pickX = cx === CLS.QNAN;
    else {
      const xh = (xHi & 0x3fffffff) >>> 0;
      const yh = (yHi & 0x3fffffff) >>> 0;
      if (xh !== yh) pickX = xh > yh;
      else if (xLo >>> 0 !== yLo >>> 0) pickX = xLo >>> 0 > yLo >>> 0;
      else pickX = (xSe & SIGN) === 0 || (ySe & SIGN) !== 0;
    }
  } else pickX = xNan;
  X.se = pickX ? xSe : ySe;
  X.hi = (pickX ? xHi : yHi) | 0x40000000;
  X.lo = pickX ? xLo : yLo;
}

/** Stores X into dst if no unmasked exception among IE/DE/ZE is in `fl`; signals `fl`. Returns whether it stored. */
function commitX(c: Cpu, dst: number, fl: number): boolean {
  const f = c.fpu;
  if ((fl & ~f.cw & (FSW.IE | FSW.DE | FSW.ZE)) !== 0) {
    signal(c, fl);
    return false;
  }
  setReg80(f, dst, X.se, X.hi, X.lo);
  setC1(c, false);
  signal(c, fl);
  return true;
}

/** The masked invalid-operation result (the indefinite) into dst. */
function invalidTo(c: Cpu, dst: number, fl: number): boolean {
  setX(INDEFINITE_SE, INDEFINITE_HI, 0);
  return commitX(c, dst, fl | FSW.IE);
}

function setX(se: number, hi: number, lo: number): void {
  X.se = se;
  X.hi = hi;
  X.lo = lo;
}

/**
 * x op y (ADD, SUB, MUL, DIV) into physical register `dst` (SDM Vol.1 §4.8.3, §8.5): NaNs,
 * invalid operations, zero divide, infinities and zeros exactly; finite operands through
 * doubles (53-bit significands, extended exponent range kept apart) with rounding control.
 * `flags` are exceptions the operand load already raised (DE, IE). Returns false when an
 * unmasked IE/DE/ZE withheld the result (then the caller must not pop).
 */
export function arith(c: Cpu, op: number, xSe: number, xHi: number, xLo: number, ySe0: number, yHi: number, yLo: number, dst: number, flags: number): boolean {
  const cx = classify(xSe, xHi, xLo);
  const cy = classify(ySe0, yHi, yLo);
  let fl = flags;
  if (cx === CLS.UNSUPPORTED || cy === CLS.UNSUPPORTED) {
    setX(INDEFINITE_SE, INDEFINITE_HI, 0);
    return commitX(c, dst, fl | FSW.IE);
  }
  if (cx >= CLS.QNAN || cy >= CLS.QNAN) {
    if (cx === CLS.SNAN || cy === CLS.SNAN) fl |= FSW.IE;
    nanResult(xSe, xHi, xLo, cx, ySe0, yHi, yLo, cy);
    return commitX(c, dst, fl);
  }
  if (cx === CLS.DENORMAL || cy === CLS.DENORMAL) fl |= FSW.DE;
  const ySe = op === OP.SUB ? ySe0 ^ SIGN : ySe0;
  const xs = xSe & SIGN;
  const ys = ySe & SIGN;
  const xInf = cx === CLS.INF;
  const yInf = cy === CLS.INF;
  const xZero = cx === CLS.ZERO;
  const yZero = cy === CLS.ZERO;
  if (op === OP.ADD || op === OP.SUB) {
    if (xInf && yInf) return xs !== ys ? invalidTo(c, dst, fl) : (setX(xSe, xHi, xLo), commitX(c, dst, fl));
    if (xInf) return setX(xSe, xHi, xLo), commitX(c, dst, fl);
    if (yInf) return setX(ySe, yHi, yLo), commitX(c, dst, fl);
    if (xZero && yZero) {
      const s = xs === ys ? xs : rcOf(c) === RC.DOWN ? SIGN : 0;
      return setX(s, 0, 0), commitX(c, dst, fl);
    }
    if (yZero) return setX(xSe, xHi, xLo), commitX(c, dst, fl);
    if (xZero) return setX(ySe, yHi, yLo), commitX(c, dst, fl);
  } else if (op === OP.MUL) {
    const s = xs ^ ys;
    if ((xInf && yZero) || (xZero && yInf)) return invalidTo(c, dst, fl);
    if (xInf || yInf) return setX(s | 0x7fff, JBIT, 0), commitX(c, dst, fl);
    if (xZero || yZero) return setX(s, 0, 0), commitX(c, dst, fl);
  } else {
    const s = xs ^ ys;
    if ((xZero && yZero) || (xInf && yInf)) return invalidTo(c, dst, fl);
    if (xInf) return setX(s | 0x7fff, JBIT, 0), commitX(c, dst, fl);
    if (yInf) return setX(s, 0, 0), commitX(c, dst, fl);
    if (yZero) return setX(s | 0x7fff, JBIT, 0), commitX(c, dst, fl | FSW.ZE);
    if (xZero) return setX(s, 0, 0), commitX(c, dst, fl);
  }
  if ((fl & ~c.fpu.cw & FSW.DE) !== 0) {
    signal(c, fl);
    return false;
  }
  // Finite nonzero operands.
  toScaled(xSe, xHi, xLo);
  const fx = S.frac;
  const ex = S.exp;
  toScaled(ySe, yHi, yLo);
  let fy = S.frac;
  const ey = S.exp;
  let r: number;
  let err: number;
  let e: number;
  if (op === OP.ADD || op === OP.SUB) {
    let a = fx;
    e = ex;
    if (ey > ex) {
      a = fy;
      fy = fx;
      e = ey;
    }
    const d = Math.abs(ex - ey);
    const b = d > 120 ? (fy < 0 ? -(2 ** -130) : 2 ** -130) : fy * 2 ** -d;
    r = a + b;
    const bb = r - a;
    err = a - (r - bb) + (b - bb);
    if (r === 0 && err === 0) {
      setX(rcOf(c) === RC.DOWN ? SIGN : 0, 0, 0);
      return commitX(c, dst, fl);
    }
  } else if (op === OP.MUL) {
    r = fx * fy;
    err = twoProdErr(fx, fy, r);
    e = ex + ey;
  } else {
    r = fx / fy;
    const p = r * fy;
    const pe = twoProdErr(r, fy, p);
    err = (fx - p - pe) / fy;
    e = ex - ey;
  }
  storeScaled(c, dst, r, err, e, fl, false);
  return true;
}

/** FSQRT of ST(0) in place (invalid for negatives other than −0). Returns false if an unmasked exception withheld the result. */
export function sqrt(c: Cpu, dst: number, se: number, hi: number, lo: number): boolean {
  const cl = classify(se, hi, lo);
  if (cl === CLS.UNSUPPORTED || (cl !== CLS.ZERO && cl < CLS.QNAN && (se & SIGN) !== 0)) {
    setX(INDEFINITE_SE, INDEFINITE_HI, 0);
    return commitX(c, dst, FSW.IE);
  }
  if (cl >= CLS.QNAN) {
    nanResult(se, hi, lo, cl, se, hi, lo, cl);
    return commitX(c, dst, cl === CLS.SNAN ? FSW.IE : 0);
  }
  if (cl === CLS.ZERO || cl === CLS.INF) return setX(se, hi, lo), commitX(c, dst, 0);
  const fl = cl === CLS.DENORMAL ? FSW.DE : 0;
  if ((fl & ~c.fpu.cw) !== 0) {
    signal(c, fl);
    return false;
  }
  toScaled(se, hi, lo);
  let m = S.frac;
  let e = S.exp;
  if ((e & 1) !== 0) {
    m *= 2;
    e -= 1;
  }
  const r = Math.sqrt(m);
  const p = r * r;
  const pe = twoProdErr(r, r, p);
  const err = (m - p - pe) / (2 * r);
  storeScaled(c, dst, r, err, e / 2, fl, false);
  return true;
}

// ---- comparisons ------------------------------------------------------------------------------

/** Comparison outcomes as C3 C2 C0 (SDM FCOM): greater 000, less 001, equal 100, unordered 111. */
export const CMP = { GT: 0, LT: 1, EQ: 4 | 0, UN: 7 } as const;

function magnitudeCompare(xSe: number, xHi: number, xLo: number, ySe: number, yHi: number, yLo: number): number {
  const xe = xSe & 0x7fff;
  const ye = ySe & 0x7fff;
  if (xe !== ye) return xe > ye ? 1 : -1;
  const xh = xHi >>> 0;
  const yh = yHi >>> 0;
  if (xh !== yh) return xh > yh ? 1 : -1;
  const xl = xLo >>> 0;
  const yl = yLo >>> 0;
  return xl === yl ? 0 : xl > yl ? 1 : -1;
}

/**
 * Compares x with y exactly on the 80-bit values. `quiet` (FUCOM*): only SNaNs and unsupported
 * values are invalid; else any NaN is. Returns the C3C2C0 pattern as 4·C3 + 2·C2 + C0 packed
 * as `CMP`, or −1 when an unmasked IE/DE suppressed the result. Signals the flags.
 */
export function compare(c: Cpu, xSe: number, xHi: number, xLo: number, ySe: number, yHi: number, yLo: number, quiet: boolean, flags: number): number {
  const cx = classify(xSe, xHi, xLo);
  const cy = classify(ySe, yHi, yLo);
  let fl = flags;
  let res: number;
  if (cx >= CLS.QNAN || cy >= CLS.QNAN) {
    if (!quiet || cx === CLS.SNAN || cy === CLS.SNAN || cx === CLS.UNSUPPORTED || cy === CLS.UNSUPPORTED) fl |= FSW.IE;
    res = CMP.UN;
  } else {
    if (cx === CLS.DENORMAL || cy === CLS.DENORMAL) fl |= FSW.DE;
    const xz = cx === CLS.ZERO;
    const yz = cy === CLS.ZERO;
    const xn = (xSe & SIGN) !== 0;
    const yn = (ySe & SIGN) !== 0;
    if (xz && yz) res = CMP.EQ;
    else if (xz) res = yn ? CMP.GT : CMP.LT;
    else if (yz) res = xn ? CMP.LT : CMP.GT;
    else if (xn !== yn) res = xn ? CMP.LT : CMP.GT;
    else {
      const m = magnitudeCompare(xSe, xHi, xLo, ySe, yHi, yLo);
      res = m === 0 ? CMP.EQ : m > 0 !== xn ? CMP.GT : CMP.LT;
    }
  }
  const unmasked = fl & ~c.fpu.cw & (FSW.IE | FSW.DE);
  signal(c, fl);
  return unmasked !== 0 ? -1 : res;
}

/** C3 C2 C1 C0 from a `CMP` result with C1 = 0 (`setCC` layout: C3 bit 3, C2 bit 2, C0 bit 0). */
export function ccOfCompare(res: number): number {
  return ((res & 4) << 1) | ((res & 2) << 1) | (res & 1);
}
