/** @file One software TLB per ASID for the SVM layer, and the VMCB TLB_CONTROL values (AMD APM Vol.2 §15.16). */
import { Tlb } from './tlb.ts';
import type { TlbOptions } from './tlb.ts';

/** Values of the VMCB TLB_CONTROL field (APM Vol.2 §15.16.1). */
export const TlbControl = {
  /** Flush nothing. */
  DO_NOTHING: 0,
  /** Flush the entire TLB: every ASID, global entries included. */
  FLUSH_ALL: 1,
  /** Flush this guest's ASID. */
  FLUSH_ASID: 3,
  /** Flush this guest's non-global entries. */
  FLUSH_ASID_NON_GLOBAL: 7,
} as const;

/**
 * Keeps a Tlb per ASID, created on first use (one Tlb holds 4 MiB of entries, so create few ASIDs).
 * Intended use: the silicon points its current TLB at `get(0)` in host mode and at
 * `get(vmcb.GUEST_ASID)` in guest mode; `vmrun` calls `applyTlbControl` first. A world switch then
 * flushes nothing, as on an ASID-tagged TLB; mode-changing writes inside a world go to that world's Tlb.
 */
export class TlbSet {
  readonly #tlbs = new Map<number, Tlb>();
  readonly #options: TlbOptions;

  constructor(options: Omit<TlbOptions, 'asid'> = {}) {
    this.#options = options;
  }

  /** The Tlb of `asid`, created empty on first use. */
  get(asid: number): Tlb {
    let tlb = this.#tlbs.get(asid);
    if (tlb === undefined) {
      tlb = new Tlb({ ...this.#options, asid });
      this.#tlbs.set(asid, tlb);
    }
    return tlb;
  }

  /** The ASIDs that have a Tlb, ascending. */
  asids(): number[] {
    return [...this.#tlbs.keys()].sort((a, b) => a - b);
  }

  /** Flushes every ASID's Tlb, global entries included. */
  flushAll(): void {
    for (const tlb of this.#tlbs.values()) tlb.flushAll();
  }

  /** Applies a VMCB TLB_CONTROL value for the guest `asid`; unknown values flush nothing. */
  applyTlbControl(asid: number, tlbControl: number): void {
    switch (tlbControl) {
      case TlbControl.FLUSH_ALL:
        this.flushAll();
        break;
      case TlbControl.FLUSH_ASID:
        this.#tlbs.get(asid)?.flushAll();
        break;
      case TlbControl.FLUSH_ASID_NON_GLOBAL:
        this.#tlbs.get(asid)?.flushNonGlobal();
        break;
      default:
        break;
    }
  }
}
