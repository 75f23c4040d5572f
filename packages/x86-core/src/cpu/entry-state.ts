/** @file Loading a loader's hand-over state into the processor, and reading the architectural state back as plain data. */
import type { Cpu } from './cpu.ts';
import { readEflags, writeEflags } from './eflags.ts';
import { setCpl, setSegCache } from './segmentation.ts';

/** One segment register as a loader describes it: selector and descriptor-cache contents. */
export interface EntrySegment {
  readonly selector: number;
  readonly base: number;
  /** Effective limit in bytes minus one. */
  readonly limit: number;
  /** Descriptor byte 5: P, DPL, S, type. */
  readonly access: number;
  /** Descriptor bits 55:52: G, D/B, L, AVL. */
  readonly flags: number;
}

/**
 * The processor state at a kernel's entry, as plain data (devices' loaders produce this shape:
 * `MultibootLoad.state`; x86-core does not import devices, the shapes match structurally).
 */
export interface EntryState {
  readonly eip: number;
  readonly eax: number;
  readonly ebx: number;
  readonly ecx: number;
  readonly edx: number;
  readonly esi: number;
  readonly edi: number;
  readonly ebp: number;
  readonly esp: number;
  readonly eflags: number;
  readonly cr0: number;
  readonly cr3: number;
  readonly cr4: number;
  readonly segments: {
    readonly es: EntrySegment;
    readonly cs: EntrySegment;
    readonly ss: EntrySegment;
    readonly ds: EntrySegment;
    readonly fs: EntrySegment;
    readonly gs: EntrySegment;
  };
  readonly gdtr: { readonly base: number; readonly limit: number };
  readonly idtr: { readonly base: number; readonly limit: number };
}

const SEG_ORDER = ['es', 'cs', 'ss', 'ds', 'fs', 'gs'] as const;

/** Puts the processor into `s` (CPL from CS's DPL; LDTR null; TR unusable; TLB flushed). */
export function loadEntryState(cpu: Cpu, s: EntryState): void {
  const r = cpu.regs;
  r[0] = s.eax;
  r[1] = s.ecx;
  r[2] = s.edx;
  r[3] = s.ebx;
  r[4] = s.esp;
  r[5] = s.ebp;
  r[6] = s.esi;
  r[7] = s.edi;
  cpu.cr0 = s.cr0;
  cpu.cr3 = s.cr3;
  cpu.cr4 = s.cr4;
  cpu.tlb.flushAll();
  writeEflags(cpu, s.eflags | 2, -1);
  SEG_ORDER.forEach((name, seg) => {
    const d = s.segments[name];
    setSegCache(cpu, seg, d.selector, d.base, d.limit, (d.access & 0xff) | ((d.flags & 0xf) << 12));
  });
  setCpl(cpu, (s.segments.cs.access >> 5) & 3);
  setSegCache(cpu, 6, 0, 0, 0, 0);
  setSegCache(cpu, 7, 0, 0, 0, 0);
  cpu.gdtrBase = s.gdtr.base;
  cpu.gdtrLimit = s.gdtr.limit;
  cpu.idtrBase = s.idtr.base;
  cpu.idtrLimit = s.idtr.limit;
  cpu.eip = s.eip | 0;
  cpu.nextEip = cpu.eip;
  cpu.halted = false;
  cpu.intShadow = false;
  cpu.shutdown = null;
}

/** The architectural state that must be equal across execution modes at the end of a run. */
export interface ArchState {
  readonly eax: number;
  readonly ecx: number;
  readonly edx: number;
  readonly ebx: number;
  readonly esp: number;
  readonly ebp: number;
  readonly esi: number;
  readonly edi: number;
  readonly eip: number;
  readonly eflags: number;
  readonly cpl: number;
  readonly cr0: number;
  readonly cr2: number;
  readonly cr3: number;
  readonly cr4: number;
  readonly segments: readonly number[];
}

/** Reads the architectural state (registers as unsigned 32-bit numbers; segment selectors ES…GS). */
export function archState(cpu: Cpu): ArchState {
  const u = (i: number): number => cpu.regs[i]! >>> 0;
  return {
    eax: u(0), ecx: u(1), edx: u(2), ebx: u(3), esp: u(4), ebp: u(5), esi: u(6), edi: u(7),
    eip: cpu.eip >>> 0,
    eflags: readEflags(cpu) >>> 0,
    cpl: cpu.cpl,
    cr0: cpu.cr0 >>> 0, cr2: cpu.cr2 >>> 0, cr3: cpu.cr3 >>> 0, cr4: cpu.cr4 >>> 0,
    segments: Array.from(cpu.segSel.subarray(0, 6)),
  };
}
