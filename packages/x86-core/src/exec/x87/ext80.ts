/** @file The 80-bit double extended-precision format (SDM Vol.1 §4.2.2, §8.2): classes, exact conversions to and from every memory format, integer and BCD conversions with rounding control. */
import { RC } from './fpu-state.ts';

/** Operand classes (SDM Vol.1 §8.2.2: unsupported encodings are pseudo-NaNs, pseudo-infinities and unnormals). */
export const CLS = { ZERO: 0, NORMAL: 1, DENORMAL: 2, INF: 3, QNAN: 4, SNAN: 5, UNSUPPORTED: 6 } as const;

/** Sign bit of the sign/exponent half-word. */
export const SIGN = 0x8000;
/** Exponent bias of the 80-bit format. */
export const BIAS = 16383;
/** The integer bit (bit 63 of the significand, bit 31 of `hi`). */
export const JBIT = 0x80000000 | 0;
/** The QNaN floating-point indefinite (SDM Vol.1 Table 4-3): sign 1, exponent all ones, significand C000…0. */
export const INDEFINITE_SE = 0xffff;
export const INDEFINITE_HI = 0xc0000000 | 0;

/** The class of an 80-bit value. */
export function classify(se: number, hi: number, lo: number): number {
  const exp = se & 0x7fff;
  if (exp === 0) return hi === 0 && lo === 0 ? CLS.ZERO : CLS.DENORMAL;
  if (hi >= 0) return CLS.UNSUPPORTED; // integer bit clear: unnormal, pseudo-NaN, pseudo-infinity
  if (exp === 0x7fff) {
    if ((hi & 0x7fffffff) === 0 && lo === 0) return CLS.INF;
    return (hi & 0x40000000) !== 0 ? CLS.QNAN : CLS.SNAN;
  }
  return CLS.NORMAL;
}

/**
 * Conversion results (module scratch, so conversions never allocate): an 80-bit value
 * (`se`/`hi`/`lo`), a 64-bit integer (`hi`/`lo`), or the x87 flags a conversion raised
 * (`flags`: FSW exception bits) with whether its rounding went away from zero (`up`: C1).
 */
export const X = { se: 0, hi: 0, lo: 0, flags: 0, up: false };

const FSW_IE = 0x1;
const FSW_DE = 0x2;
const FSW_OE = 0x8;
const FSW_UE = 0x10;
const FSW_PE = 0x20;

// ---- rounding a 64-bit significand ------------------------------------------------------------

/** `shrRound` output: the rounded quotient (unsigned halves), and whether it was inexact / incremented. */
const Q = { hi: 0, lo: 0, inexact: false, inc: false };

/** Rounds the 64-bit magnitude hi:lo shifted right by `s` bits to an integer with rounding control `rc` (`neg`: sign of the value). */
function shrRound(hi: number, lo: number, s: number, rc: number, neg: boolean): void {
  const h = hi >>> 0;
  const l = lo >>> 0;
  let qh = 0;
  let ql = 0;
  let round = 0;
  let sticky = false;
  if (s <= 0) {
    qh = h;
    ql = l;
  } else if (s < 32) {
    ql = ((l >>> s) | (h << (32 - s))) >>> 0;
    qh = h >>> s;
    round = (l >>> (s - 1)) & 1;
    sticky = (l & ((1 << (s - 1)) - 1)) !== 0;
  } else if (s === 32) {
    ql = h;
    round = l >>> 31;
    sticky = (l & 0x7fffffff) !== 0;
  } else if (s < 64) {
    const t = s - 32;
    ql = h >>> t;
    round = (h >>> (t - 1)) & 1;
    sticky = (h & ((1 << (t - 1)) - 1)) !== 0 || l !== 0;
  } else if (s === 64) {
    round = h >>> 31;
    sticky = (h & 0x7fffffff) !== 0 || l !== 0;
  } else sticky = h !== 0 || l !== 0;
  const inexact = round !== 0 || sticky;
  let inc = false;
  if (inexact) {
    if (rc === RC.NEAREST) inc = round !== 0 && (sticky || (ql & 1) !== 0);
    else if (rc === RC.UP) inc = !neg;
    else if (rc === RC.DOWN) inc = neg;
  }
  if (inc) {
    ql += 1;
    if (ql > 0xffffffff) {
      ql = 0;
      qh += 1;
    }
  }
  Q.hi = qh;
  Q.lo = ql;
  Q.inexact = inexact;
  Q.inc = inc;
}

