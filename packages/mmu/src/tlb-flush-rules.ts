/** @file Which control-register writes flush the software TLB (Intel SDM Vol.3 §4.10.4.1, plus this TLB's design). */
import { Cr0, Cr4 } from './paging-bits.ts';

/**
 * CR0 bits whose change flushes the whole TLB, global entries included. SDM §4.10.4.1 requires it
 * for PG 1→0; PG 0→1 and PE drop the identity entries filled with paging off; WP because the
 * TLB resolves supervisor write rights against CR0.WP when it fills (QEMU flushes on the same three).
 */
export const CR0_TLB_FLUSH_BITS = Cr0.PG | Cr0.WP | Cr0.PE;

/**
 * CR4 bits whose change flushes the whole TLB, global entries included. SDM §4.10.4.1 requires it
 * for PGE and PAE; PSE because it changes how a PDE with PS=1 translates.
 */
export const CR4_TLB_FLUSH_BITS = Cr4.PGE | Cr4.PAE | Cr4.PSE;

/** True if writing `newCr0` over `oldCr0` must flush the whole TLB (global entries too). */
export function cr0WriteFlushesTlb(oldCr0: number, newCr0: number): boolean {
  return ((oldCr0 ^ newCr0) & CR0_TLB_FLUSH_BITS) !== 0;
}

/** True if writing `newCr4` over `oldCr4` must flush the whole TLB (global entries too). */
export function cr4WriteFlushesTlb(oldCr4: number, newCr4: number): boolean {
  return ((oldCr4 ^ newCr4) & CR4_TLB_FLUSH_BITS) !== 0;
}
