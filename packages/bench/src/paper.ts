/** @file The paper's published numbers that the benchmark suite sets beside its own (shared/paper-facts.md). */

/** The execution modes of x86virt, as named on the command line. */
export const MODES = ['native', 'bt', 'hw-shadow', 'hw-nested'] as const;

/** One execution mode. */
export type Mode = (typeof MODES)[number];

/** A nanobenchmark of the paper's §6.3 with its measured cycles on the 3.8 GHz Pentium 4 672. */
export interface PaperNano {
  readonly name: string;
  /** The frobos nanobenchmark that reproduces it (guests/frobos/README.md). */
  readonly guest: string;
  /** Identifier used by cost-profile formulas (`paper.<key>.native`). */
  readonly key: string;
  readonly what: string;
  /** Cycles per operation: native, software VMM (BT), hardware VMM (VT). */
  readonly native: number;
  readonly bt: number;
  readonly hw: number;
}

/**
 * Figure 4 and the raw-data appendix of Adams & Agesen, ASPLOS 2006 (shared/paper-facts.md §2,
 * source S1, confirmed by S2). The paper's hardware VMM used shadow paging only. The paper's
 * `syscall` used the fast `syscall`/`sysret` pair; frobos's analogue is `sysenter`/`sysexit`.
 */
export const PAPER_NANO: readonly PaperNano[] = [
  { name: 'syscall', guest: 'sysenter', key: 'syscall', what: 'user→kernel→user system call round trip', native: 242, bt: 2308, hw: 246 },
  { name: 'in', guest: 'in', key: 'in', what: 'in from port 0x80', native: 3209, bt: 216, hw: 15826 },
  { name: 'cr8wr', guest: 'cr8wr', key: 'cr8wr', what: 'write of the task-priority register (%cr8)', native: 150, bt: 35, hw: 177 },
  { name: 'call/ret', guest: 'call/ret', key: 'callret', what: 'kernel-mode call and return', native: 11, bt: 51, hw: 11 },
  { name: 'pgfault', guest: 'pgfault', key: 'pgfault', what: 'true page fault handled by the guest', native: 1093, bt: 3927, hw: 11242 },
  { name: 'divzero', guest: 'divzero', key: 'divzero', what: 'divide-by-zero fault delivered to the guest', native: 889, bt: 3223, hw: 1014 },
  { name: 'ptemod', guest: 'ptemod', key: 'ptemod', what: 'modification of a traced guest page-table entry', native: 1, bt: 391, hw: 12733 },
];

/** The paper's nanobenchmark reproduced by frobos nanobenchmark `guest`, if any. */
export function paperNanoFor(guest: string): PaperNano | undefined {
  return PAPER_NANO.find((n) => n.guest === guest);
}

/** forkwait (40 000 fork/exit/wait cycles), seconds on the Pentium 4 (shared/paper-facts.md §3, S1 and S3). */
export const PAPER_FORKWAIT = { native: 6.0, bt: 36.9, hw: 106.4 } as const;

/** forkwait seconds on Table 1's 2.66 GHz Core 2 Duo (shared/paper-facts.md §4, S1 §7.1). */
export const PAPER_FORKWAIT_CORE2 = { native: 2.62, bt: 18.4, hw: 38.9 } as const;

/** The paper's forkwait iteration count (S1 §6.2). */
export const PAPER_FORKWAIT_ITERATIONS = 40_000;

/** Table 1 of S1 §7.1: micro-architectural costs in cycles on the two machines. */
export const PAPER_TABLE1 = {
  'p4-2006': { vmEntry: 2409, vmExitPageFault: 1931, vmcbRead: 178, vmcbWrite: 171 },
  'core2-2006': { vmEntry: 937, vmExitPageFault: 1186, vmcbRead: 52, vmcbWrite: 44 },
} as const;

/**
 * A macro workload's paper counterpart: percent of native for BT and VT. Only forkwait is the
 * paper's own workload; `compute` sets the SPECint 2000 mean beside itself as the paper's
 * compute-bound analogue (shared/paper-facts.md §3). `iomix` has no counterpart.
 */
export interface PaperMacro {
  readonly workload: string;
  readonly label: string;
  readonly btPercent: number;
  readonly hwPercent: number;
}

/** Paper percentages of native (higher is better; forkwait from seconds: native/BT, native/VT). */
export const PAPER_MACRO: readonly PaperMacro[] = [
  { workload: 'forkwait', label: 'forkwait (S1 §6.2)', btPercent: (100 * PAPER_FORKWAIT.native) / PAPER_FORKWAIT.bt, hwPercent: (100 * PAPER_FORKWAIT.native) / PAPER_FORKWAIT.hw },
  { workload: 'compute', label: 'SPECint 2000 mean (analogue)', btPercent: 97.3, hwPercent: 95.5 },
];

/** A relation in the paper's orderings: `<` less, `≪` much less (≥ 3×), `≈` about equal (within 10 %). */
export type ShapeRelation = '<' | '≪' | '≈';

/** Which modes' numbers a shape compares: the paper's HW VMM used shadow paging. */
export type ShapeMode = 'native' | 'bt' | 'hw';

/** One ordering of shared/paper-facts.md §8 for one nanobenchmark: `first rel second rel third`. */
export interface PaperShape {
  readonly nano: string;
  readonly order: readonly [ShapeMode, ShapeRelation, ShapeMode, ShapeRelation, ShapeMode];
}

/** shared/paper-facts.md §8, "Ordering per test" (ptemod, syscall: `≪` as the paper's text gives it). */
export const PAPER_SHAPES: readonly PaperShape[] = [
  { nano: 'syscall', order: ['hw', '≈', 'native', '≪', 'bt'] },
  { nano: 'in', order: ['bt', '≪', 'native', '≪', 'hw'] },
  { nano: 'cr8wr', order: ['bt', '<', 'native', '<', 'hw'] },
  { nano: 'call/ret', order: ['native', '≈', 'hw', '<', 'bt'] },
  { nano: 'pgfault', order: ['native', '<', 'bt', '<', 'hw'] },
  { nano: 'divzero', order: ['native', '<', 'hw', '<', 'bt'] },
  { nano: 'ptemod', order: ['native', '≪', 'bt', '≪', 'hw'] },
];