/** Normalizes a nonzero significand (shifts until the integer bit is set): sets N.hi/N.lo and N.exp (unbiased). */
export const N = { hi: 0, lo: 0, exp: 0 };
export function normalize(se: number, hi: number, lo: number): void {
  let e = (se & 0x7fff) === 0 ? 1 - BIAS : (se & 0x7fff) - BIAS;
  let h = hi >>> 0;
  let l = lo >>> 0;
  if (h === 0) {
    h = l;
    l = 0;
    e -= 32;
  }
  const z = Math.clz32(h);
  if (z > 0) {
    h = ((h << z) | (l >>> (32 - z))) >>> 0;
    l = (l << z) >>> 0;
    e -= z;
  }
  N.hi = h | 0;
  N.lo = l | 0;
  N.exp = e;
}

// ---- memory floating-point formats --------------------------------------------------------------

/** Loads a single-precision bit pattern exactly into X (X.flags: DE for a denormal, IE for an SNaN, which is quieted). */
export function fromFloat32(bits: number): void {
  const neg = bits < 0;
  const exp = (bits >>> 23) & 0xff;
  const frac = bits & 0x7fffff;
  X.flags = 0;
  X.up = false;
  const s = neg ? SIGN : 0;
  if (exp === 0xff) {
    X.se = s | 0x7fff;
    X.hi = JBIT | (frac << 8);
    X.lo = 0;
    if (frac !== 0 && (frac & 0x400000) === 0) {
      X.flags = FSW_IE;
      X.hi |= 0x40000000;
    }
    return;
  }
  if (exp === 0) {
    if (frac === 0) {
      X.se = s;
      X.hi = 0;
      X.lo = 0;
      return;
    }
    X.flags = FSW_DE;
    const z = Math.clz32(frac) - 8; // frac has 23 bits: leading zeros within the 24-bit field
    X.hi = (frac << (8 + z)) | 0;
    X.lo = 0;
    X.se = s | (BIAS - 126 - z);
    return;
  }
  X.se = s | (exp - 127 + BIAS);
  X.hi = JBIT | (frac << 8);
  X.lo = 0;
}

/** Loads a double-precision bit pattern (hi:lo dwords) exactly into X (DE for a denormal, IE for an SNaN, quieted). */
export function fromFloat64(hi: number, lo: number): void {
  const neg = hi < 0;
  const exp = (hi >>> 20) & 0x7ff;
  const fh = hi & 0xfffff;
  const s = neg ? SIGN : 0;
  X.flags = 0;
  X.up = false;
  // Significand bits 51..0 placed under the integer bit: hi gets bits 51..21, lo bits 20..0 (shifted by 11).
  const mh = (fh << 11) | (lo >>> 21);
  const ml = lo << 11;
  if (exp === 0x7ff) {
    X.se = s | 0x7fff;
    X.hi = JBIT | mh;
    X.lo = ml;
    if ((fh | lo) !== 0 && (fh & 0x80000) === 0) {
      X.flags = FSW_IE;
      X.hi |= 0x40000000;
    }
    return;
  }
  if (exp === 0) {
    if (fh === 0 && lo === 0) {
      X.se = s;
      X.hi = 0;
      X.lo = 0;
      return;
    }
    X.flags = FSW_DE;
    normalize(1 - 1023 + BIAS, mh, ml); // value = 0.f × 2^-1022: as an 80-bit number with exponent -1022 and integer bit 0
    X.se = s | (N.exp + BIAS);
    X.hi = N.hi;
    X.lo = N.lo;
    return;
  }
  X.se = s | (exp - 1023 + BIAS);
  X.hi = JBIT | mh;
  X.lo = ml;
}

