/** @file The monitor's software costs (the profile's `monitor` section): charged per handled exit, counted either way; null = not fitted (charged 0). */

/** Software cost of the hardware VMM's exit handlers, in cycles; null = not fitted yet. */
export interface MonitorCosts {
  /** An IOIO exit's handler (decode EXITINFO1, the device model, advance rIP). */
  readonly hwIoExit: number | null;
  /** A #PF exit's handler under shadow paging (hidden fill or true-fault reflection). */
  readonly hwPageFaultExit: number | null;
  /** A write to a traced guest page table (emulate it, update the shadow). */
  readonly hwTraceExit: number | null;
}

/** No fitted costs: every handler is charged 0 (and counted as uncharged). */
export const UNFITTED_MONITOR_COSTS: MonitorCosts = { hwIoExit: null, hwPageFaultExit: null, hwTraceExit: null };

/** Names of the monitor's software costs. */
export type MonitorCostName = keyof MonitorCosts;

/** Charges and counts the monitor's software work. */
export class MonitorClock {
  /** Handler runs by cost name, and how many of them were charged 0 because the cost is not fitted. */
  readonly charged: Record<MonitorCostName, number> = { hwIoExit: 0, hwPageFaultExit: 0, hwTraceExit: 0 };
  readonly uncharged: Record<MonitorCostName, number> = { hwIoExit: 0, hwPageFaultExit: 0, hwTraceExit: 0 };
  /** Cycles charged in all. */
  cycles = 0;
  readonly #costs: MonitorCosts;

  constructor(costs: MonitorCosts) {
    this.#costs = costs;
  }

  /** Returns the cycles of one run of handler `name` (0 if not fitted) and counts it. */
  charge(name: MonitorCostName): number {
    const c = this.#costs[name];
    if (c === null) {
      this.uncharged[name]++;
      return 0;
    }
    this.charged[name]++;
    this.cycles += c;
    return c;
  }
}
