/** @file Stack pushes and pops through SS, with ESP or SP by SS.B; ESP changes only after the memory access succeeded. */
import type { Cpu } from './cpu.ts';
import { SEG_ATTR } from './cpu.ts';
import { read16, read32, write16, write32 } from './memory.ts';

const SS = 2;
const ESP = 4;

/** True if the stack segment is 32-bit (SS.B). */
export function stack32(cpu: Cpu): boolean {
  return (cpu.segAttr[SS]! & SEG_ATTR.DB) !== 0;
}

/** Adds `delta` to ESP (or SP for a 16-bit stack). */
export function adjustSp(cpu: Cpu, delta: number): void {
  if (stack32(cpu)) cpu.regs[ESP] = (cpu.regs[ESP]! + delta) | 0;
  else cpu.r16[ESP << 1] = (cpu.r16[ESP << 1]! + delta) & 0xffff;
}

/** Current stack offset (ESP, or SP zero-extended). */
export function getSp(cpu: Cpu): number {
  return stack32(cpu) ? cpu.regs[ESP]! : cpu.r16[ESP << 1]!;
}

/** Pushes a dword. */
export function push32(cpu: Cpu, v: number): void {
  if (stack32(cpu)) {
    const sp = (cpu.regs[ESP]! - 4) | 0;
    write32(cpu, SS, sp, v);
    cpu.regs[ESP] = sp;
  } else {
    const sp = (cpu.r16[ESP << 1]! - 4) & 0xffff;
    write32(cpu, SS, sp, v);
    cpu.r16[ESP << 1] = sp;
  }
}

/** Pushes a word. */
export function push16(cpu: Cpu, v: number): void {
  if (stack32(cpu)) {
    const sp = (cpu.regs[ESP]! - 2) | 0;
    write16(cpu, SS, sp, v & 0xffff);
    cpu.regs[ESP] = sp;
  } else {
    const sp = (cpu.r16[ESP << 1]! - 2) & 0xffff;
    write16(cpu, SS, sp, v & 0xffff);
    cpu.r16[ESP << 1] = sp;
  }
}

/** Pushes a value of `size` (2 or 4) bytes. */
export function pushSized(cpu: Cpu, v: number, size: number): void {
  if (size === 4) push32(cpu, v);
  else push16(cpu, v);
}

/** Reads the dword at SS:[ESP + offset] without popping. */
export function peek32(cpu: Cpu, offset: number): number {
  return read32(cpu, SS, stack32(cpu) ? (cpu.regs[ESP]! + offset) | 0 : (cpu.r16[ESP << 1]! + offset) & 0xffff);
}

/** Reads the word at SS:[ESP + offset] without popping. */
export function peek16(cpu: Cpu, offset: number): number {
  return read16(cpu, SS, stack32(cpu) ? (cpu.regs[ESP]! + offset) | 0 : (cpu.r16[ESP << 1]! + offset) & 0xffff);
}

/** Pops a dword. */
export function pop32(cpu: Cpu): number {
  if (stack32(cpu)) {
    const sp = cpu.regs[ESP]!;
    const v = read32(cpu, SS, sp);
    cpu.regs[ESP] = (sp + 4) | 0;
    return v;
  }
  const sp = cpu.r16[ESP << 1]!;
  const v = read32(cpu, SS, sp);
  cpu.r16[ESP << 1] = (sp + 4) & 0xffff;
  return v;
}

/** Pops a word. */
export function pop16(cpu: Cpu): number {
  if (stack32(cpu)) {
    const sp = cpu.regs[ESP]!;
    const v = read16(cpu, SS, sp);
    cpu.regs[ESP] = (sp + 2) | 0;
    return v;
  }
  const sp = cpu.r16[ESP << 1]!;
  const v = read16(cpu, SS, sp);
  cpu.r16[ESP << 1] = (sp + 2) & 0xffff;
  return v;
}

/** Pops a value of `size` (2 or 4) bytes. */
export function popSized(cpu: Cpu, size: number): number {
  return size === 4 ? pop32(cpu) : pop16(cpu);
}
