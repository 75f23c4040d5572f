/** @file EFLAGS: bit constants, lazy arithmetic flags (CF/PF/AF/ZF/SF/OF computed on demand) and condition codes. */
import type { Cpu } from './cpu.ts';

/** EFLAGS bits (SDM Vol.1 §3.4.3, Vol.3 §2.3). */
export const EFLAGS = {
  CF: 0x1,
  FIXED1: 0x2,
  PF: 0x4,
  AF: 0x10,
  ZF: 0x40,
  SF: 0x80,
  TF: 0x100,
  IF: 0x200,
  DF: 0x400,
  OF: 0x800,
  IOPL: 0x3000,
  NT: 0x4000,
  RF: 0x10000,
  VM: 0x20000,
  AC: 0x40000,
  VIF: 0x80000,
  VIP: 0x100000,
  ID: 0x200000,
} as const;

/** The six status flags the lazy machinery computes. */
export const ARITH_FLAGS = 0x8d5;

/**
 * Kinds of the last flag-setting operation (`Cpu.lzOp`). ADD covers ADD/ADC/INC, SUB covers
 * SUB/SBB/CMP/NEG/DEC (NEG as 0 − x), LOGIC sets CF=OF=AF=0 and SF/ZF/PF from the result.
 * Any flag whose bit is clear in `Cpu.lazyMask` is read from `Cpu.flags` instead.
 */
export const LAZY = { ADD: 0, SUB: 1, LOGIC: 2 } as const;

/** Size descriptors used by the lazy flags: sign bit and value mask per operand size in bytes. */
export const SIGN_BIT = [0, 0x80, 0x8000, 0, 0x80000000 | 0] as const;
/** Value masks per operand size in bytes (index 1, 2, 4). */
export const SIZE_MASK = [0, 0xff, 0xffff, 0, -1] as const;

const PARITY = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
  let b = i;
  b ^= b >> 4;
  b ^= b >> 2;
  b ^= b >> 1;
  PARITY[i] = (b & 1) === 0 ? EFLAGS.PF : 0;
}

/** PF for a result: set when the low byte has an even number of 1 bits. */
export function parityOf(v: number): number {
  return PARITY[v & 0xff]!;
}

/** The status flags' whole state (materialized bits and the lazy record) as `saveStatusFlags` left it. */
const saved = { flags: 0, lazyMask: 0, lzOp: 0, lzDst: 0, lzSrc: 0, lzRes: 0, lzSize: 4 };

/**
 * Saves the status flags before a read-modify-write of memory computes new ones, so that a fault
 * on its store can undo them (`restoreStatusFlags`): faults are precise, and ADC/SBB/RCL/RCR
 * restarted after a #PF must see the carry they started with. One slot: instructions do not nest.
 */
export function saveStatusFlags(cpu: Cpu): void {
  saved.flags = cpu.flags;
  saved.lazyMask = cpu.lazyMask;
  saved.lzOp = cpu.lzOp;
  saved.lzDst = cpu.lzDst;
  saved.lzSrc = cpu.lzSrc;
  saved.lzRes = cpu.lzRes;
  saved.lzSize = cpu.lzSize;
}

/** Puts back the status flags `saveStatusFlags` saved. */
export function restoreStatusFlags(cpu: Cpu): void {
  cpu.flags = saved.flags;
  cpu.lazyMask = saved.lazyMask;
  cpu.lzOp = saved.lzOp;
  cpu.lzDst = saved.lzDst;
  cpu.lzSrc = saved.lzSrc;
  cpu.lzRes = saved.lzRes;
  cpu.lzSize = saved.lzSize;
}

/** Records an arithmetic result for lazy evaluation of all six status flags. */
export function setLazy(cpu: Cpu, op: number, dst: number, src: number, res: number, size: number): void {
  cpu.lzOp = op;
  cpu.lzDst = dst;
  cpu.lzSrc = src;
  cpu.lzRes = res;
  cpu.lzSize = size;
  cpu.lazyMask = ARITH_FLAGS;
}

