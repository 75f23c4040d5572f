/** @file Building and indexing 32-bit paging entries (SDM Vol.3 §4.3): PDE/PTE constructors and entry addresses. */
import { Pte } from './paging-bits.ts';

/** Index of the PDE for a linear address: bits 31:22. */
export function pdIndex(linear: number): number {
  return linear >>> 22;
}

/** Index of the PTE for a linear address: bits 21:12. */
export function ptIndex(linear: number): number {
  return (linear >>> 12) & 0x3ff;
}

/** Physical address of the PDE for `linear` in the page directory at `pdBase` (CR3 bits 31:12 are used). */
export function pdeAddress(pdBase: number, linear: number): number {
  return ((pdBase & Pte.FRAME_4K) >>> 0) + ((linear >>> 22) << 2);
}

/** Physical address of the PTE for `linear` in the page table at `ptBase` (bits 31:12 are used). */
export function pteAddress(ptBase: number, linear: number): number {
  return ((ptBase & Pte.FRAME_4K) >>> 0) + (((linear >>> 12) & 0x3ff) << 2);
}

/** A PDE pointing to the page table at `ptBase` (4 KiB aligned), with `flags` (P, RW, US, …). */
export function makePdeTable(ptBase: number, flags: number): number {
  return ((ptBase & Pte.FRAME_4K) | (flags & 0xfff & ~Pte.PS)) >>> 0;
}

/** A PDE mapping the 4 MiB page at `frame` (4 MiB aligned); PS is added to `flags`. */
export function makePde4M(frame: number, flags: number): number {
  return ((frame & Pte.FRAME_4M) | (flags & 0x1fff) | Pte.PS) >>> 0;
}

/** A PTE mapping the 4 KiB page at `frame` (4 KiB aligned), with `flags` (P, RW, US, A, D, G…). */
export function makePte(frame: number, flags: number): number {
  return ((frame & Pte.FRAME_4K) | (flags & 0xfff)) >>> 0;
}
