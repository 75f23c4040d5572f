/** @file The 2-D walk of AMD nested paging (APM Vol.2 §15.25), counting memory references. */
// Guest-virtual → guest-physical through the guest's tables, every guest-physical address (each guest
// PDE/PTE and the final one) → host-physical through the nested tables at nCR3. Guest #PF and nested
// faults (#VMEXIT(NPF)) are reported distinctly. Never throws or allocates.
import { Access, Cr0, Cr4, PfError, PageSize, Pte } from './paging-bits.ts';
import { FaultFlag } from './fault.ts';
import { readU32, setEntryLowBits } from './phys-memory.ts';
import { accessAllowed } from './walk-legacy.ts';
import type { PageWalk } from './page-walk.ts';

/**
 * Translates one guest-physical address through the nested tables (host paging mode: 32-bit
 * two-level, 4 MiB pages when the host CR4.PSE=1). Nested walks are user accesses (APM §15.25.5),
 * so every nested entry needs U/S=1 and a write needs R/W=1; CR0.WP plays no part. Sets A (and D
 * on a write) in the nested entries used when this nested translation succeeds. Leaves the leaf's
 * R/W and D in `out.hostWritable` / `out.hostDirty`. Returns the host-physical address or
 * `~(errorCode | flag)`, with `out.faultAddress` = the gPA (EXITINFO2).
 */
function nestedTranslate(
  mem: Uint8Array,
  nCr3: number,
  hostCr4: number,
  gpa: number,
  write: boolean,
  flag: number,
  out: PageWalk,
): number {
  const errBits = PfError.U | (write ? PfError.W : 0);
  const npdeAddr = ((nCr3 & Pte.FRAME_4K) >>> 0) + ((gpa >>> 22) << 2);
  const npde = readU32(mem, npdeAddr);
  out.references++;
  if ((npde & Pte.P) === 0) return nestedFault(out, gpa, errBits | flag);
  if ((npde & Pte.PS) !== 0 && (hostCr4 & Cr4.PSE) !== 0) {
    if ((npde & Pte.RSVD_4M) !== 0) return nestedFault(out, gpa, errBits | PfError.P | PfError.RSVD | flag);
    if ((npde & Pte.US) === 0 || (write && (npde & Pte.RW) === 0)) {
      return nestedFault(out, gpa, errBits | PfError.P | flag);
    }
    out.updates += setEntryLowBits(mem, npdeAddr, write ? Pte.A | Pte.D : Pte.A);
    out.hostWritable = (npde & Pte.RW) !== 0 ? 1 : 0;
    out.hostDirty = write || (npde & Pte.D) !== 0 ? 1 : 0;
    return ((npde & Pte.FRAME_4M) >>> 0) + (gpa & 0x3fffff);
  }
  const npteAddr = ((npde & Pte.FRAME_4K) >>> 0) + (((gpa >>> 12) & 0x3ff) << 2);
  const npte = readU32(mem, npteAddr);
  out.references++;
  if ((npte & Pte.P) === 0) return nestedFault(out, gpa, errBits | flag);
  const us = npde & npte & Pte.US;
  const rw = npde & npte & Pte.RW;
  if (us === 0 || (write && rw === 0)) return nestedFault(out, gpa, errBits | PfError.P | flag);
  out.updates += setEntryLowBits(mem, npdeAddr, Pte.A) + setEntryLowBits(mem, npteAddr, write ? Pte.A | Pte.D : Pte.A);
  out.hostWritable = rw !== 0 ? 1 : 0;
  out.hostDirty = write || (npte & Pte.D) !== 0 ? 1 : 0;
  return ((npte & Pte.FRAME_4K) >>> 0) + (gpa & 0xfff);
}

function nestedFault(out: PageWalk, gpa: number, code: number): number {
  out.physical = -1;
  out.faultAddress = gpa;
  return ~code;
}

function guestFault(out: PageWalk, linear: number, code: number): number {
  out.physical = -1;
  out.gpa = -1;
  out.faultAddress = linear;
  return ~code;
}

