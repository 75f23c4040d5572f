/** @file Public API of @x86virt/hw-vmm (named exports only; see README.md). */

/** The hardware-assisted VMM: a guest on the SVM silicon with shadow or nested paging; `retired` counts guest instructions. */
export { HwVmm, retired, type HwMmu, type HwVmmCounters, type HwVmmOptions } from './hw-vmm.ts';
/** The exit handler (one exhaustive switch, pure over `ExitOps`) and its stop and outcome types. */
export { handleExit, type ExitOps, type ExitOutcome, type HaltOutcome, type HwStop } from './exit-handler.ts';
/** Exits as data: the decoded #VMEXIT union, its decoder, EXITINTINFO, exit-code names. */
export { decodeExit, exitCodeName, pendingEvent, readExit, type HwExit, type PendingEvent } from './hw-exit.ts';
/** The monitor's software costs (the profile's `monitor` section) and their clock. */
export { MonitorClock, UNFITTED_MONITOR_COSTS, type MonitorCostName, type MonitorCosts } from './monitor-costs.ts';
/** The charging VMCB accessor the monitor reads and writes guest state through. */
export { VmcbAccess } from './vmcb-access.ts';
/** Where the monitor's structures live after guest RAM. */
export { monitorLayout, type MonitorLayout } from './monitor-layout.ts';
/** Shadow paging for the hardware VMM (guest CRs + the shared shadow pager). */
export { CR0_WRITABLE, CR4_VALID, ShadowContext } from './shadow-context.ts';
