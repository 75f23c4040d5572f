/** @file The x87 FPU state (SDM Vol.1 §8.1): eight 80-bit data registers, TOP, status/control/tag words, last-instruction and data pointers. */

/** Status-word bits (SDM Vol.1 §8.1.3, Figure 8-4). TOP (bits 13–11) is kept apart in `FpuState.top`. */
export const FSW = {
  IE: 0x1,
  DE: 0x2,
  ZE: 0x4,
  OE: 0x8,
  UE: 0x10,
  PE: 0x20,
  SF: 0x40,
  ES: 0x80,
  C0: 0x100,
  C1: 0x200,
  C2: 0x400,
  TOP: 0x3800,
  C3: 0x4000,
  B: 0x8000,
} as const;

/** The six exception flags (IE DE ZE OE UE PE), also the six mask bits of the control word. */
export const FPU_EXCEPTIONS = 0x3f;
/** The four condition-code bits C0 C1 C2 C3. */
export const FSW_CC = FSW.C0 | FSW.C1 | FSW.C2 | FSW.C3;

/** Control-word fields (SDM Vol.1 §8.1.5, Figure 8-6). */
export const FCW = { IM: 0x1, DM: 0x2, ZM: 0x4, OM: 0x8, UM: 0x10, PM: 0x20, PC: 0x300, RC: 0xc00, X: 0x1000 } as const;

/** Rounding-control values (FCW bits 11–10). */
export const RC = { NEAREST: 0, DOWN: 1, UP: 2, CHOP: 3 } as const;

/** The control word after FNINIT: every exception masked, 64-bit precision, round to nearest (SDM Vol.2 FINIT/FNINIT). */
export const FCW_INIT = 0x037f;

/**
 * The FPU state, a plain object of typed arrays and numbers so that processor snapshots save
 * it like any other `Cpu` field. Registers are PHYSICAL (R0–R7); ST(i) is R((top + i) & 7).
 * Each holds the exact 80-bit value: `se` sign and 15-bit biased exponent, `hi`/`lo` the
 * 64-bit significand with its explicit integer bit (bit 31 of `hi`).
 */
export interface FpuState {
  readonly se: Uint16Array;
  readonly hi: Int32Array;
  readonly lo: Int32Array;
  /** 1 = the register is empty (tag 11b). The other tag values are derived from the contents (FNSTENV/FNSAVE). */
  readonly empty: Uint8Array;
  /** Control word (bits 15–13 and 7–6 read as the value written; QEMU and the P6 keep bit 6 set after FNINIT). */
  cw: number;
  /** Status word without TOP. */
  sw: number;
  /** TOP of stack (0–7). */
  top: number;
  /** Last x87 instruction: offset, CS selector, 11-bit opcode; last data operand: offset, selector. */
  ip: number;
  cs: number;
  op: number;
  dp: number;
  ds: number;
  /** FERR# is asserted (CR0.NE=0 error reporting, see exceptions.ts). */
  ferr: boolean;
}

/** A fresh FPU in the FNINIT state (as QEMU resets it; a real P6 powers up with CW=0040h and all tags zero). */
export function createFpuState(): FpuState {
  const f: FpuState = {
    se: new Uint16Array(8),
    hi: new Int32Array(8),
    lo: new Int32Array(8),
    empty: new Uint8Array(8).fill(1),
    cw: FCW_INIT,
    sw: 0,
    top: 0,
    ip: 0,
    cs: 0,
    op: 0,
    dp: 0,
    ds: 0,
    ferr: false,
  };
  return f;
}

/** FNINIT (SDM Vol.2 FINIT/FNINIT): CW=037Fh, SW=0, TOP=0, every tag empty, pointers and opcode cleared; registers keep their bits. */
export function fpuInit(f: FpuState): void {
  f.cw = FCW_INIT;
  f.sw = 0;
  f.top = 0;
  f.empty.fill(1);
  f.ip = 0;
  f.cs = 0;
  f.op = 0;
  f.dp = 0;
  f.ds = 0;
}

/** The physical register number of ST(i). */
export function phys(f: FpuState, i: number): number {
  return (f.top + i) & 7;
}

/** The architectural status word (with TOP). */
export function statusWord(f: FpuState): number {
  return (f.sw & ~FSW.TOP) | (f.top << 11);
}

/** Loads a status word: TOP from bits 13–11, the rest kept as written. */
export function setStatusWord(f: FpuState, v: number): void {
  f.sw = v & 0xffff & ~FSW.TOP;
  f.top = (v >> 11) & 7;
}

/**
 * The tag of physical register p as FNSTENV/FNSAVE store it (SDM Vol.1 §8.1.7): 00 valid,
 * 01 zero, 10 special (NaN, infinity, denormal, unsupported), 11 empty.
 */
export function tagOf(f: FpuState, p: number): number {
  if (f.empty[p] !== 0) return 3;
  const exp = f.se[p]! & 0x7fff;
  const hi = f.hi[p]!;
  const lo = f.lo[p]!;
  if (exp === 0) return hi === 0 && lo === 0 ? 1 : 2;
  if (exp === 0x7fff) return 2;
  return hi < 0 ? 0 : 2;
}

/** The full 16-bit tag word (two bits per physical register, R0 in bits 1–0). */
export function tagWord(f: FpuState): number {
  let t = 0;
  for (let p = 0; p < 8; p++) t |= tagOf(f, p) << (2 * p);
  return t;
}

/** Loads a tag word: only empty (11b) versus not empty matters; FNSTENV recomputes the rest from the contents. */
export function setTagWord(f: FpuState, t: number): void {
  for (let p = 0; p < 8; p++) f.empty[p] = ((t >> (2 * p)) & 3) === 3 ? 1 : 0;
}

/** Copies physical register `from` into `to` (bits and tag). */
export function copyReg(f: FpuState, to: number, from: number): void {
  f.se[to] = f.se[from]!;
  f.hi[to] = f.hi[from]!;
  f.lo[to] = f.lo[from]!;
  f.empty[to] = f.empty[from]!;
}

/** Writes an 80-bit value into physical register p and marks it full. */
export function setReg80(f: FpuState, p: number, se: number, hi: number, lo: number): void {
  f.se[p] = se;
  f.hi[p] = hi;
  f.lo[p] = lo;
  f.empty[p] = 0;
}
