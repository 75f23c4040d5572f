/** @file Initial-state helpers: the flat 32-bit protected-mode state a multiboot loader hands over. */
import type { Cpu } from './cpu.ts';
import { CR0 } from './cpu.ts';
import { setCpl, setFlat, setSegCache } from './segmentation.ts';

/** Options of `enterFlatProtectedMode`. */
export interface FlatModeOptions {
  readonly eip: number;
  readonly esp?: number;
  /** Code and data selectors the caches claim (the GDT itself is the guest's business). */
  readonly codeSelector?: number;
  readonly dataSelector?: number;
}

/**
 * Puts the processor in the multiboot hand-over state (Multiboot spec §3.2): CR0.PE=1,
 * paging off, CS a flat 32-bit execute/read segment, DS/ES/FS/GS/SS flat read/write,
 * EFLAGS = 2 (IF=0), CPL 0, LDTR null, TR unusable.
 */
export function enterFlatProtectedMode(cpu: Cpu, o: FlatModeOptions): void {
  const cs = o.codeSelector ?? 0x08;
  const ds = o.dataSelector ?? 0x10;
  cpu.cr0 = CR0.PE | CR0.ET;
  cpu.cr3 = 0;
  cpu.cr4 = 0;
  cpu.tlb.flushAll();
  cpu.flags = 2;
  cpu.lazyMask = 0;
  setCpl(cpu, 0);
  setFlat(cpu, 1, cs, true, 0);
  for (const s of [0, 2, 3, 4, 5]) setFlat(cpu, s, ds, false, 0);
  setSegCache(cpu, 6, 0, 0, 0, 0);
  setSegCache(cpu, 7, 0, 0, 0, 0);
  cpu.eip = o.eip | 0;
  cpu.nextEip = cpu.eip;
  if (o.esp !== undefined) cpu.regs[4] = o.esp;
  cpu.halted = false;
  cpu.intShadow = false;
  cpu.shutdown = null;
}