/** Records INC/DEC (CF unaffected): materializes CF, then makes the other five lazy. */
export function setLazyKeepCF(cpu: Cpu, op: number, dst: number, res: number, size: number): void {
  if ((cpu.lazyMask & EFLAGS.CF) !== 0) cpu.flags = (cpu.flags & ~EFLAGS.CF) | getCF(cpu);
  cpu.lzOp = op;
  cpu.lzDst = dst;
  cpu.lzSrc = 1;
  cpu.lzRes = res;
  cpu.lzSize = size;
  cpu.lazyMask = ARITH_FLAGS & ~EFLAGS.CF;
}

/** Records a result whose SF/ZF/PF come from `res` while CF/OF/AF are given explicitly (shifts, MUL, …). */
export function setResultFlags(cpu: Cpu, res: number, size: number, cfOfAf: number): void {
  cpu.lzOp = LAZY.LOGIC;
  cpu.lzRes = res;
  cpu.lzSize = size;
  if (cfOfAf === 0) {
    // LOGIC reads CF=OF=AF=0 lazily: no read-modify-write of the flags word.
    cpu.lazyMask = ARITH_FLAGS;
    return;
  }
  cpu.flags = (cpu.flags & ~(EFLAGS.CF | EFLAGS.OF | EFLAGS.AF)) | cfOfAf;
  cpu.lazyMask = EFLAGS.ZF | EFLAGS.SF | EFLAGS.PF;
}

// Each status flag of a flag state given by its parts — the lazy record (`op`, `d`, `s`, `r`,
// `size`), the lazy mask and the other bits (`flags`) — so that compiled code can ask them of its
// locals; the `get…` functions ask them of the CPU's fields.

/** CF (0 or 1) of a flag state given by its parts. */
export function cfOf(op: number, d: number, s: number, r: number, size: number, mask: number, flags: number): number {
  if ((mask & EFLAGS.CF) === 0) return flags & EFLAGS.CF;
  const sign = SIGN_BIT[size]!;
  if (op === LAZY.ADD) return ((d & s) | ((d | s) & ~r)) & sign ? 1 : 0;
  if (op === LAZY.SUB) return ((~d & s) | ((~d | s) & r)) & sign ? 1 : 0;
  return 0;
}

/** OF as the bit value 0x800 or 0, of a flag state given by its parts. */
export function ofOf(op: number, d: number, s: number, r: number, size: number, mask: number, flags: number): number {
  if ((mask & EFLAGS.OF) === 0) return flags & EFLAGS.OF;
  const sign = SIGN_BIT[size]!;
  if (op === LAZY.ADD) return (d ^ r) & (s ^ r) & sign ? EFLAGS.OF : 0;
  if (op === LAZY.SUB) return (d ^ s) & (d ^ r) & sign ? EFLAGS.OF : 0;
  return 0;
}

/** ZF as the bit value 0x40 or 0, of a flag state given by its parts. */
export function zfOf(r: number, size: number, mask: number, flags: number): number {
  if ((mask & EFLAGS.ZF) === 0) return flags & EFLAGS.ZF;
  return (r & SIZE_MASK[size]!) === 0 ? EFLAGS.ZF : 0;
}

/** SF as the bit value 0x80 or 0, of a flag state given by its parts. */
export function sfOf(r: number, size: number, mask: number, flags: number): number {
  if ((mask & EFLAGS.SF) === 0) return flags & EFLAGS.SF;
  return (r & SIGN_BIT[size]!) !== 0 ? EFLAGS.SF : 0;
}

/** PF as the bit value 0x4 or 0, of a flag state given by its parts. */
export function pfOf(r: number, mask: number, flags: number): number {
  if ((mask & EFLAGS.PF) === 0) return flags & EFLAGS.PF;
  return PARITY[r & 0xff]!;
}

/** CF (0 or 1). */
export function getCF(cpu: Cpu): number {
  return cfOf(cpu.lzOp, cpu.lzDst, cpu.lzSrc, cpu.lzRes, cpu.lzSize, cpu.lazyMask, cpu.flags);
}

/** OF as the bit value 0x800 or 0. */
export function getOF(cpu: Cpu): number {
  return ofOf(cpu.lzOp, cpu.lzDst, cpu.lzSrc, cpu.lzRes, cpu.lzSize, cpu.lazyMask, cpu.flags);
}

/** AF as the bit value 0x10 or 0. */
export function getAF(cpu: Cpu): number {
  if ((cpu.lazyMask & EFLAGS.AF) === 0) return cpu.flags & EFLAGS.AF;
  if (cpu.lzOp === LAZY.LOGIC) return 0;
  return (cpu.lzDst ^ cpu.lzSrc ^ cpu.lzRes) & EFLAGS.AF;
}