/** The largest finite or the infinity a masked overflow gives under `rc` (SDM Vol.1 Table 4-10). */
function overflowToInf(rc: number, neg: boolean): boolean {
  return rc === RC.NEAREST || (rc === RC.UP && !neg) || (rc === RC.DOWN && neg);
}

/**
 * Rounds the finite nonzero 80-bit value to a binary format with `p` significand bits and
 * normal exponents from `emin`, with rounding control `rc`. Sets X.hi/X.lo to the format's
 * bit pattern (single: X.lo only), X.flags (PE, UE when tiny and inexact, OE) and X.up.
 * `masked` is the control word's mask bits: with OE or UE unmasked nothing is stored
 * (the caller checks X.flags).
 */
function toBinary(se: number, hi: number, lo: number, rc: number, p: number, emin: number, emax: number, single: boolean): void {
  const neg = (se & SIGN) !== 0;
  normalize(se, hi, lo);
  const e = N.exp;
  const tiny = e < emin;
  const s = 64 - p + (tiny ? Math.min(emin - e, 200) : 0);
  shrRound(N.hi, N.lo, s, rc, neg);
  X.flags = Q.inexact ? FSW_PE : 0;
  if (tiny && Q.inexact) X.flags |= FSW_UE;
  X.up = Q.inc;
  const field = tiny ? 0 : e - emin; // (e + bias - 1), the implicit bit of q adds the last 1
  const mantBits = p - 1;
  // bits = field × 2^mantBits + q
  if (single) {
    const v = field * 0x800000 + Q.lo;
    if (v >= 0xff * 0x800000 || e > emax) {
      X.flags |= FSW_OE | FSW_PE;
      X.up = overflowToInf(rc, neg);
      X.lo = (neg ? 0x80000000 : 0) | (X.up ? 0x7f800000 : 0x7f7fffff);
      X.hi = 0;
      return;
    }
    X.lo = (neg ? 0x80000000 : 0) | v;
    X.hi = 0;
    return;
  }
  const vh = field * (1 << (mantBits - 32)) + Q.hi;
  if (vh >= 0x7ff * 0x100000 || e > emax) {
    X.flags |= FSW_OE | FSW_PE;
    X.up = overflowToInf(rc, neg);
    X.hi = (neg ? 0x80000000 : 0) | (X.up ? 0x7ff00000 : 0x7fefffff);
    X.lo = X.up ? 0 : -1;
    return;
  }
  X.hi = (neg ? 0x80000000 : 0) | vh;
  X.lo = Q.lo | 0;
}

/**
 * The single-precision bit pattern of an 80-bit value (into X.lo), rounded with `rc`; X.flags
 * gets IE (SNaN, unsupported), PE, UE, OE. NaNs keep their top 23 significand bits (quieted).
 */
export function toFloat32(se: number, hi: number, lo: number, rc: number): void {
  const c = classify(se, hi, lo);
  const s = (se & SIGN) !== 0 ? 0x80000000 : 0;
  X.hi = 0;
  X.flags = 0;
  X.up = false;
  switch (c) {
    case CLS.ZERO:
      X.lo = s | 0;
      return;
    case CLS.INF:
      X.lo = s | 0x7f800000;
      return;
    case CLS.QNAN:
    case CLS.SNAN:
      X.lo = s | 0x7fc00000 | ((hi >>> 8) & 0x3fffff);
      if (c === CLS.SNAN) X.flags = FSW_IE;
      return;
    case CLS.UNSUPPORTED:
      X.lo = 0xffc00000 | 0;
      X.flags = FSW_IE;
      return;
    default:
      if (c === CLS.DENORMAL) X.flags = FSW_DE;
      {
        const de = X.flags;
        toBinary(se, hi, lo, rc, 24, -126, 127, true);
        X.flags |= de;
        X.lo |= 0;
      }
  }
}

