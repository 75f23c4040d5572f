/** @file Memory access: segment checks, the inline TLB fast path for RAM, and the slow path (page walk, MMIO, page-crossing, code-page writes). */
import type { Cpu } from './cpu.ts';
import { SEG_ATTR } from './cpu.ts';
import { raise, VECTOR } from './fault.ts';
import { translateLinear } from './paging.ts';

/** Access kinds of a translation. */
export const ACCESS = { READ: 0, WRITE: 1, FETCH: 2 } as const;

// ---------------------------------------------------------------------------------------------
// Segment-relative accesses (the executor's operand reads and writes).
// ---------------------------------------------------------------------------------------------

/** Raises the fault for an access at `off` of `size` bytes that the fast check rejected. */
export function segmentFault(cpu: Cpu, seg: number, _off: number, _size: number): never {
  const vector = seg === 2 ? VECTOR.SS : VECTOR.GP;
  return raise(cpu, vector, 0);
}

// Each access is its TLB fast path (segment check passed, page mapped for the access, not crossing a
// page, RAM without decoded code for writes) and one out-of-line call for everything else. The fast
// paths stay small so that V8 inlines them all into the interpreter's loop (its inlining budget is
// counted in bytecode); the slow path makes the checks again, in the architectural order. A flat segment
// (`Cpu.segFlat`: SEG_FLAT.R = 1, W = 2) needs no bounds compare for an access within one page.

/** Reads a byte at seg:off. */
export function read8(cpu: Cpu, seg: number, off: number): number {
  const o = off >>> 0;
  const lin = (cpu.segBase[seg]! + o) | 0;
  const e = cpu.tlb.entries[lin >>> 12]!;
  if ((e & cpu.rdBit) !== 0 && ((cpu.segFlat[seg]! & 1) !== 0 || (o >= cpu.segLo[seg]! && o <= cpu.segHiR[seg]!))) return cpu.ram[(e & 0xfffff000) | (lin & 0xfff)]!;
  return readSlow(cpu, seg, o, 1) | 0;
}

/** Reads a word at seg:off (zero-extended). */
export function read16(cpu: Cpu, seg: number, off: number): number {
  const o = off >>> 0;
  const lin = (cpu.segBase[seg]! + o) | 0;
  const e = cpu.tlb.entries[lin >>> 12]!;
  if ((e & cpu.rdBit) !== 0 && (lin & 0xfff) !== 0xfff && ((cpu.segFlat[seg]! & 1) !== 0 || (o >= cpu.segLo[seg]! && o + 1 <= cpu.segHiR[seg]!))) return cpu.view.getUint16((e & 0xfffff000) | (lin & 0xfff), true);
  return readSlow(cpu, seg, o, 2) | 0;
}

/** Reads a dword at seg:off (as a signed 32-bit number). */
export function read32(cpu: Cpu, seg: number, off: number): number {
  const o = off >>> 0;
  const lin = (cpu.segBase[seg]! + o) | 0;
  const e = cpu.tlb.entries[lin >>> 12]!;
  if ((e & cpu.rdBit) !== 0 && (lin & 0xfff) <= 0xffc && ((cpu.segFlat[seg]! & 1) !== 0 || (o >= cpu.segLo[seg]! && o + 3 <= cpu.segHiR[seg]!))) return cpu.view.getInt32((e & 0xfffff000) | (lin & 0xfff), true);
  return readSlow(cpu, seg, o, 4) | 0;
}

/** A read the fast path did not take: the segment check (its fault), then the linear read. */
function readSlow(cpu: Cpu, seg: number, o: number, size: number): number {
  if (o < cpu.segLo[seg]! || o + size - 1 > cpu.segHiR[seg]!) segmentFault(cpu, seg, o, size);
  return linRead(cpu, (cpu.segBase[seg]! + o) | 0, size, cpu.cpl === 3);
}

/** Reads `size` (1, 2, 4) bytes at seg:off. */
export function readSized(cpu: Cpu, seg: number, off: number, size: number): number {
  return size === 4 ? read32(cpu, seg, off) : size === 2 ? read16(cpu, seg, off) : read8(cpu, seg, off);
}

