/** @file Segmentation: descriptor fetch from GDT/LDT, descriptor caches, and the segment-register load checks (SDM Vol.3 §3.4, §5.5–5.8). */
import type { Cpu } from './cpu.ts';
import { CR0, SEG_ATTR, SEG_FLAT, SEG_LDTR } from './cpu.ts';
import { raise, VECTOR } from './fault.ts';
import { sysRead32, sysWrite32 } from './memory.ts';

/** Segment register numbers (ModRM sreg encoding). */
export const SREG = { ES: 0, CS: 1, SS: 2, DS: 3, FS: 4, GS: 5 } as const;

/** A descriptor read by `fetchDescriptor` (module scratch: no allocation). */
export const desc = { lo: 0, hi: 0, addr: 0 };

/** Base address of a descriptor (dwords lo, hi). */
export function descBase(lo: number, hi: number): number {
  return ((lo >>> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000)) | 0;
}

/** Byte-granular limit of a descriptor. */
export function descLimit(hi: number, lo: number): number {
  const raw = (lo & 0xffff) | (hi & 0xf0000);
  return (hi & 0x800000) !== 0 ? raw * 4096 + 0xfff : raw;
}

/** Cache attributes (`SEG_ATTR` layout) of a descriptor. */
export function descAttr(hi: number): number {
  return (hi >>> 8) & 0xf0ff;
}

/**
 * Reads the descriptor of `sel` from the GDT or LDT into `desc`. Returns false if the
 * selector's index lies beyond the table limit (or the LDT is null for TI=1).
 */
export function fetchDescriptor(cpu: Cpu, sel: number): boolean {
  const index = sel & 0xfff8;
  let base: number;
  let limit: number;
  if ((sel & 4) !== 0) {
    if ((cpu.segSel[SEG_LDTR]! & 0xfffc) === 0) return false;
    base = cpu.segBase[SEG_LDTR]!;
    limit = cpu.segLimit[SEG_LDTR]!;
  } else {
    base = cpu.gdtrBase;
    limit = cpu.gdtrLimit;
  }
  if (index + 7 > limit) return false;
  desc.addr = (base + index) | 0;
  desc.lo = sysRead32(cpu, desc.addr);
  desc.hi = sysRead32(cpu, (desc.addr + 4) | 0);
  return true;
}

/** Sets the accessed bit of the descriptor last fetched (if clear), as the processor does on a load. */
export function setAccessed(cpu: Cpu): void {
  if ((desc.hi & 0x100) === 0) {
    desc.hi |= 0x100;
    sysWrite32(cpu, (desc.addr + 4) | 0, desc.hi);
  }
}

/** Loads a segment cache and its fast-check bounds. */
export function setSegCache(cpu: Cpu, seg: number, sel: number, base: number, limit: number, attr: number): void {
  cpu.segSel[seg] = sel;
  cpu.segBase[seg] = base | 0;
  cpu.segLimit[seg] = limit;
  cpu.segAttr[seg] = attr;
  updateSegBounds(cpu, seg);
}

/** Recomputes the fast-check bounds of a segment from its cache. A null or not-present segment faults every access. */
export function updateSegBounds(cpu: Cpu, seg: number): void {
  const attr = cpu.segAttr[seg]!;
  const limit = cpu.segLimit[seg]!;
  if ((attr & SEG_ATTR.P) === 0) {
    cpu.segLo[seg] = 2 ** 33;
    cpu.segHiR[seg] = -1;
    cpu.segHiW[seg] = -1;
    updateSegFlat(cpu, seg);
    return;
  }
  const type = attr & SEG_ATTR.TYPE;
  if ((attr & SEG_ATTR.S) === 0) {
    cpu.segLo[seg] = 0;
    cpu.segHiR[seg] = limit;
    cpu.segHiW[seg] = limit;
  } else if ((type & 8) !== 0) {
    // Code: readable if R; never writable.
    cpu.segLo[seg] = 0;
    cpu.segHiR[seg] = (type & 2) !== 0 ? limit : -1;
    cpu.segHiW[seg] = -1;
  } else if ((type & 4) !== 0) {
    // Expand-down data: valid offsets limit+1 … 0xFFFF or 0xFFFFFFFF (by B).
    const top = (attr & SEG_ATTR.DB) !== 0 ? 0xffffffff : 0xffff;
    cpu.segLo[seg] = limit + 1;
    cpu.segHiR[seg] = top;
    cpu.segHiW[seg] = (type & 2) !== 0 ? top : -1;
  } else {
    cpu.segLo[seg] = 0;
    cpu.segHiR[seg] = limit;
    cpu.segHiW[seg] = (type & 2) !== 0 ? limit : -1;
  }
  updateSegFlat(cpu, seg);
}