/** The double-precision bit pattern (X.hi:X.lo) of an 80-bit value, rounded with `rc` (flags as `toFloat32`). */
export function toFloat64(se: number, hi: number, lo: number, rc: number): void {
  const c = classify(se, hi, lo);
  const s = (se & SIGN) !== 0 ? 0x80000000 : 0;
  X.flags = 0;
  X.up = false;
  switch (c) {
    case CLS.ZERO:
      X.hi = s | 0;
      X.lo = 0;
      return;
    case CLS.INF:
      X.hi = s | 0x7ff00000;
      X.lo = 0;
      return;
    case CLS.QNAN:
    case CLS.SNAN:
      X.hi = s | 0x7ff80000 | ((hi >>> 11) & 0x7ffff);
      X.lo = (hi << 21) | (lo >>> 11);
      if (c === CLS.SNAN) X.flags = FSW_IE;
      return;
    case CLS.UNSUPPORTED:
      X.hi = 0xfff80000 | 0;
      X.lo = 0;
      X.flags = FSW_IE;
      return;
    default: {
      const de = c === CLS.DENORMAL ? FSW_DE : 0;
      toBinary(se, hi, lo, rc, 53, -1022, 1023, false);
      X.flags |= de;
      X.hi |= 0;
    }
  }
}

// ---- integers ---------------------------------------------------------------------------------

/** Loads a signed 64-bit integer (hi:lo) exactly into X as an 80-bit value. */
export function fromInt64(hi: number, lo: number): void {
  const neg = hi < 0;
  let h = hi >>> 0;
  let l = lo >>> 0;
  if (neg) {
    // two's complement magnitude
    l = (~l + 1) >>> 0;
    h = (~h + (l === 0 ? 1 : 0)) >>> 0;
  }
  fromMagnitude(neg, h, l);
}

/** Loads an unsigned 64-bit magnitude with a sign exactly into X. */
export function fromMagnitude(neg: boolean, h: number, l: number): void {
  X.flags = 0;
  X.up = false;
  const s = neg ? SIGN : 0;
  if (h === 0 && l === 0) {
    X.se = s;
    X.hi = 0;
    X.lo = 0;
    return;
  }
  normalize(BIAS + 63, h, l);
  X.se = s | (N.exp + BIAS);
  X.hi = N.hi;
  X.lo = N.lo;
}

/** Loads a signed 32-bit integer exactly into X. */
export function fromInt32(v: number): void {
  fromInt64(v < 0 ? -1 : 0, v);
}

/**
 * Rounds an 80-bit value to a signed integer of `size` bytes (2, 4, 8) with `rc`. Returns
 * false (X.flags = IE) for a NaN, infinity, unsupported value or one out of range; else
 * X.hi:X.lo is the two's-complement result (sign-extended), X.flags PE when inexact, X.up.
 */
export function toInt(se: number, hi: number, lo: number, rc: number, size: number): boolean {
  const c = classify(se, hi, lo);
  X.flags = 0;
  X.up = false;
  X.hi = 0;
  X.lo = 0;
  if (c === CLS.ZERO) return true;
  if (c !== CLS.NORMAL && c !== CLS.DENORMAL) {
    X.flags = FSW_IE;
    return false;
  }
  const neg = (se & SIGN) !== 0;
  normalize(se, hi, lo);
  if (N.exp > 63) {
    X.flags = FSW_IE;
    return false;
  }
  shrRound(N.hi, N.lo, Math.min(63 - N.exp, 200), rc, neg);
  const qh = Q.hi;
  const ql = Q.lo;
  let ok: boolean;
  if (size === 8) ok = qh < 0x80000000 || (neg && qh === 0x80000000 && ql === 0);
  else if (qh !== 0) ok = false;
  else if (size === 4) ok = ql < 0x80000000 || (neg && ql === 0x80000000);
  else ok = ql < 0x8000 || (neg && ql === 0x8000);
  if (!ok) {
    X.flags = FSW_IE;
    return false;
  }
  let h = qh;
  let l = ql;
  if (neg) {
    l = (~l + 1) >>> 0;
    h = (~h + (l === 0 ? 1 : 0)) >>> 0;
  }
  X.hi = h | 0;
  X.lo = l | 0;
  X.flags = Q.inexact ? FSW_PE : 0;
  X.up = Q.inc;
  return true;
}

