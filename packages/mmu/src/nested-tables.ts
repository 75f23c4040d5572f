/** @file The nested-table builder for hw-vmm's `--mmu nested` (identity-offset guest-physical → host-physical). */
// Writes 32-bit two-level tables mapping guest-physical [0, guestBytes) to host-physical
// [hostOffset, hostOffset + guestBytes), with 4 KiB or 4 MiB (host CR4.PSE) nested pages.
import { hpa } from './address.ts';
import type { Hpa } from './address.ts';
import { makePde4M, makePdeTable, makePte } from './entry-format.ts';
import { PageSize, Pte } from './paging-bits.ts';
import { writeU32 } from './phys-memory.ts';

/** A bad argument to the nested-table builder (misaligned, too small, overlapping, outside RAM). */
export class NestedTablesError extends Error {
  override readonly name = 'NestedTablesError';
}

/** Options of `buildNestedTables`. */
export interface NestedTablesOptions {
  /** Map with 4 MiB nested pages (needs host CR4.PSE=1 when walked); default false (4 KiB pages). */
  largePages?: boolean;
  /**
   * Flags of the mapping entries. Default P|RW|US: nested walks are user accesses (AMD APM
   * Vol.2 §15.25.5), so U/S must be 1; A and D are left clear for the walker to set.
   */
  flags?: number;
}

/** Bytes of table space `buildNestedTables` needs: the page directory plus one page table per 4 MiB (4 KiB pages). */
export function nestedTablesBytes(guestBytes: number, largePages = false): number {
  const pageTables = largePages ? 0 : Math.ceil(guestBytes / PageSize.SIZE_4M);
  return PageSize.SIZE_4K * (1 + pageTables);
}

/**
 * Builds the nested tables in `mem` at `tableBase` (4 KiB aligned, `tableBytes` long, zeroed
 * first) and returns the value for the VMCB's N_CR3. Guest-physical addresses at or above
 * `guestBytes` (rounded up to the page size) stay unmapped, so a guest access there (MMIO) is a
 * nested page fault for the monitor to emulate. Throws NestedTablesError on bad arguments.
 */
export function buildNestedTables(
  mem: Uint8Array,
  tableBase: Hpa,
  tableBytes: number,
  guestBytes: number,
  hostOffset: Hpa,
  options: NestedTablesOptions = {},
): Hpa {
  const large = options.largePages ?? false;
  const page = large ? PageSize.SIZE_4M : PageSize.SIZE_4K;
  const flags = (options.flags ?? Pte.P | Pte.RW | Pte.US) & 0xfff & ~Pte.PS;
  const need = nestedTablesBytes(guestBytes, large);
  if (tableBase % PageSize.SIZE_4K !== 0) throw new NestedTablesError(`table base 0x${tableBase.toString(16)} is not 4 KiB aligned`);
  if (hostOffset % page !== 0) throw new NestedTablesError(`host offset 0x${hostOffset.toString(16)} is not aligned to the ${page >>> 10} KiB page size`);
  if (guestBytes <= 0 || guestBytes > 0x1_0000_0000) throw new NestedTablesError(`guest size ${guestBytes} is not in (0, 4 GiB]`);
  if (tableBytes < need) throw new NestedTablesError(`table region of ${tableBytes} bytes is smaller than the ${need} bytes needed`);
  if (tableBase + need > mem.length) throw new NestedTablesError('table region lies outside RAM');
  const mapped = Math.ceil(guestBytes / page) * page;
  if (hostOffset + mapped > 0x1_0000_0000) throw new NestedTablesError('mapped host range exceeds 4 GiB');
  if (tableBase < hostOffset + mapped && hostOffset < tableBase + need) {
    throw new NestedTablesError('table region overlaps the host range the guest can write');
  }

  mem.fill(0, tableBase, tableBase + need);
  if (large) {
    for (let g = 0; g < mapped; g += page) writeU32(mem, tableBase + ((g >>> 22) << 2), makePde4M(hostOffset + g, flags));
    return hpa(tableBase);
  }
  for (let g = 0; g < mapped; g += page) {
    const pt = tableBase + PageSize.SIZE_4K * (1 + Math.floor(g / PageSize.SIZE_4M));
    if (g % PageSize.SIZE_4M === 0) writeU32(mem, tableBase + ((g >>> 22) << 2), makePdeTable(pt, flags));
    writeU32(mem, pt + (((g >>> 12) & 0x3ff) << 2), makePte(hostOffset + g, flags));
  }
  return hpa(tableBase);
}
