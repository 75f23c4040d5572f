/** @file Protected-mode set-up helpers for tests: descriptors, a flat GDT with ring-3 segments and a TSS, an IDT of interrupt/trap gates. */
import { setCpl, setFlat, setSegCache, loadSegment } from '../../src/cpu/segmentation.ts';
import { SEG_TR } from '../../src/cpu/cpu.ts';
import { type Machine, poke32 } from './machine.ts';

/** Selectors of the standard test GDT built by `setupGdt`. */
export const SEL = {
  CODE0: 0x08,
  DATA0: 0x10,
  CODE3: 0x1b,
  DATA3: 0x23,
  TSS: 0x28,
  /** Free slots for tests' own descriptors. */
  FREE1: 0x30,
  FREE2: 0x38,
  FREE3: 0x40,
  FREE4: 0x48,
} as const;

/** Where the helpers put the tables (physical = linear, flat). */
export const TABLES = { GDT: 0x20000, IDT: 0x21000, TSS: 0x22000, RING0_STACK: 0x30000 } as const;

/** Writes a segment descriptor (base, byte limit, access byte, flags nibble G/DB) at `addr`. */
export function writeDescriptor(m: Machine, addr: number, base: number, limit: number, access: number, flags = 0xc): void {
  let lim = limit;
  let f = flags;
  if (lim > 0xfffff) {
    lim = Math.floor(lim / 4096);
    f |= 0x8;
  } else if ((f & 0x8) !== 0) lim = Math.floor(lim / 4096);
  const lo = ((base & 0xffff) << 16) | (lim & 0xffff);
  const hi = (base & 0xff000000) | ((f & 0xf) << 20) | (lim & 0xf0000) | ((access & 0xff) << 8) | ((base >>> 16) & 0xff);
  poke32(m, addr, lo);
  poke32(m, addr + 4, hi);
}

/** Writes GDT entry `sel` of the test GDT. */
export function gdtEntry(m: Machine, sel: number, base: number, limit: number, access: number, flags = 0xc): void {
  writeDescriptor(m, TABLES.GDT + (sel & 0xfff8), base, limit, access, flags);
}

/** Writes a gate (interrupt 0x8E/0x8F-style type byte incl. P and DPL) at `addr`. */
export function writeGate(m: Machine, addr: number, selector: number, offset: number, typeByte: number, params = 0): void {
  poke32(m, addr, ((selector & 0xffff) << 16) | (offset & 0xffff));
  poke32(m, addr + 4, (offset & 0xffff0000) | ((typeByte & 0xff) << 8) | (params & 0x1f));
}

/**
 * Builds the test GDT (null, ring-0 code/data, ring-3 code/data, a 32-bit TSS whose ring-0
 * stack is SEL.DATA0:TABLES.RING0_STACK) and loads GDTR, the segment caches and TR.
 */
export function setupGdt(m: Machine): void {
  const { cpu } = m;
  gdtEntry(m, SEL.CODE0, 0, 0xffffffff, 0x9a);
  gdtEntry(m, SEL.DATA0, 0, 0xffffffff, 0x92);
  gdtEntry(m, SEL.CODE3, 0, 0xffffffff, 0xfa);
  gdtEntry(m, SEL.DATA3, 0, 0xffffffff, 0xf2);
  gdtEntry(m, SEL.TSS, TABLES.TSS, 0x67, 0x89, 0x0);
  poke32(m, TABLES.TSS + 4, TABLES.RING0_STACK);
  poke32(m, TABLES.TSS + 8, SEL.DATA0);
  poke32(m, TABLES.TSS + 100, 0x0068 << 16);
  cpu.gdtrBase = TABLES.GDT;
  cpu.gdtrLimit = 0x4f;
  setFlat(cpu, 1, SEL.CODE0, true, 0);
  for (const s of [0, 2, 3, 4, 5]) loadSegment(cpu, s, SEL.DATA0);
  // LTR equivalent: a busy 32-bit TSS.
  gdtEntry(m, SEL.TSS, TABLES.TSS, 0x67, 0x8b, 0x0);
  setSegCache(cpu, SEG_TR, SEL.TSS, TABLES.TSS, 0x67, 0x8b);
}

/** Builds an IDT at TABLES.IDT with `vectors` interrupt gates (type 0x8E, DPL 0) to `handler + 16 * v`. */
export function setupIdt(m: Machine, handlerBase: number, vectors = 256, dpl = 0): void {
  for (let v = 0; v < vectors; v++) {
    writeGate(m, TABLES.IDT + v * 8, SEL.CODE0, handlerBase + 16 * v, 0x8e | (dpl << 5));
  }
  m.cpu.idtrBase = TABLES.IDT;
  m.cpu.idtrLimit = vectors * 8 - 1;
}

/** Switches the machine to ring 3 with the ring-3 flat selectors (as if by IRET). */
export function enterRing3(m: Machine, eip: number, esp: number): void {
  const { cpu } = m;
  setFlat(cpu, 1, SEL.CODE3, true, 3);
  setCpl(cpu, 3);
  for (const s of [0, 2, 3, 4, 5]) loadSegment(cpu, s, SEL.DATA3);
  cpu.eip = eip;
  cpu.regs[4] = esp;
}
