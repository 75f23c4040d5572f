/** @file The 1-D walk: 32-bit two-level paging with 4 KiB and 4 MiB pages (Intel SDM Vol.3 §4.3, §4.6-§4.8). */
// What the silicon does on a TLB miss. Returns a physical address or `~errorCode`; never throws or allocates.
import { Access, Cr0, Cr4, PfError, PageSize, Pte } from './paging-bits.ts';
import { readU32, setEntryLowBits } from './phys-memory.ts';
import type { PageWalk } from './page-walk.ts';

/**
 * Access-rights check of SDM Vol.3 §4.6.1 for 32-bit paging without SMEP/SMAP/NX, given the
 * U/S and R/W bits combined (ANDed) over both levels. Returns true if the access is allowed.
 * - user access (CPL=3): needs U/S=1; a write also needs R/W=1 (CR0.WP does not matter);
 * - supervisor access: reads and fetches always allowed; writes need R/W=1 only when CR0.WP=1.
 * Instruction fetches are checked as reads (no NX without PAE).
 */
export function accessAllowed(us: number, rw: number, access: number, cr0: number): boolean {
  const write = (access & Access.WRITE) !== 0;
  if ((access & Access.USER) !== 0) return us !== 0 && (!write || rw !== 0);
  return !write || rw !== 0 || (cr0 & Cr0.WP) === 0;
}

function fault(out: PageWalk, linear: number, code: number): number {
  out.physical = -1;
  out.gpa = -1;
  out.faultAddress = linear;
  return ~code;
}

/**
 * Translates `linear` through the page directory at CR3 for an `access` (Access bits), as the
 * silicon does. On success returns the physical address (>= 0), sets A in the PDE and the PTE
 * (and D in the leaf on a write) exactly once the whole walk has succeeded, and fills `out`.
 * On failure returns `~errorCode` (negative; see `isFault`, `faultErrorCode`), sets
 * `out.faultAddress` (CR2) and changes no entry. With CR0.PG=0 the address is returned as is.
 *
 * Choices (see README): PS is ignored (table pointer) when CR4.PSE=0; G counts only with
 * CR4.PGE=1; in a 4 MiB PDE bits 21:13 are reserved (no PSE-36) and give P|RSVD; the I/D bit is
 * never set (no NX on a non-PAE i686, as QEMU); entries outside `mem` read as 0.
 */
export function walkLegacy(
  mem: Uint8Array,
  cr0: number,
  cr3: number,
  cr4: number,
  linear: number,
  access: number,
  out: PageWalk,
): number {
  const la = linear >>> 0;
  out.linear = la;
  out.references = 0;
  out.updates = 0;
  out.pdeAddress = -1;
  out.pteAddress = -1;
  out.hostWritable = 1;
  out.hostDirty = 1;
  out.faultAddress = 0;
  if ((cr0 & Cr0.PG) === 0) {
    out.physical = la;
    out.gpa = la;
    out.pageSize = PageSize.SIZE_4K;
    out.user = 1;
    out.writable = 1;
    out.global = 0;
    out.dirty = 1;
    return la;
  }
  const errBits = access & (PfError.W | PfError.U);
  const write = (access & Access.WRITE) !== 0;

  // SDM §4.3: the PDE is at CR3[31:12] | linear[31:22] << 2.
  const pdeAddr = ((cr3 & Pte.FRAME_4K) >>> 0) + ((la >>> 22) << 2);
  out.pdeAddress = pdeAddr;
  const pde = readU32(mem, pdeAddr);
  out.references = 1;
  if ((pde & Pte.P) === 0) return fault(out, la, errBits);

  if ((pde & Pte.PS) !== 0 && (cr4 & Cr4.PSE) !== 0) {
    // SDM Table 4-4: a PDE that maps a 4 MiB page. Bits 21:13 reserved without PSE-36.
    if ((pde & Pte.RSVD_4M) !== 0) return fault(out, la, errBits | PfError.P | PfError.RSVD);
    if (!accessAllowed(pde & Pte.US, pde & Pte.RW, access, cr0)) return fault(out, la, errBits | PfError.P);
    // SDM §4.8: A in the entry used, D in the entry that maps the page on a write.
    out.updates = setEntryLowBits(mem, pdeAddr, write ? Pte.A | Pte.D : Pte.A);
    const phys = ((pde & Pte.FRAME_4M) >>> 0) + (la & 0x3fffff);
    out.physical = phys;
    out.gpa = phys;
    out.pageSize = PageSize.SIZE_4M;
    out.user = (pde & Pte.US) !== 0 ? 1 : 0;
    out.writable = (pde & Pte.RW) !== 0 ? 1 : 0;
    out.global = (pde & Pte.G) !== 0 && (cr4 & Cr4.PGE) !== 0 ? 1 : 0;
    out.dirty = write || (pde & Pte.D) !== 0 ? 1 : 0;
    return phys;
  }

  // SDM Table 4-5: a PDE that references a page table (PS ignored when CR4.PSE=0).
  const pteAddr = ((pde & Pte.FRAME_4K) >>> 0) + (((la >>> 12) & 0x3ff) << 2);
  out.pteAddress = pteAddr;
  const pte = readU32(mem, pteAddr);
  out.references = 2;
  if ((pte & Pte.P) === 0) return fault(out, la, errBits);
  const us = pde & pte & Pte.US;
  const rw = pde & pte & Pte.RW;
  if (!accessAllowed(us, rw, access, cr0)) return fault(out, la, errBits | PfError.P);
  out.updates =
    setEntryLowBits(mem, pdeAddr, Pte.A) + setEntryLowBits(mem, pteAddr, write ? Pte.A | Pte.D : Pte.A);
  const phys = ((pte & Pte.FRAME_4K) >>> 0) + (la & 0xfff);
  out.physical = phys;
  out.gpa = phys;
  out.pageSize = PageSize.SIZE_4K;
  out.user = us !== 0 ? 1 : 0;
  out.writable = rw !== 0 ? 1 : 0;
  out.global = (pte & Pte.G) !== 0 && (cr4 & Cr4.PGE) !== 0 ? 1 : 0;
  out.dirty = write || (pte & Pte.D) !== 0 ? 1 : 0;
  return phys;
}