/**
 * Rounds an 80-bit value to an integer-valued 80-bit value with `rc` (FRNDINT): X gets the
 * result, X.flags PE when inexact, X.up. NaN, infinity, zero: the caller handles them.
 */
export function roundToIntegral(se: number, hi: number, lo: number, rc: number): void {
  const neg = (se & SIGN) !== 0;
  X.flags = 0;
  X.up = false;
  normalize(se, hi, lo);
  if (N.exp >= 63) {
    X.se = se;
    X.hi = hi;
    X.lo = lo;
    return;
  }
  shrRound(N.hi, N.lo, Math.min(63 - N.exp, 200), rc, neg);
  const inexact = Q.inexact;
  const inc = Q.inc;
  fromMagnitude(neg, Q.hi, Q.lo);
  X.flags = inexact ? FSW_PE : 0;
  X.up = inc;
}

// ---- packed BCD -------------------------------------------------------------------------------

/** The 18 BCD digits of bytes b[0..8] (two per byte, low digit first) and the sign in b[9] bit 7, exactly into X. */
export function fromBcd(b: Uint8Array): void {
  let h = 0;
  let l = 0;
  for (let k = 8; k >= 0; k--) {
    const byte = b[k]!;
    for (let n = 1; n >= 0; n--) {
      const t = l * 10 + ((byte >> (4 * n)) & 0xf);
      l = t % 0x100000000;
      h = h * 10 + Math.floor(t / 0x100000000);
    }
  }
  fromMagnitude((b[9]! & 0x80) !== 0, h >>> 0, l >>> 0);
}

/**
 * Converts an 80-bit value to packed BCD in b[0..9] with `rc`. Returns false (X.flags = IE)
 * for a NaN, infinity or a value whose rounded magnitude exceeds 18 digits; else X.flags PE when inexact.
 */
export function toBcd(se: number, hi: number, lo: number, rc: number, b: Uint8Array): boolean {
  if (!toInt(se, hi, lo, rc, 8)) return false;
  const neg = (se & SIGN) !== 0;
  let h = X.hi >>> 0;
  let l = X.lo >>> 0;
  if (neg) {
    l = (~l + 1) >>> 0;
    h = (~h + (l === 0 ? 1 : 0)) >>> 0;
  }
  // 10^18 = 0DE0B6B3_A7640000h
  if (h > 0x0de0b6b3 || (h === 0x0de0b6b3 && l >= 0xa7640000)) {
    X.flags = FSW_IE;
    return false;
  }
  for (let k = 0; k < 9; k++) {
    let byte = 0;
    for (let n = 0; n < 2; n++) {
      const r = h % 10;
      h = Math.floor(h / 10);
      const t = r * 0x100000000 + l;
      l = Math.floor(t / 10);
      byte |= (t % 10) << (4 * n);
    }
    b[k] = byte;
  }
  b[9] = neg ? 0x80 : 0;
  return true;
}

// ---- doubles (the arithmetic's working format) --------------------------------------------------

/** `toScaled` output: a signed significand |frac| in [1, 2] (53 bits, rounded to nearest) and its unbiased exponent. */
export const S = { frac: 0, exp: 0 };

