/** @file The silicon's event counters: retired instructions by CPL, exceptions by vector, TLB and engine events. */

/** Counters the silicon keeps (ARCHITECTURE.md §7). Plain numbers and typed arrays; reset with `resetCounters`. */
export interface CpuCounters {
  /** Retired instructions by CPL (index 0–3). A REP string instruction retires once, when it completes. */
  readonly retired: Float64Array;
  /** Exceptions and interrupts delivered, by vector (0–255). */
  readonly vectors: Float64Array;
  /** External (INTR) interrupts acknowledged. */
  interrupts: number;
  /** TLB misses (a translation not in the TLB, walked or identity-filled). */
  tlbMisses: number;
  /** Memory references made by page walks. */
  walkRefs: number;
  /** Port accesses and MMIO accesses. */
  portIo: number;
  mmio: number;
  /** Decoded blocks built, and blocks invalidated by writes to code pages. */
  blocksBuilt: number;
  blocksInvalidated: number;
  /** Double faults and shutdowns (triple faults). */
  doubleFaults: number;
  shutdowns: number;
}

/** A fresh set of zeroed counters. */
export function createCounters(): CpuCounters {
  return {
    retired: new Float64Array(4),
    vectors: new Float64Array(256),
    interrupts: 0,
    tlbMisses: 0,
    walkRefs: 0,
    portIo: 0,
    mmio: 0,
    blocksBuilt: 0,
    blocksInvalidated: 0,
    doubleFaults: 0,
    shutdowns: 0,
  };
}

/** Zeroes every counter in place. */
export function resetCounters(c: CpuCounters): void {
  c.retired.fill(0);
  c.vectors.fill(0);
  c.interrupts = 0;
  c.tlbMisses = 0;
  c.walkRefs = 0;
  c.portIo = 0;
  c.mmio = 0;
  c.blocksBuilt = 0;
  c.blocksInvalidated = 0;
  c.doubleFaults = 0;
  c.shutdowns = 0;
}
