/** @file A guest walk that reports what the guest's tables say about an access without setting their A/D bits. */
import { Cr0, Cr4, Pte } from '../paging-bits.ts';
import { readU32 } from '../phys-memory.ts';
import { walkLegacy } from '../walk-legacy.ts';
import type { PageWalk } from '../page-walk.ts';

function saveByte(mem: Uint8Array, addr: number): number {
  return addr >= 0 && addr < mem.length ? mem[addr] : -1;
}

function restoreByte(mem: Uint8Array, addr: number, value: number): void {
  if (value >= 0) mem[addr] = value;
}

/**
 * `walkLegacy` on the guest's tables, then the low bytes of the PDE and PTE it may have touched
 * (where A and D live) are put back: the result (physical address or `~errorCode`) without the
 * side effects of an access that does not happen (e.g. one the monitor refuses).
 */
export function probeLegacy(
  mem: Uint8Array,
  cr0: number,
  cr3: number,
  cr4: number,
  linear: number,
  access: number,
  walk: PageWalk,
): number {
  if ((cr0 & Cr0.PG) === 0) return walkLegacy(mem, cr0, cr3, cr4, linear, access, walk);
  const la = linear >>> 0;
  const pdeAddr = ((cr3 & Pte.FRAME_4K) >>> 0) + ((la >>> 22) << 2);
  const pde = readU32(mem, pdeAddr);
  let pteAddr = -1;
  if ((pde & Pte.P) !== 0 && ((pde & Pte.PS) === 0 || (cr4 & Cr4.PSE) === 0)) {
    pteAddr = ((pde & Pte.FRAME_4K) >>> 0) + (((la >>> 12) & 0x3ff) << 2);
  }
  const pdeByte = saveByte(mem, pdeAddr);
  const pteByte = saveByte(mem, pteAddr);
  const result = walkLegacy(mem, cr0, cr3, cr4, la, access, walk);
  restoreByte(mem, pteAddr, pteByte);
  restoreByte(mem, pdeAddr, pdeByte);
  return result;
}
