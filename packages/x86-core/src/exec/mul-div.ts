/** @file MUL IMUL DIV IDIV: exact 64-bit products and quotients, #DE on divide by zero and on quotient overflow. */
import type { Cpu } from '../cpu/cpu.ts';
import { EFLAGS, setResultFlags } from '../cpu/eflags.ts';
import { raise, VECTOR } from '../cpu/fault.ts';
import type { Insn } from './insn.ts';
import { getReg, readE, setReg, type Handler } from './operands.ts';

const EAX = 0;
const EDX = 2;

/** High 32 bits of the unsigned 64-bit product of two 32-bit values (as an unsigned number). */
export function mulHighU32(a: number, b: number): number {
  const al = a & 0xffff;
  const ah = a >>> 16;
  const bl = b & 0xffff;
  const bh = b >>> 16;
  const ll = al * bl;
  const lh = al * bh;
  const hl = ah * bl;
  const mid = (ll >>> 16) + (lh & 0xffff) + (hl & 0xffff);
  return (ah * bh + (lh >>> 16) + (hl >>> 16) + Math.floor(mid / 0x10000)) >>> 0;
}

/** High 32 bits of the signed 64-bit product (as int32). */
export function mulHighS32(a: number, b: number): number {
  let h = mulHighU32(a, b);
  if (a < 0) h -= b >>> 0;
  if (b < 0) h -= a >>> 0;
  return h | 0;
}

const CF_OF = EFLAGS.CF | EFLAGS.OF;

function mul(cpu: Cpu, i: Insn, size: number): void {
  const s = readE(cpu, i, size);
  if (size === 1) {
    const p = cpu.r8[0]! * s;
    cpu.r16[EAX << 1] = p;
    setResultFlags(cpu, p & 0xff, 1, p > 0xff ? CF_OF : 0);
  } else if (size === 2) {
    const p = cpu.r16[EAX << 1]! * s;
    cpu.r16[EAX << 1] = p & 0xffff;
    cpu.r16[EDX << 1] = p >>> 16;
    setResultFlags(cpu, p & 0xffff, 2, p > 0xffff ? CF_OF : 0);
  } else {
    const a = cpu.regs[EAX]!;
    const lo = Math.imul(a, s);
    const hi = mulHighU32(a, s);
    cpu.regs[EAX] = lo;
    cpu.regs[EDX] = hi;
    setResultFlags(cpu, lo, 4, hi !== 0 ? CF_OF : 0);
  }
}

function imul1(cpu: Cpu, i: Insn, size: number): void {
  const s = readE(cpu, i, size);
  if (size === 1) {
    const p = ((cpu.r8[0]! << 24) >> 24) * ((s << 24) >> 24);
    cpu.r16[EAX << 1] = p & 0xffff;
    setResultFlags(cpu, p & 0xff, 1, p !== (p << 24) >> 24 ? CF_OF : 0);
  } else if (size === 2) {
    const p = ((cpu.r16[EAX << 1]! << 16) >> 16) * ((s << 16) >> 16);
    cpu.r16[EAX << 1] = p & 0xffff;
    cpu.r16[EDX << 1] = (p >> 16) & 0xffff;
    setResultFlags(cpu, p & 0xffff, 2, p !== (p << 16) >> 16 ? CF_OF : 0);
  } else {
    const a = cpu.regs[EAX]!;
    const lo = Math.imul(a, s);
    const hi = mulHighS32(a, s);
    cpu.regs[EAX] = lo;
    cpu.regs[EDX] = hi;
    setResultFlags(cpu, lo, 4, hi !== lo >> 31 ? CF_OF : 0);
  }
}

/** Two/three-operand IMUL: G = a * b truncated; CF=OF when the signed product does not fit. */
function imulTrunc(cpu: Cpu, i: Insn, a: number, b: number): void {
  const size = i.opsize;
  if (size === 2) {
    const p = ((a << 16) >> 16) * ((b << 16) >> 16);
    setReg(cpu, i.reg, 2, p & 0xffff);
    setResultFlags(cpu, p & 0xffff, 2, p !== (p << 16) >> 16 ? CF_OF : 0);
  } else {
    const lo = Math.imul(a, b);
    const hi = mulHighS32(a | 0, b | 0);
    setReg(cpu, i.reg, 4, lo);
    setResultFlags(cpu, lo, 4, hi !== lo >> 31 ? CF_OF : 0);
  }
}

/** Quotient and remainder of the last `divU64` (module scratch: the division allocates nothing). */
let divQ = 0;
let divR = 0;

/**
 * Unsigned (hi·2³² + lo) ÷ d for hi < d (so the quotient fits in 32 bits), exactly, in doubles:
 * schoolbook division by 16-bit digits. Each partial dividend is below d·2¹⁶ ≤ 2⁴⁸, so `%` is
 * exact and the partial quotients are exact integers. Sets `divQ`, `divR` (unsigned).
 */
