/** @file The software monitor's counters: translation cache, callouts by kind, faults, adaptation. */

/** Counters of one bt-vmm run (plain numbers; `calloutsByKind` keyed by callout category). */
export interface BtStats {
  /** Translation units translated (CCFs built). */
  translations: number;
  /** Guest instructions translated. */
  translatedInsns: number;
  /** Guest instructions copied unchanged (IDENT) / translated otherwise. */
  identInsns: number;
  nonIdentInsns: number;
  /** Live CCFs and bytes of code in the translation cache now. */
  ccfs: number;
  tcBytes: number;
  /** Continuation jumps patched into direct CCF→CCF jumps. */
  chainedJumps: number;
  /** Continuations resolved by placing the target right after the jump (fall-through elided). */
  fallThroughElided: number;
  /** Guest-address → CCF hash-table lookups by the monitor, and the misses (which translate). */
  lookups: number;
  lookupMisses: number;
  /** Indirect branches that missed the in-TC target cache. */
  targetCacheMisses: number;
  /** Whole-cache flushes (cache full, or paging made every translation suspect). */
  flushes: number;
  /** CCFs invalidated (a write to their guest code page, a changed code mapping). */
  invalidations: number;
  /** Callouts, total and by category. */
  callouts: number;
  calloutsByKind: Record<string, number>;
  /** Instructions the monitor emulated on the shadow vCPU (callouts, faults, trace writes). */
  emulated: number;
  /** Faults taken in translated code and in direct execution. */
  hiddenFaults: number;
  trueFaults: number;
  traceFaults: number;
  /** Guest exceptions and interrupts delivered into the guest (virtual IDT). */
  reflected: number;
  virtualInterrupts: number;
  /** Guest kernel code the translator could not fetch because it lies outside guest RAM: interpreted on the shadow vCPU. */
  outsideRamFetches: number;
  /** Instructions re-translated as callouts by adaptive translation (and forwarding jumps written). */
  adaptations: number;
  /** Switches from translated kernel code to direct execution of user code, and back. */
  directEntries: number;
  directExits: number;
  /** Host GDT re-derivations from the guest's GDT. */
  gdtSyncs: number;
  /**
   * Monitor entries by event kind (bench README "Counters": `callout.<category>`, `fault.hidden`,
   * `fault.true`, `fault.trace`, `fault.emulate`, `fault.direct`, `translate.chain`,
   * `translate.target-miss`, `irq.window`) and the modeled cycles from the host event to the return
   * into the guest (exception delivery, monitor software, emulation, translation).
   */
  eventCounts: Record<string, number>;
  eventCycles: Record<string, number>;
}

/** A BtStats with every count 0. */
export function newBtStats(): BtStats {
  return {
    translations: 0, translatedInsns: 0, identInsns: 0, nonIdentInsns: 0, ccfs: 0, tcBytes: 0, chainedJumps: 0,
    fallThroughElided: 0, lookups: 0, lookupMisses: 0, targetCacheMisses: 0, flushes: 0, invalidations: 0, callouts: 0,
    calloutsByKind: {}, emulated: 0, hiddenFaults: 0, trueFaults: 0, traceFaults: 0, reflected: 0, virtualInterrupts: 0, outsideRamFetches: 0,
    adaptations: 0, directEntries: 0, directExits: 0, gdtSyncs: 0, eventCounts: {}, eventCycles: {},
  };
}
