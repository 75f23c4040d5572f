/** @file The experiments of `x86virt bench`: which frobos command line each workload runs, at full and quick sizes. */

/** frobos's nanobenchmarks, in its own order (guests/frobos/README.md). */
export const NANO_WORKLOADS = ['syscall', 'sysenter', 'in', 'cr8wr', 'call/ret', 'pgfault', 'divzero', 'ptemod'] as const;

/** frobos's macro workloads. */
export const MACRO_WORKLOADS = ['forkwait', 'compute', 'iomix'] as const;

/** One guest run of the suite. */
export interface Workload {
  readonly name: string;
  readonly suite: 'nano' | 'macro';
  /** The frobos command line. */
  readonly cmdline: string;
}

/**
 * Sizes. Full: the frobos defaults for the nanobenchmarks (10 000 iterations) and for compute
 * and iomix; forkwait runs 4 000 of the paper's 40 000 iterations (reports scale its seconds to
 * 40 000, see `forkwaitSeconds`) so that `pnpm bench` stays within minutes.
 * Quick: small enough for tests.
 */
export const SIZES = {
  full: { nano: 10_000, forkwait: 4_000, compute: 256, iomix: 10_000 },
  quick: { nano: 200, forkwait: 20, compute: 8, iomix: 50 },
} as const;

/** The workloads of `suite`, at quick or full sizes. Each nanobenchmark is its own run. */
export function workloadsFor(suite: 'nano' | 'macro' | 'all', quick: boolean): Workload[] {
  const s = quick ? SIZES.quick : SIZES.full;
  const out: Workload[] = [];
  if (suite !== 'macro') for (const n of NANO_WORKLOADS) out.push({ name: n, suite: 'nano', cmdline: `nano=${n}:${s.nano}` });
  if (suite !== 'nano') {
    out.push({ name: 'forkwait', suite: 'macro', cmdline: `forkwait=${s.forkwait}` });
    out.push({ name: 'compute', suite: 'macro', cmdline: `compute=${s.compute}` });
    out.push({ name: 'iomix', suite: 'macro', cmdline: `iomix=${s.iomix}` });
  }
  return out;
}