/** A finite 80-bit value as frac × 2^exp with frac rounded to 53 bits (zero: frac = ±0). */
export function toScaled(se: number, hi: number, lo: number): void {
  const neg = (se & SIGN) !== 0;
  if (hi === 0 && lo === 0) {
    S.frac = neg ? -0 : 0;
    S.exp = 0;
    return;
  }
  normalize(se, hi, lo);
  // One rounding: the exact 64-bit integer hi·2^32 + lo rounded to 53 bits by the addition.
  const m = (N.hi >>> 0) * 0x100000000 + (N.lo >>> 0);
  const frac = m / 9223372036854775808; // 2^63
  S.frac = neg ? -frac : frac;
  S.exp = N.exp;
}

/** The double nearest an 80-bit value (infinity/zero outside the double range; NaN for NaNs). */
export function toDouble(se: number, hi: number, lo: number): number {
  const c = classify(se, hi, lo);
  const neg = (se & SIGN) !== 0;
  if (c === CLS.INF) return neg ? -Infinity : Infinity;
  if (c === CLS.QNAN || c === CLS.SNAN || c === CLS.UNSUPPORTED) return Number.NaN;
  toScaled(se, hi, lo);
  if (S.exp > 1024) return neg ? -Infinity : Infinity;
  if (S.exp < -1080) return neg ? -0 : 0;
  // Two steps so that neither power of two overflows or underflows on its own.
  const h = S.exp >> 1;
  return S.frac * 2 ** h * 2 ** (S.exp - h);
}

const dv = new DataView(new ArrayBuffer(8));

/** A double exactly into X as an 80-bit value (NaNs keep their payload). */
export function fromDouble(d: number): void {
  X.flags = 0;
  X.up = false;
  dv.setFloat64(0, d);
  const hi = dv.getInt32(0);
  const lo = dv.getInt32(4);
  fromFloat64(hi, lo);
  X.flags = 0; // a double denormal is an exact value here, not a denormal operand
}

/**
 * Packs frac × 2^e (frac a finite nonzero double) into P: sign, UNBOUNDED biased exponent and
 * the 64-bit significand (exact: frac has at most 53 bits).
 */
export const P = { neg: false, biased: 0, hi: 0, lo: 0 };
export function packScaled(frac: number, e: number): void {
  dv.setFloat64(0, frac);
  const hi = dv.getInt32(0);
  const lo = dv.getInt32(4);
  let exp = (hi >>> 20) & 0x7ff;
  let mh = ((hi & 0xfffff) << 11) | (lo >>> 21);
  let ml = lo << 11;
  P.neg = hi < 0;
  if (exp === 0) {
    // double denormal: normalize
    normalize(1 - 1023 + BIAS, mh, ml);
    mh = N.hi;
    ml = N.lo;
    exp = N.exp + 1023;
  } else mh |= JBIT;
  P.biased = exp - 1023 + e + BIAS;
  P.hi = mh | 0;
  P.lo = ml | 0;
}

/**
 * Denormalizes P (biased exponent ≤ 0) to the 80-bit denormal with rounding `rc`: X gets the
 * result, X.flags PE when inexact, X.up.
 */
export function denormalize(rc: number): void {
  shrRound(P.hi, P.lo, Math.min(1 - P.biased, 200), rc, P.neg);
  X.se = (P.neg ? SIGN : 0) | (Q.hi >= 0x80000000 ? 1 : 0);
  X.hi = Q.hi | 0;
  X.lo = Q.lo | 0;
  X.flags = Q.inexact ? FSW_PE : 0;
  X.up = Q.inc;
}

/** The largest finite 80-bit value or infinity for a masked overflow under `rc`: into X. */
export function overflowResult(neg: boolean, rc: number): void {
  const inf = overflowToInf(rc, neg);
  X.se = (neg ? SIGN : 0) | (inf ? 0x7fff : 0x7ffe);
  X.hi = inf ? JBIT : -1;
  X.lo = inf ? 0 : -1;
  X.up = inf;
}
