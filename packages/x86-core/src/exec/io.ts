/** @file Port I/O: IN and OUT through the IoPorts interface, with the IOPL and TSS I/O-permission-bitmap checks (SDM Vol.1 §18.5). */
import type { Cpu } from '../cpu/cpu.ts';
import { CR0, SEG_TR } from '../cpu/cpu.ts';
import { EFLAGS } from '../cpu/eflags.ts';
import { raise, VECTOR } from '../cpu/fault.ts';
import { sysRead16 } from '../cpu/memory.ts';
import { checkIo } from '../svm/intercepts.ts';
import type { Insn } from './insn.ts';
import { getReg, setReg, type Handler } from './operands.ts';

/**
 * Raises #GP(0) unless the current task may access ports port…port+size−1: always in real
 * mode or when CPL <= IOPL; otherwise every bit of the range must be 0 in the I/O bitmap of a
 * 32-bit TSS (and lie within the TSS limit).
 */
export function checkIoPermission(cpu: Cpu, port: number, size: number): void {
  if ((cpu.cr0 & CR0.PE) === 0) return;
  const iopl = (cpu.flags >> 12) & 3;
  if (cpu.cpl <= iopl && (cpu.flags & EFLAGS.VM) === 0) return;
  const type = cpu.segAttr[SEG_TR]! & 0xf;
  const limit = cpu.segLimit[SEG_TR]!;
  if ((type !== 9 && type !== 11) || limit < 103) raise(cpu, VECTOR.GP, 0);
  const base = cpu.segBase[SEG_TR]!;
  const mapBase = sysRead16(cpu, (base + 102) | 0);
  const byte = mapBase + (port >>> 3);
  if (byte + 1 > limit) raise(cpu, VECTOR.GP, 0);
  const bits = sysRead16(cpu, (base + byte) | 0);
  const mask = ((1 << size) - 1) << (port & 7);
  if ((bits & mask) !== 0) raise(cpu, VECTOR.GP, 0);
}

/** Reads a port (counted, charged `cost.io`). */
export function portIn(cpu: Cpu, port: number, size: number): number {
  cpu.counters.portIo++;
  cpu.cycles += cpu.cost.io;
  const v = cpu.io.portRead(port & 0xffff, size as 1 | 2 | 4);
  return size === 4 ? v | 0 : v & (size === 2 ? 0xffff : 0xff);
}

/** Writes a port (counted, charged `cost.io`). A device may request a stop (exit port): the block ends. */
export function portOut(cpu: Cpu, port: number, size: number, v: number): void {
  cpu.counters.portIo++;
  cpu.cycles += cpu.cost.io;
  cpu.io.portWrite(port & 0xffff, size as 1 | 2 | 4, size === 4 ? v >>> 0 : v & (size === 2 ? 0xffff : 0xff));
  cpu.blockBreak = true;
}

function inOp(cpu: Cpu, port: number, size: number): void {
  checkIoPermission(cpu, port, size);
  if (cpu.guestMode) checkIo(cpu, port, size, true, false, false, true, 0);
  setReg(cpu, 0, size, portIn(cpu, port, size));
}

function outOp(cpu: Cpu, port: number, size: number): void {
  checkIoPermission(cpu, port, size);
  if (cpu.guestMode) checkIo(cpu, port, size, false, false, false, true, 0);
  portOut(cpu, port, size, getReg(cpu, 0, size));
}

function dx(cpu: Cpu): number {
  return cpu.r16[2 << 1]!;
}

/** Handlers of this family, by `row.handler` name. */
export const IO_HANDLERS: Record<string, Handler> = {
  in_ALIb: (c, i: Insn) => inOp(c, i.imm & 0xff, 1),
  in_eAXIb: (c, i) => inOp(c, i.imm & 0xff, i.opsize),
  in_ALDX: (c) => inOp(c, dx(c), 1),
  in_eAXDX: (c, i) => inOp(c, dx(c), i.opsize),
  out_IbAL: (c, i) => outOp(c, i.imm & 0xff, 1),
  out_IbeAX: (c, i) => outOp(c, i.imm & 0xff, i.opsize),
  out_DXAL: (c) => outOp(c, dx(c), 1),
  out_DXeAX: (c, i) => outOp(c, dx(c), i.opsize),
};
