/** @file The paper's published numbers that the benchmark suite sets beside its own (shared/paper-facts.md). */

/** The execution modes of x86virt, as named on the command line. */
export const MODES = ['native', 'bt', 'hw-shadow', 'hw-nested'] as const;

/** One execution mode. */
export type Mode = (typeof MODES)[number];

/** A nanobenchmark of the paper's §6.3 with its measured cycles on the 3.8 GHz Pentium 4 672. */
export interface PaperNano {
  readonly name: string;
  readonly what: string;
  /** Cycles per operation: native, software VMM (BT), hardware VMM (VT). */
  readonly native: number;
  readonly bt: number;
  readonly hw: number;
}

/**
 * Figure 4 and the raw-data appendix of Adams & Agesen, ASPLOS 2006 (shared/paper-facts.md §2,
 * source S1, confirmed by S2). The paper's hardware VMM used shadow paging only.
 */
export const PAPER_NANO: readonly PaperNano[] = [
  { name: 'syscall', what: 'user→kernel→user system call round trip', native: 242, bt: 2308, hw: 246 },
  { name: 'in', what: 'in from port 0x80', native: 3209, bt: 216, hw: 15826 },
  { name: 'cr8wr', what: 'write of the task-priority register (%cr8)', native: 150, bt: 35, hw: 177 },
  { name: 'call/ret', what: 'kernel-mode call and return', native: 11, bt: 51, hw: 11 },
  { name: 'pgfault', what: 'true page fault handled by the guest', native: 1093, bt: 3927, hw: 11242 },
  { name: 'divzero', what: 'divide-by-zero fault delivered to the guest', native: 889, bt: 3223, hw: 1014 },
  { name: 'ptemod', what: 'modification of a traced guest page-table entry', native: 1, bt: 391, hw: 12733 },
];

/** forkwait (40 000 fork/exit/wait cycles), seconds on the Pentium 4 (shared/paper-facts.md §3, S1 and S3). */
export const PAPER_FORKWAIT = { native: 6.0, bt: 36.9, hw: 106.4 } as const;
