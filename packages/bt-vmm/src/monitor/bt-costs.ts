/** @file The monitor's software costs, charged to the modeled clock from a cost profile's `bt` and `monitor` sections. */

/**
 * Modeled cycles of the monitor's own work (translated code itself is charged by the silicon
 * like any instruction). A profile value that is not fitted yet is 0 here: the event is still
 * counted in `BtStats`.
 */
export interface BtCosts {
  /** Translating one guest instruction (paper: 2300 on the P4). */
  readonly translatePerInsn: number;
  /** A callout that emulates one instruction (paper: callout-and-emulate of rdtsc, 1254). */
  readonly callout: number;
  /** A system call from direct execution entering the translated kernel. */
  readonly syscall: number;
  /** Reflecting a guest exception raised in translated code. */
  readonly faultReflect: number;
  /** A page fault taken in translated code or direct execution (hidden fill or true-fault reflection). */
  readonly pageFault: number;
  /** An adapted page-table write (callout into the shadow pager). */
  readonly traceCallout: number;
}

/** All costs 0 (tests, and profiles without a `bt` section). */
export const ZERO_BT_COSTS: BtCosts = { translatePerInsn: 0, callout: 0, syscall: 0, faultReflect: 0, pageFault: 0, traceCallout: 0 };