/**
 * The 2-D walk. Guest state: `guestCr0/Cr3/Cr4` (guest mode's CR0.PG/WP, CR3, CR4.PSE/PGE);
 * host state: `nCr3` (VMCB N_CR3) and `hostCr4` (the host's CR4.PSE decides nested 4 MiB pages).
 *
 * Order of one walk (4 KiB guest page, 4 KiB nested pages):
 * nested(gPA of guest PDE) [2 refs] → guest PDE [1] → nested(gPA of guest PTE) [2] → guest PTE [1]
 * → nested(final gPA) [2] = 8 references, i.e. (2+1)·(2+1) − 1. A 4 MiB page at either level
 * removes the references of the level it skips.
 *
 * Guest page-table entries are read through the nested tables as user writes (the walk may set
 * their A/D bits; APM §15.25.5), so a read-only nested mapping of a guest page table faults.
 *
 * Results: the host-physical address (>= 0), `out.gpa` the guest-physical one. A guest fault
 * returns `~errorCode` (a guest #PF, `out.faultAddress` = CR2 = linear). A nested fault returns
 * `~(errorCode | FaultFlag.NPF_TABLE)` while translating a guest entry's gPA, or
 * `~(errorCode | FaultFlag.NPF_FINAL)` for the final gPA; `out.faultAddress` = EXITINFO2 = that
 * gPA and `npfExitInfo1(result)` = EXITINFO1. Nested error codes have U/S=1 (nested walks are
 * user accesses), W/R = the nested access was a write, never I/D (no NX).
 * Guest A/D bits are set only when the whole walk succeeds; nested A/D bits when their own
 * nested translation succeeds.
 */
export function walkNested(
  mem: Uint8Array,
  guestCr0: number,
  guestCr3: number,
  guestCr4: number,
  nCr3: number,
  hostCr4: number,
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
  out.faultAddress = 0;
  out.physical = -1;
  out.gpa = -1;
  const write = (access & Access.WRITE) !== 0;

  if ((guestCr0 & Cr0.PG) === 0) {
    out.gpa = la;
    out.pageSize = PageSize.SIZE_4K;
    out.user = 1;
    out.writable = 1;
    out.global = 0;
    out.dirty = 1;
    const h = nestedTranslate(mem, nCr3, hostCr4, la, write, FaultFlag.NPF_FINAL, out);
    if (h >= 0) out.physical = h;
    return h;
  }
  const errBits = access & (PfError.W | PfError.U);

  const pdeGpa = ((guestCr3 & Pte.FRAME_4K) >>> 0) + ((la >>> 22) << 2);
  const pdeHpa = nestedTranslate(mem, nCr3, hostCr4, pdeGpa, true, FaultFlag.NPF_TABLE, out);
  if (pdeHpa < 0) return pdeHpa;
  out.pdeAddress = pdeHpa;
  const pde = readU32(mem, pdeHpa);
  out.references++;
  if ((pde & Pte.P) === 0) return guestFault(out, la, errBits);

  let us: number;
  let rw: number;
  let leafAddr: number;
  let leaf: number;
  let gpa: number;
  if ((pde & Pte.PS) !== 0 && (guestCr4 & Cr4.PSE) !== 0) {
    if ((pde & Pte.RSVD_4M) !== 0) return guestFault(out, la, errBits | PfError.P | PfError.RSVD);
    us = pde & Pte.US;
    rw = pde & Pte.RW;
    leafAddr = pdeHpa;
    leaf = pde;
    gpa = ((pde & Pte.FRAME_4M) >>> 0) + (la & 0x3fffff);
    out.pageSize = PageSize.SIZE_4M;
  } else {
    const pteGpa = ((pde & Pte.FRAME_4K) >>> 0) + (((la >>> 12) & 0x3ff) << 2);
    const pteHpa = nestedTranslate(mem, nCr3, hostCr4, pteGpa, true, FaultFlag.NPF_TABLE, out);
    if (pteHpa < 0) return pteHpa;
    out.pteAddress = pteHpa;
    leaf = readU32(mem, pteHpa);
    out.references++;
    if ((leaf & Pte.P) === 0) return guestFault(out, la, errBits);
    us = pde & leaf & Pte.US;
    rw = pde & leaf & Pte.RW;
    leafAddr = pteHpa;
    gpa = ((leaf & Pte.FRAME_4K) >>> 0) + (la & 0xfff);
    out.pageSize = PageSize.SIZE_4K;
  }
  if (!accessAllowed(us, rw, access, guestCr0)) return guestFault(out, la, errBits | PfError.P);

  out.gpa = gpa;
  const h = nestedTranslate(mem, nCr3, hostCr4, gpa, write, FaultFlag.NPF_FINAL, out);
  if (h < 0) return h;

  // The whole walk succeeded: guest A/D bits (SDM Vol.3 §4.8), through their host-physical addresses.
  if (leafAddr !== pdeHpa) out.updates += setEntryLowBits(mem, pdeHpa, Pte.A);
  out.updates += setEntryLowBits(mem, leafAddr, write ? Pte.A | Pte.D : Pte.A);
  out.physical = h;
  out.user = us !== 0 ? 1 : 0;
  out.writable = rw !== 0 ? 1 : 0;
  out.global = (leaf & Pte.G) !== 0 && (guestCr4 & Cr4.PGE) !== 0 ? 1 : 0;
  out.dirty = write || (leaf & Pte.D) !== 0 ? 1 : 0;
  return h;
}
