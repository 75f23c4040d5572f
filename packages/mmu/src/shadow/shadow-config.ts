/** @file Configuration of a ShadowPager (memory layout, reserved PDEs) and its checking. */
import type { Hpa } from '../address.ts';

/** A PDE the caller wants in every shadow page directory (the monitor's own region). */
export interface ReservedPde {
  /** Page-directory index (0..1023); bt-vmm uses 1023 (the top 4 MiB). */
  index: number;
  /** The PDE value, pointing at monitor memory (usually supervisor-only). */
  pde: number;
}

/** Where guest RAM and the shadow-table pool live in the machine's physical memory. */
export interface ShadowPagerConfig {
  /** The machine's whole physical memory (host-physical address = index). */
  mem: Uint8Array;
  /** Host-physical address of guest-physical 0 (default 0: hpa == gpa). 4 KiB aligned. */
  guestRamBase?: Hpa;
  /** Bytes of guest RAM (multiple of 4 KiB). Guest-physical pages at or above it are never mapped. */
  guestRamSize: number;
  /** Host-physical address of the shadow-table pool (4 KiB aligned, outside guest RAM). */
  poolBase: Hpa;
  /** Pages in the pool (at least 2: one root and one shadow page table). */
  poolPages: number;
  /** PDEs present in every shadow page directory; guest mappings under them are refused. */
  reservedPdes?: readonly ReservedPde[];
  /** Install the shadow PTE when a traced write makes a guest PTE present (default true). */
  eagerValidate?: boolean;
}

/** A ShadowPager configuration that cannot work (thrown by the constructor only). */
export class ShadowPagerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ShadowPagerError';
  }
}

/** Throws ShadowPagerError if `config` is inconsistent. */
export function checkShadowPagerConfig(config: ShadowPagerConfig): void {
  const base = config.guestRamBase ?? 0;
  const size = config.guestRamSize;
  const memSize = config.mem.length;
  if (base % 0x1000 !== 0 || size % 0x1000 !== 0 || size <= 0) {
    throw new ShadowPagerError(`guest RAM [${base}, +${size}) must be 4 KiB aligned and non-empty`);
  }
  if (base + size > memSize) throw new ShadowPagerError(`guest RAM ends at ${base + size}, beyond memory (${memSize} bytes)`);
  const pool = config.poolBase;
  const poolEnd = pool + config.poolPages * 0x1000;
  if (pool % 0x1000 !== 0 || !Number.isInteger(config.poolPages) || config.poolPages < 2) {
    throw new ShadowPagerError('the pool must be 4 KiB aligned and hold at least 2 pages');
  }
  if (poolEnd > memSize) throw new ShadowPagerError(`the pool ends at ${poolEnd}, beyond memory (${memSize} bytes)`);
  if (poolEnd > 0x1_0000_0000) throw new ShadowPagerError('the pool must lie below 4 GiB');
  if (pool < base + size && poolEnd > base) throw new ShadowPagerError('the pool overlaps guest RAM');
  const seen = new Set<number>();
  for (const r of config.reservedPdes ?? []) {
    if (!Number.isInteger(r.index) || r.index < 0 || r.index > 1023 || seen.has(r.index)) {
      throw new ShadowPagerError(`bad or duplicate reserved PDE index ${r.index}`);
    }
    seen.add(r.index);
  }
}