function divU64(hi: number, lo: number, d: number): void {
  const x1 = hi * 0x10000 + (lo >>> 16);
  const r1 = x1 % d;
  const q1 = (x1 - r1) / d;
  const x2 = r1 * 0x10000 + (lo & 0xffff);
  const r2 = x2 % d;
  divQ = q1 * 0x10000 + (x2 - r2) / d;
  divR = r2;
}

function div(cpu: Cpu, i: Insn, size: number): void {
  const s = readE(cpu, i, size);
  if (s === 0) raise(cpu, VECTOR.DE, -1);
  if (size === 1) {
    const n = cpu.r16[EAX << 1]!;
    const q = Math.floor(n / s);
    if (q > 0xff) raise(cpu, VECTOR.DE, -1);
    cpu.r8[0] = q;
    cpu.r8[1] = n % s;
  } else if (size === 2) {
    const n = cpu.r16[EDX << 1]! * 0x10000 + cpu.r16[EAX << 1]!;
    const q = Math.floor(n / s);
    if (q > 0xffff) raise(cpu, VECTOR.DE, -1);
    cpu.r16[EAX << 1] = q;
    cpu.r16[EDX << 1] = n % s;
  } else {
    const d = s >>> 0;
    const hi = cpu.regs[EDX]! >>> 0;
    const lo = cpu.regs[EAX]! >>> 0;
    if (hi >= d) raise(cpu, VECTOR.DE, -1);
    if (hi === 0) {
      cpu.regs[EAX] = Math.floor(lo / d);
      cpu.regs[EDX] = lo % d;
    } else {
      divU64(hi, lo, d);
      cpu.regs[EAX] = divQ;
      cpu.regs[EDX] = divR;
    }
  }
}

function idiv(cpu: Cpu, i: Insn, size: number): void {
  const raw = readE(cpu, i, size);
  if (raw === 0) raise(cpu, VECTOR.DE, -1);
  if (size === 1) {
    const s = (raw << 24) >> 24;
    const n = (cpu.r16[EAX << 1]! << 16) >> 16;
    const q = Math.trunc(n / s);
    if (q > 127 || q < -128) raise(cpu, VECTOR.DE, -1);
    cpu.r8[0] = q;
    cpu.r8[1] = n - q * s;
  } else if (size === 2) {
    const s = (raw << 16) >> 16;
    const n = (cpu.r16[EDX << 1]! << 16) | cpu.r16[EAX << 1]!;
    const q = Math.trunc(n / s);
    if (q > 32767 || q < -32768) raise(cpu, VECTOR.DE, -1);
    cpu.r16[EAX << 1] = q;
    cpu.r16[EDX << 1] = n - q * s;
  } else {
    const s = raw | 0;
    const hi = cpu.regs[EDX]!;
    const lo = cpu.regs[EAX]!;
    if (hi === lo >> 31) {
      const q = Math.trunc(lo / s);
      if (q > 0x7fffffff) raise(cpu, VECTOR.DE, -1);
      cpu.regs[EAX] = q;
      cpu.regs[EDX] = lo - q * s;
    } else {
      // Magnitudes, an unsigned division, then the signs: the quotient truncates toward zero
      // and the remainder takes the dividend's sign (SDM Vol.2 IDIV).
      const neg = hi < 0;
      let nLo = lo >>> 0;
      let nHi = hi >>> 0;
      if (neg) {
        nLo = -lo >>> 0;
        nHi = (~hi + (nLo === 0 ? 1 : 0)) >>> 0;
      }
      const d = s < 0 ? -s : s;
      // |quotient| >= 2^32 when nHi >= d: certainly out of range.
      if (nHi >= d) raise(cpu, VECTOR.DE, -1);
      divU64(nHi, nLo, d);
      const qNeg = neg !== s < 0;
      if (divQ > (qNeg ? 0x80000000 : 0x7fffffff)) raise(cpu, VECTOR.DE, -1);
      cpu.regs[EAX] = qNeg ? -divQ : divQ;
      cpu.regs[EDX] = neg ? -divR : divR;
    }
  }
}

/** Handlers of this family, by `row.handler` name. */
export const MUL_DIV_HANDLERS: Record<string, Handler> = {
  mul_Eb: (c, i) => mul(c, i, 1),
  mul_Ev: (c, i) => mul(c, i, i.opsize),
  imul_Eb: (c, i) => imul1(c, i, 1),
  imul_Ev: (c, i) => imul1(c, i, i.opsize),
  div_Eb: (c, i) => div(c, i, 1),
  div_Ev: (c, i) => div(c, i, i.opsize),
  idiv_Eb: (c, i) => idiv(c, i, 1),
  idiv_Ev: (c, i) => idiv(c, i, i.opsize),
  imul_GvEv: (c, i) => imulTrunc(c, i, getReg(c, i.reg, i.opsize), readE(c, i, i.opsize)),
  imul_GvEvIz: (c, i) => imulTrunc(c, i, readE(c, i, i.opsize), i.imm),
  imul_GvEvIb: (c, i) => imulTrunc(c, i, readE(c, i, i.opsize), i.imm),
  imul_GvEvIbs: (c, i) => imulTrunc(c, i, readE(c, i, i.opsize), i.imm),
};