/** Recomputes `Cpu.segFlat` of a segment from its fast-check bounds and base: after every change to them. */
export function updateSegFlat(cpu: Cpu, seg: number): void {
  const whole = cpu.segLo[seg] === 0 && (cpu.segBase[seg]! & 0xfff) === 0;
  cpu.segFlat[seg] = (whole && cpu.segHiR[seg] === 0xffffffff ? SEG_FLAT.R : 0) | (whole && cpu.segHiW[seg] === 0xffffffff ? SEG_FLAT.W : 0);
}

/** Marks the cache of `seg` unusable (a null selector loaded into DS/ES/FS/GS). */
export function loadNull(cpu: Cpu, seg: number, sel: number): void {
  cpu.segSel[seg] = sel;
  cpu.segBase[seg] = 0;
  cpu.segLimit[seg] = 0;
  cpu.segAttr[seg] = 0;
  updateSegBounds(cpu, seg);
}

/** Loads a segment from a descriptor just fetched into `desc`. */
export function loadFromDesc(cpu: Cpu, seg: number, sel: number): void {
  setSegCache(cpu, seg, sel, descBase(desc.lo, desc.hi), descLimit(desc.hi, desc.lo), descAttr(desc.hi));
}

/** The CPL changes (callers load CS themselves); keeps the TLB permission bits current (mmu TlbBit READ_U=4, WRITE_U=8, READ_S=1, WRITE_S=2). */
export function setCpl(cpu: Cpu, cpl: number): void {
  cpu.cpl = cpl;
  cpu.rdBit = cpl === 3 ? 4 : 1;
  cpu.wrBit = cpl === 3 ? 8 : 2;
}

/**
 * MOV/POP/LDS…/far-RET data-segment load of `sel` into ES/SS/DS/FS/GS with every check of
 * SDM Vol.2 "MOV—Move to/from Segment Registers" (protected mode), or the real-mode load.
 */
export function loadSegment(cpu: Cpu, seg: number, sel: number): void {
  sel &= 0xffff;
  if ((cpu.cr0 & CR0.PE) === 0 || (cpu.flags & 0x20000) !== 0) {
    setSegCache(cpu, seg, sel, sel << 4, 0xffff, (cpu.segAttr[seg]! & ~0xff) | 0x93);
    return;
  }
  const rpl = sel & 3;
  const err = sel & 0xfffc;
  if (seg === SREG.SS) {
    if (err === 0) raise(cpu, VECTOR.GP, 0);
    if (!fetchDescriptor(cpu, sel)) raise(cpu, VECTOR.GP, err);
    const attr = descAttr(desc.hi);
    const dpl = (attr >> 5) & 3;
    if (rpl !== cpu.cpl || (attr & SEG_ATTR.S) === 0 || (attr & 0xa) !== 2 || dpl !== cpu.cpl) raise(cpu, VECTOR.GP, err);
    if ((attr & SEG_ATTR.P) === 0) raise(cpu, VECTOR.SS, err);
    setAccessed(cpu);
    loadFromDesc(cpu, seg, sel);
    return;
  }
  if (err === 0) {
    loadNull(cpu, seg, sel);
    return;
  }
  if (!fetchDescriptor(cpu, sel)) raise(cpu, VECTOR.GP, err);
  const attr = descAttr(desc.hi);
  const dpl = (attr >> 5) & 3;
  const type = attr & 0xf;
  // Must be data, or readable code.
  if ((attr & SEG_ATTR.S) === 0 || (type & 0xa) === 8) raise(cpu, VECTOR.GP, err);
  // Data or non-conforming code: RPL and CPL must be <= DPL.
  if (((type & 8) === 0 || (type & 4) === 0) && (rpl > dpl || cpu.cpl > dpl)) raise(cpu, VECTOR.GP, err);
  if ((attr & SEG_ATTR.P) === 0) raise(cpu, VECTOR.NP, err);
  setAccessed(cpu);
  loadFromDesc(cpu, seg, sel);
}

const DATA_SEGS = [SREG.ES, SREG.DS, SREG.FS, SREG.GS] as const;

/**
 * After a privilege-level change to an outer level (RET far, IRET): data segments whose DPL is
 * below the new CPL (and that are not conforming code) become null (SDM Vol.2 RET, IRET).
 */
export function nullifyInnerSegments(cpu: Cpu): void {
  for (let i = 0; i < 4; i++) {
    const s = DATA_SEGS[i]!;
    const attr = cpu.segAttr[s]!;
    const dpl = (attr >> 5) & 3;
    const conformingCode = (attr & 0x1c) === 0x1c;
    if ((cpu.segSel[s]! & 0xfffc) !== 0 && !conformingCode && dpl < cpu.cpl) loadNull(cpu, s, 0);
  }
}

/** Sets up a flat 4 GiB segment cache (used by reset helpers and SYSENTER/SYSEXIT). */
export function setFlat(cpu: Cpu, seg: number, sel: number, code: boolean, dpl: number): void {
  const attr = SEG_ATTR.P | SEG_ATTR.S | SEG_ATTR.DB | SEG_ATTR.G | (dpl << 5) | (code ? 0xb : 0x3);
  setSegCache(cpu, seg, sel, 0, 0xffffffff, attr);
}
