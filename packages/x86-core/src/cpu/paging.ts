/** @file Paging glue: a TLB miss goes through mmu's Tlb.translate (the 1-D walk + fill), or raises #PF with CR2 and the error code. */
import { Access, PageWalk, TlbBit } from '@x86virt/mmu';
import type { Cpu } from './cpu.ts';
import { raise, VECTOR } from './fault.ts';
import { guestTranslationFault } from '../svm/intercepts.ts';

/** Access kinds (must match memory.ts ACCESS): 0 read, 1 write, 2 fetch. */
const WRITE = 1;
const FETCH = 2;

const walk = new PageWalk();

/**
 * Translates a linear address for a read (0), write (1) or fetch (2) at user (CPL 3) or
 * supervisor level. Returns the physical address; raises #PF (CR2 = lin) on a fault. mmu's Tlb
 * fills the entry for RAM pages (writes only once the page is dirty), so the next access takes
 * the inline fast path. With CR0.PG=0 the walk is the identity.
 */
export function translateLinear(cpu: Cpu, lin: number, access: number, user: boolean): number {
  cpu.counters.tlbMisses++;
  const kind = (access === WRITE ? Access.WRITE : access === FETCH ? Access.FETCH : Access.READ) | (user ? Access.USER : 0);
  const r = cpu.nestedPaging
    ? cpu.tlb.translateNested(cpu.ram, cpu.cr0, cpu.cr3, cpu.cr4, cpu.svm!.nCr3, cpu.svm!.hostCr4, lin, kind, walk)
    : cpu.tlb.translate(cpu.ram, cpu.cr0, cpu.cr3, cpu.cr4, lin, kind, walk);
  cpu.counters.walkRefs += walk.references;
  cpu.cycles += walk.references * cpu.cost.walkRef;
  if (r < 0) {
    // SVM guest mode: a nested fault exits (NPF); an intercepted #PF leaves CR2 alone (EXITINFO2).
    if (cpu.guestMode && guestTranslationFault(cpu, r, lin, walk.faultAddress)) return raise(cpu, VECTOR.PF, ~r & 0x1f);
    cpu.cr2 = lin;
    return raise(cpu, VECTOR.PF, ~r & 0x1f);
  }
  return r;
}

/** Fetch translation for the block builder: physical address of the code byte at `lin`. */
export function translateFetch(cpu: Cpu, lin: number): number {
  const e = cpu.tlb.entries[lin >>> 12]!;
  const bit = cpu.cpl === 3 ? TlbBit.FETCH_U : TlbBit.FETCH_S;
  if ((e & bit) !== 0) return (e & TlbBit.FRAME) | (lin & 0xfff);
  return translateLinear(cpu, lin, FETCH, cpu.cpl === 3);
}
