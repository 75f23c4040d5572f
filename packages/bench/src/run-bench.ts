/** @file `x86virt bench` as a function: workloads × modes through the runner, gathered into one BenchReport. */
import type { EngineKind } from '@x86virt/x86-core';
import { jobModes, type BenchJob } from './machine/run-job.ts';
import { MODES, type Mode } from './paper.ts';
import { loadProfile, PROFILE_NAMES } from './profiles.ts';
import { ProgressDisplay, type ProgressStream } from './progress.ts';
import { PAPER, type BenchReport, type MissingMode, type RunFailure, type RunResult } from './results.ts';
import { poolSize, runJobs } from './runner.ts';
import { workloadsFor } from './workloads.ts';

/** Options of one benchmark run. */
export interface RunBenchOptions {
  readonly suite?: 'nano' | 'macro' | 'all';
  readonly modes?: readonly Mode[];
  readonly profile?: string;
  readonly quick?: boolean;
  /** Execution engine of the silicon in every job (default: the block compiler). */
  readonly engine?: EngineKind;
  readonly workers?: number;
  readonly inProcess?: boolean;
  /** Where progress is shown (e.g. `process.stderr`); none when absent. */
  readonly progress?: ProgressStream;
  /** Tests: a module exporting `runJob` for the workers. */
  readonly jobModule?: URL;
  /** Tests: which modes count as built (default: what `runJob` can run). */
  readonly builtModes?: readonly Mode[];
}

/** Runs the suite and returns the report (missing modes listed, never faked). */
export async function runBench(opts: RunBenchOptions = {}): Promise<BenchReport> {
  const suite = opts.suite ?? 'all';
  const quick = opts.quick ?? false;
  const profile = loadProfile(opts.profile ?? PROFILE_NAMES[0]);
  const requested = opts.modes ?? MODES;
  const built = opts.builtModes ?? jobModes();
  const available = requested.filter((m) => built.includes(m));
  const missing: MissingMode[] = requested.filter((m) => !built.includes(m)).map((mode) => ({ mode, reason: 'not built' }));
  const workloads = workloadsFor(suite, quick);
  const jobs: BenchJob[] = [];
  for (const w of workloads) for (const mode of available) jobs.push({ id: jobs.length, workload: w.name, mode, cmdline: w.cmdline, profile: profile.name, ...(opts.engine !== undefined ? { engine: opts.engine } : {}) });

  const workers = opts.inProcess ? 1 : poolSize(jobs.length, opts.workers);
  const progress = opts.progress && jobs.length > 0 ? new ProgressDisplay(opts.progress, jobs.length) : undefined;
  const start = performance.now();
  const outcomes = jobs.length === 0 ? [] : await runJobs(jobs, { workers, inProcess: opts.inProcess, jobModule: opts.jobModule, progress });
  progress?.end();
  const hostMs = performance.now() - start;

  const results: RunResult[] = [];
  const failures: RunFailure[] = [];
  for (const o of outcomes) {
    if (o.kind === 'ran') results.push(o.result);
    else if (o.kind === 'failed') failures.push({ mode: o.job.mode, workload: o.job.workload, message: o.message });
    else if (!missing.some((m) => m.mode === o.job.mode)) missing.push({ mode: o.job.mode, reason: o.reason });
  }
  const missingModes = new Set(missing.map((m) => m.mode));
  return {
    format: 'x86virt-bench',
    version: 1,
    profile,
    suite,
    quick,
    modes: { requested: [...requested], available: available.filter((m) => !missingModes.has(m)), missing },
    workloads,
    results: results.filter((r) => !missingModes.has(r.mode)),
    failures,
    hostMs,
    workers,
    paper: PAPER,
  };
}
