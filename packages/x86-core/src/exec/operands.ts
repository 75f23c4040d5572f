/** @file Operand fetch and write-back shared by the handlers: registers by size, effective addresses, E/G operands. */
import type { Cpu } from '../cpu/cpu.ts';
import { restoreStatusFlags } from '../cpu/eflags.ts';
import { read16, read32, read8, write16, write32, write8 } from '../cpu/memory.ts';
import type { Insn } from './insn.ts';
import { raise, VECTOR } from '../cpu/fault.ts';

/** A handler: executes one decoded instruction on the processor (never allocates; faults via `raise`). */
export type Handler = (cpu: Cpu, i: Insn) => void;

/** Byte register n (AL CL DL BL AH CH DH BH) as an index into `Cpu.r8`: AL–BL the low bytes of EAX–EBX, AH–BH their second bytes. */
export function byteRegIndex(n: number): number {
  return ((n & 3) << 2) | (n >> 2);
}

/** Reads byte register n (AL CL DL BL AH CH DH BH). */
export function getReg8(cpu: Cpu, n: number): number {
  return cpu.r8[byteRegIndex(n)]!;
}

/** Writes byte register n. */
export function setReg8(cpu: Cpu, n: number, v: number): void {
  cpu.r8[byteRegIndex(n)] = v;
}

/** Reads register n at `size` bytes (1, 2, 4); a dword comes back signed. */
export function getReg(cpu: Cpu, n: number, size: number): number {
  return size === 4 ? cpu.regs[n]! : size === 2 ? cpu.r16[n << 1]! : getReg8(cpu, n);
}

/** Writes register n at `size` bytes (the other bytes of the register are kept). */
export function setReg(cpu: Cpu, n: number, size: number, v: number): void {
  if (size === 4) cpu.regs[n] = v;
  else if (size === 2) cpu.r16[n << 1] = v;
  else setReg8(cpu, n, v);
}

/** The effective address (offset within the segment) of the memory operand, truncated to the address size. */
export function ea(cpu: Cpu, i: Insn): number {
  if (i.adsize === 4) {
    // Each sum truncated at once: V8 then adds in 32 bits with no overflow check (and no deopt when the address wraps).
    let a = i.disp;
    if (i.base >= 0) a = (a + cpu.regs[i.base]!) | 0;
    if (i.index >= 0) a = (a + Math.imul(cpu.regs[i.index]!, i.scale)) | 0;
    return a;
  }
  let a = i.disp;
  if (i.base >= 0) a += cpu.r16[i.base << 1]!;
  if (i.index >= 0) a += cpu.r16[i.index << 1]!;
  return a & 0xffff;
}

/** Reads the E operand (register rm or memory) at `size`. */
export function readE(cpu: Cpu, i: Insn, size: number): number {
  if (i.mod === 3) return getReg(cpu, i.rm, size);
  const off = ea(cpu, i);
  return size === 4 ? read32(cpu, i.seg, off) : size === 2 ? read16(cpu, i.seg, off) : read8(cpu, i.seg, off);
}

/** Writes the E operand at `size`. */
export function writeE(cpu: Cpu, i: Insn, size: number, v: number): void {
  if (i.mod === 3) {
    setReg(cpu, i.rm, size, v);
    return;
  }
  const off = ea(cpu, i);
  if (size === 4) write32(cpu, i.seg, off, v);
  else if (size === 2) write16(cpu, i.seg, off, v);
  else write8(cpu, i.seg, off, v);
}

/** Reads memory at seg:off by size. */
export function readMem(cpu: Cpu, seg: number, off: number, size: number): number {
  return size === 4 ? read32(cpu, seg, off) : size === 2 ? read16(cpu, seg, off) : read8(cpu, seg, off);
}

/** Writes memory at seg:off by size. */
export function writeMem(cpu: Cpu, seg: number, off: number, size: number, v: number): void {
  if (size === 4) write32(cpu, seg, off, v);
  else if (size === 2) write16(cpu, seg, off, v);
  else write8(cpu, seg, off, v);
}

/**
 * Stores the result of a read-modify-write whose status flags are already computed (after
 * `saveStatusFlags`): a fault on the store puts the flags back, so the restarted instruction
 * sees the ones it started with (ADC/SBB/RCL/RCR read CF).
 */
export function writeMemRmw(cpu: Cpu, seg: number, off: number, size: number, v: number): void {
  try {
    writeMem(cpu, seg, off, size, v);
  } catch (e) {
    restoreStatusFlags(cpu);
    throw e;
  }
}

/** Sets the next EIP for a near transfer to `target`, truncated to the operand size (SDM: IP wraps with 16-bit operand size). */
export function jumpNear(cpu: Cpu, target: number, opsize: number): void {
  const t = opsize === 4 ? target | 0 : target & 0xffff;
  if (t >>> 0 > cpu.segLimit[1]!) raise(cpu, VECTOR.GP, 0);
  cpu.nextEip = t;
}

/** Register number encoded in the low three opcode bits (`Z` operands: 40+r, 50+r, B8+r, 0F C8+r …). */
export function opReg(i: Insn): number {
  return i.zreg;
}