/** ZF as the bit value 0x40 or 0. */
export function getZF(cpu: Cpu): number {
  return zfOf(cpu.lzRes, cpu.lzSize, cpu.lazyMask, cpu.flags);
}

/** SF as the bit value 0x80 or 0. */
export function getSF(cpu: Cpu): number {
  return sfOf(cpu.lzRes, cpu.lzSize, cpu.lazyMask, cpu.flags);
}

/** PF as the bit value 0x4 or 0. */
export function getPF(cpu: Cpu): number {
  return pfOf(cpu.lzRes, cpu.lazyMask, cpu.flags);
}

/** The architectural EFLAGS value (all lazy flags materialized; bit 1 always set). */
export function readEflags(cpu: Cpu): number {
  if (cpu.lazyMask === 0) return cpu.flags;
  return (
    (cpu.flags & ~ARITH_FLAGS) | getCF(cpu) | getPF(cpu) | getAF(cpu) | getZF(cpu) | getSF(cpu) | getOF(cpu)
  );
}

/** Materializes the lazy flags into `Cpu.flags`. */
export function materializeFlags(cpu: Cpu): void {
  if (cpu.lazyMask !== 0) {
    cpu.flags = readEflags(cpu);
    cpu.lazyMask = 0;
  }
}

/**
 * Writes the EFLAGS bits selected by `mask` (the caller computes which bits the instruction
 * and privilege level may change). Bit 1 stays set; bits 3, 5, 15, 22–31 stay clear.
 * Setting IF or TF ends the current block: the engine looks at interrupts and single-step only
 * at block boundaries, and an interrupt pending when POPF/IRET sets IF is taken right after that
 * instruction (only STI has a shadow); a TF set by POPF traps after the next instruction.
 */
export function writeEflags(cpu: Cpu, value: number, mask: number): void {
  const cur = readEflags(cpu);
  cpu.lazyMask = 0;
  const next = ((cur & ~mask) | (value & mask) | EFLAGS.FIXED1) & 0x3f7fd7;
  cpu.flags = next;
  if ((next & ~cur & (EFLAGS.IF | EFLAGS.TF)) !== 0) cpu.blockBreak = true;
}

/** Sets or clears one non-lazy or lazy flag bit. */
export function setFlag(cpu: Cpu, bit: number, on: boolean): void {
  if ((cpu.lazyMask & bit) !== 0) materializeFlags(cpu);
  cpu.flags = on ? cpu.flags | bit : cpu.flags & ~bit;
}

/** Evaluates condition code `cc` (0–15: O NO B AE E NE BE A S NS P NP L GE LE G; SDM Vol.1 Appendix B). */
export function testCondition(cpu: Cpu, cc: number): boolean {
  return conditionOf(cc, cpu.lzOp, cpu.lzDst, cpu.lzSrc, cpu.lzRes, cpu.lzSize, cpu.lazyMask, cpu.flags);
}

/** Condition code `cc` of a flag state given by its parts (see `cfOf`). */
export function conditionOf(cc: number, op: number, d: number, s: number, r: number, size: number, mask: number, flags: number): boolean {
  let t: boolean;
  switch (cc >> 1) {
    case 0:
      t = ofOf(op, d, s, r, size, mask, flags) !== 0;
      break;
    case 1:
      t = cfOf(op, d, s, r, size, mask, flags) !== 0;
      break;
    case 2:
      t = zfOf(r, size, mask, flags) !== 0;
      break;
    case 3:
      t = cfOf(op, d, s, r, size, mask, flags) !== 0 || zfOf(r, size, mask, flags) !== 0;
      break;
    case 4:
      t = sfOf(r, size, mask, flags) !== 0;
      break;
    case 5:
      t = pfOf(r, mask, flags) !== 0;
      break;
    case 6:
      t = sfOf(r, size, mask, flags) !== 0 !== (ofOf(op, d, s, r, size, mask, flags) !== 0);
      break;
    default:
      t = zfOf(r, size, mask, flags) !== 0 || sfOf(r, size, mask, flags) !== 0 !== (ofOf(op, d, s, r, size, mask, flags) !== 0);
      break;
  }
  return (cc & 1) === 0 ? t : !t;
}
