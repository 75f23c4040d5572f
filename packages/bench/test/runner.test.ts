/** @file The runner: pool order and size, worker threads with a fake runJob, progress lines, and real native jobs. */
import { describe, expect, it } from 'vitest';
import { describeOutcome, nanoCycles, poolSize, ProgressDisplay, runBench, runJobs, runPool, type BenchJob } from '../src/index.ts';

describe('runPool', () => {
  it('keeps job order and never runs more than the pool size at once', async () => {
    let inFlight = 0;
    let peak = 0;
    const slots = new Set<number>();
    const out = await runPool([5, 1, 4, 2, 3], 2, async (n, slot) => {
      slots.add(slot);
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, n));
      inFlight--;
      return n * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30]);
    expect(peak).toBe(2);
    expect([...slots].sort()).toEqual([0, 1]);
  });

  it('pool size is min(workers, jobs), at least 1', () => {
    expect([poolSize(10, 2), poolSize(1, 8), poolSize(0, 4)]).toEqual([2, 1, 1]);
  });
});

describe('runJobs in worker threads', () => {
  it('runs jobs on two workers and returns outcomes in job order, with plain progress lines', async () => {
    const jobs: BenchJob[] = ['in', 'ptemod', 'boom', 'pgfault'].flatMap((w, i) => [
      { id: 2 * i, workload: w, mode: 'native' as const, cmdline: `nano=${w}`, profile: 'p4-2006' },
      { id: 2 * i + 1, workload: w, mode: 'bt' as const, cmdline: `nano=${w}`, profile: 'p4-2006' },
    ]);
    const lines: string[] = [];
    const progress = new ProgressDisplay({ isTTY: false, write: (s) => lines.push(s) }, jobs.length, () => 0);
    const out = await runJobs(jobs, { workers: 2, jobModule: new URL('./fixtures/fake-run-job.ts', import.meta.url), progress });
    expect(out.map((o) => `${o.job.id}:${o.kind}`)).toEqual(['0:ran', '1:unavailable', '2:ran', '3:unavailable', '4:failed', '5:unavailable', '6:ran', '7:unavailable']);
    const threads = new Set(out.flatMap((o) => (o.kind === 'ran' ? [o.result.counters['threadId']] : [])));
    expect(threads.size).toBeGreaterThanOrEqual(1);
    expect(threads.has(0)).toBe(false); // not the main thread
    expect(lines).toHaveLength(8);
    expect(lines.filter((l) => l.includes('not built'))).toHaveLength(4);
    expect(lines.filter((l) => l.includes('native boom: FAILED fake failure'))).toHaveLength(1);
  });

  it('describes outcomes in one line', () => {
    const job: BenchJob = { id: 0, workload: 'in', mode: 'bt', cmdline: '', profile: 'p4-2006' };
    expect(describeOutcome({ kind: 'unavailable', job, reason: 'x' })).toBe('bt in: not built');
  });
});

describe('runBench on the real native machine (quick sizes, in this thread)', () => {
  it('measures frobos nanobenchmarks with exact modeled cycles in native and bt mode', async () => {
    const report = await runBench({ suite: 'nano', quick: true, inProcess: true, modes: ['native', 'bt'] });
    expect(report.modes.available).toEqual(['native', 'bt']);
    expect(report.modes.missing).toEqual([]);
    expect(report.failures).toEqual([]);
    expect(report.results).toHaveLength(16);
    for (const r of report.results) expect(r.stop).toEqual({ kind: 'exit', code: 0 });
    // By construction of p4-2006: IO class + io = 3209; call + ret = 2 × 5.5.
    expect(nanoCycles(report, 'in', 'native')).toBe(3209);
    expect(nanoCycles(report, 'call/ret', 'native')).toBe(11);
    // Under bt, `in` is a callout: the p4-2006 callout-and-emulate cost (1254) plus the emulation on the
    // shadow vCPU, whose device access reaches the monitor's device model, not the chipset (no `io` charge).
    const btIn = nanoCycles(report, 'in', 'bt')!;
    expect(btIn).toBeGreaterThan(1254);
    expect(btIn).toBeLessThan(3209);
  }, 60_000);
});