/** Writes a byte at seg:off. */
export function write8(cpu: Cpu, seg: number, off: number, v: number): void {
  const o = off >>> 0;
  const lin = (cpu.segBase[seg]! + o) | 0;
  const e = cpu.tlb.entries[lin >>> 12]!;
  if ((e & cpu.wrBit) !== 0 && cpu.codePages[e >>> 12] === 0 && ((cpu.segFlat[seg]! & 2) !== 0 || (o >= cpu.segLo[seg]! && o <= cpu.segHiW[seg]!))) cpu.ram[(e & 0xfffff000) | (lin & 0xfff)] = v;
  else writeSlow(cpu, seg, o, 1, v);
}

/** Writes a word at seg:off. */
export function write16(cpu: Cpu, seg: number, off: number, v: number): void {
  const o = off >>> 0;
  const lin = (cpu.segBase[seg]! + o) | 0;
  const e = cpu.tlb.entries[lin >>> 12]!;
  if ((e & cpu.wrBit) !== 0 && (lin & 0xfff) !== 0xfff && cpu.codePages[e >>> 12] === 0 && ((cpu.segFlat[seg]! & 2) !== 0 || (o >= cpu.segLo[seg]! && o + 1 <= cpu.segHiW[seg]!))) cpu.view.setUint16((e & 0xfffff000) | (lin & 0xfff), v, true);
  else writeSlow(cpu, seg, o, 2, v);
}

/** Writes a dword at seg:off. */
export function write32(cpu: Cpu, seg: number, off: number, v: number): void {
  const o = off >>> 0;
  const lin = (cpu.segBase[seg]! + o) | 0;
  const e = cpu.tlb.entries[lin >>> 12]!;
  if ((e & cpu.wrBit) !== 0 && (lin & 0xfff) <= 0xffc && cpu.codePages[e >>> 12] === 0 && ((cpu.segFlat[seg]! & 2) !== 0 || (o >= cpu.segLo[seg]! && o + 3 <= cpu.segHiW[seg]!))) cpu.view.setInt32((e & 0xfffff000) | (lin & 0xfff), v, true);
  else writeSlow(cpu, seg, o, 4, v);
}

/** A write the fast path did not take: the segment check (its fault), then the linear write. */
function writeSlow(cpu: Cpu, seg: number, o: number, size: number, v: number): void {
  if (o < cpu.segLo[seg]! || o + size - 1 > cpu.segHiW[seg]!) segmentFault(cpu, seg, o, size);
  linWrite(cpu, (cpu.segBase[seg]! + o) | 0, size, v, cpu.cpl === 3);
}

/** Writes `size` (1, 2, 4) bytes at seg:off. */
export function writeSized(cpu: Cpu, seg: number, off: number, size: number, v: number): void {
  if (size === 4) write32(cpu, seg, off, v);
  else if (size === 2) write16(cpu, seg, off, v);
  else write8(cpu, seg, off, v);
}

/**
 * Checks that a write of `size` bytes at seg:off would pass the segment and page checks,
 * without writing (used before multi-part operations so they fault before changing state).
 */
export function probeWrite(cpu: Cpu, seg: number, off: number, size: number): void {
  const o = off >>> 0;
  if (o < cpu.segLo[seg]! || o + size - 1 > cpu.segHiW[seg]!) segmentFault(cpu, seg, o, size);
  const lin = (cpu.segBase[seg]! + o) | 0;
  translateLinear(cpu, lin, ACCESS.WRITE, cpu.cpl === 3);
  if (((lin & 0xfff) + size - 1) >>> 12 !== 0) translateLinear(cpu, nextPage(lin), ACCESS.WRITE, cpu.cpl === 3);
}

/**
 * The first byte of the page after the one holding `lin`: where the second part of a
 * page-crossing access starts, and so the CR2 of a #PF on that part (SDM Vol.3 §4.7: CR2 holds
 * the linear address that caused the fault — for a split access the first byte of the
 * faulting page, as the processor, and QEMU, translate the second page at its start).
 */
function nextPage(lin: number): number {
  return ((lin | 0xfff) + 1) | 0;
}

// ---------------------------------------------------------------------------------------------
// Linear accesses (slow paths, and system-structure accesses: GDT/IDT/TSS at supervisor level).
// ---------------------------------------------------------------------------------------------

