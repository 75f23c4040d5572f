/** @file x87 memory operands: reads of 2/4/8/10-byte operands and whole-or-nothing writes (probed first, so a fault leaves nothing half-written). */
import type { Cpu } from '../../cpu/cpu.ts';
import { probeWrite, read16, read32, read8, write16, write32, write8 } from '../../cpu/memory.ts';
import type { Insn } from '../insn.ts';
import { ea } from '../operands.ts';

/** Two dwords read by `readQword` / `readTbyte` (module scratch). */
export const M = { lo: 0, hi: 0, top: 0 };

/** Reads the 8-byte memory operand into M.lo, M.hi. */
export function readQword(c: Cpu, i: Insn): void {
  const off = ea(c, i);
  M.lo = read32(c, i.seg, off);
  M.hi = read32(c, i.seg, (off + 4) | 0);
}

/** Reads the 10-byte memory operand: significand into M.lo/M.hi, the top word (sign and exponent) into M.top. */
export function readTbyte(c: Cpu, i: Insn): void {
  const off = ea(c, i);
  M.lo = read32(c, i.seg, off);
  M.hi = read32(c, i.seg, (off + 4) | 0);
  M.top = read16(c, i.seg, (off + 8) | 0);
}

/** Writes an 8-byte operand (lo, hi). */
export function writeQword(c: Cpu, i: Insn, lo: number, hi: number): void {
  const off = ea(c, i);
  probeWrite(c, i.seg, off, 8);
  write32(c, i.seg, off, lo);
  write32(c, i.seg, (off + 4) | 0, hi);
}

/** Writes a 10-byte operand (significand lo, hi; sign/exponent word). */
export function writeTbyte(c: Cpu, i: Insn, lo: number, hi: number, top: number): void {
  const off = ea(c, i);
  probeWrite(c, i.seg, off, 10);
  write32(c, i.seg, off, lo);
  write32(c, i.seg, (off + 4) | 0, hi);
  write16(c, i.seg, (off + 8) | 0, top);
}

const bcd = new Uint8Array(10);

/** Reads the 10-byte packed BCD operand into a scratch array (returned; valid until the next call). */
export function readBcd(c: Cpu, i: Insn): Uint8Array {
  const off = ea(c, i);
  for (let k = 0; k < 10; k++) bcd[k] = read8(c, i.seg, (off + k) | 0);
  return bcd;
}

/** The scratch array `toBcd` fills for `writeBcd`. */
export const BCD_OUT = new Uint8Array(10);

/** Writes 10 bytes of `b` as the memory operand. */
export function writeBcd(c: Cpu, i: Insn, b: Uint8Array): void {
  const off = ea(c, i);
  probeWrite(c, i.seg, off, 10);
  for (let k = 0; k < 10; k++) write8(c, i.seg, (off + k) | 0, b[k]!);
}