function physRead(cpu: Cpu, phys: number, size: number): number {
  if (phys + size <= cpu.ram.length && !cpu.io.isMmio(phys)) {
    if (size === 1) return cpu.ram[phys]!;
    if (size === 2) return cpu.view.getUint16(phys, true);
    return cpu.view.getInt32(phys, true);
  }
  cpu.counters.mmio++;
  cpu.cycles += cpu.cost.io;
  const v = cpu.io.mmioRead(phys, size as 1 | 2 | 4);
  return size === 4 ? v | 0 : v & (size === 2 ? 0xffff : 0xff);
}

function physWrite(cpu: Cpu, phys: number, size: number, v: number): void {
  if (cpu.physWriteFilter !== null && cpu.physWriteFilter(phys, size, v)) return;
  if (phys + size <= cpu.ram.length && !cpu.io.isMmio(phys)) {
    if (cpu.codePages[phys >>> 12] !== 0 || cpu.codePages[(phys + size - 1) >>> 12] !== 0) {
      writeRam(cpu, phys, size, v);
      cpu.onCodeWrite(phys, size);
      return;
    }
    writeRam(cpu, phys, size, v);
    return;
  }
  cpu.counters.mmio++;
  cpu.cycles += cpu.cost.io;
  cpu.blockBreak = true;
  cpu.io.mmioWrite(phys, size as 1 | 2 | 4, size === 4 ? v >>> 0 : v & (size === 2 ? 0xffff : 0xff));
}

function writeRam(cpu: Cpu, phys: number, size: number, v: number): void {
  if (size === 1) cpu.ram[phys] = v;
  else if (size === 2) cpu.view.setUint16(phys, v, true);
  else cpu.view.setInt32(phys, v, true);
}

/** Reads `size` bytes at a linear address (any alignment; page-crossing reads are split). */
export function linRead(cpu: Cpu, lin: number, size: number, user: boolean): number {
  if (((lin & 0xfff) + size - 1) >>> 12 === 0) {
    return physRead(cpu, translateLinear(cpu, lin, ACCESS.READ, user), size);
  }
  // Page-crossing: translate both pages before reading (a fault leaves nothing half-done).
  const p0 = translateLinear(cpu, lin, ACCESS.READ, user);
  const p1 = translateLinear(cpu, nextPage(lin), ACCESS.READ, user);
  const first = 0x1000 - (lin & 0xfff);
  let v = 0;
  for (let i = 0; i < size; i++) {
    const b = i < first ? p0 + i : p1 + (i - first);
    v |= physRead(cpu, b, 1) << (8 * i);
  }
  return size === 4 ? v | 0 : v;
}

/** Writes `size` bytes at a linear address (page-crossing writes are split; both pages checked first). */
export function linWrite(cpu: Cpu, lin: number, size: number, v: number, user: boolean): void {
  if (((lin & 0xfff) + size - 1) >>> 12 === 0) {
    physWrite(cpu, translateLinear(cpu, lin, ACCESS.WRITE, user), size, v);
    return;
  }
  const p0 = translateLinear(cpu, lin, ACCESS.WRITE, user);
  const p1 = translateLinear(cpu, nextPage(lin), ACCESS.WRITE, user);
  const first = 0x1000 - (lin & 0xfff);
  for (let i = 0; i < size; i++) {
    const b = i < first ? p0 + i : p1 + (i - first);
    physWrite(cpu, b, 1, (v >>> (8 * i)) & 0xff);
  }
}

/** Supervisor-level read of a system structure (GDT, LDT, IDT, TSS) at a linear address. */
export function sysRead32(cpu: Cpu, lin: number): number {
  return linRead(cpu, lin, 4, false);
}

/** Supervisor-level 16-bit read of a system structure. */
export function sysRead16(cpu: Cpu, lin: number): number {
  return linRead(cpu, lin, 2, false);
}

/** Supervisor-level write of a system structure (descriptor accessed/busy bits). */
export function sysWrite32(cpu: Cpu, lin: number, v: number): void {
  linWrite(cpu, lin, 4, v, false);
}

/** True if the code segment is a 32-bit segment (CS.D). */
export function codeIs32(cpu: Cpu): boolean {
  return (cpu.segAttr[1]! & SEG_ATTR.DB) !== 0;
}
