/** @file The benchmark runner: jobs (workloads × modes) over a pool of worker threads, with progress. */
import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { runJob, type BenchJob, type JobOutcome } from './machine/run-job.ts';
import type { ProgressDisplay } from './progress.ts';
import type { WorkerData } from './worker-entry.ts';

/**
 * Runs `jobs` with at most `concurrency` in flight, each through `runOne(job, slot)` (slot =
 * 0 … concurrency−1, one per pool member). Results come back in job order.
 */
export async function runPool<J, R>(jobs: readonly J[], concurrency: number, runOne: (job: J, slot: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(jobs.length);
  let next = 0;
  const member = async (slot: number): Promise<void> => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await runOne(jobs[i]!, slot);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, jobs.length)) }, (_, slot) => member(slot)));
  return results;
}

/** Options of `runJobs`. */
export interface RunJobsOptions {
  /** Pool size limit (default: the host's available parallelism). The pool is min(this, jobs). */
  readonly workers?: number;
  /** Run in this thread instead of worker threads (one at a time). */
  readonly inProcess?: boolean;
  /** A module exporting `runJob(job)` for the workers to use instead of `machine/run-job.ts`. */
  readonly jobModule?: URL;
  readonly progress?: ProgressDisplay;
}

/** The pool size `runJobs` uses for `jobCount` jobs. */
export function poolSize(jobCount: number, workers?: number): number {
  return Math.max(1, Math.min(workers ?? availableParallelism(), jobCount));
}

/** Runs every job in worker threads (pool size = min(cores, jobs)); outcomes in job order. Never rejects for a job. */
export async function runJobs(jobs: readonly BenchJob[], opts: RunJobsOptions = {}): Promise<JobOutcome[]> {
  const progress = opts.progress;
  if (opts.inProcess) {
    return runPool(jobs, 1, async (job) => {
      progress?.started(job);
      const o = await runJob(job);
      progress?.finished(o);
      return o;
    });
  }
  const size = poolSize(jobs.length, opts.workers);
  const workers: (JobWorker | undefined)[] = new Array(size);
  try {
    return await runPool(jobs, size, async (job, slot) => {
      progress?.started(job);
      let o: JobOutcome;
      try {
        workers[slot] ??= new JobWorker(opts.jobModule);
        o = await workers[slot]!.run(job);
      } catch (e) {
        workers[slot]?.terminate();
        workers[slot] = undefined;
        o = { kind: 'failed', job, message: `worker thread: ${e instanceof Error ? e.message : String(e)}` };
      }
      progress?.finished(o);
      return o;
    });
  } finally {
    for (const w of workers) w?.terminate();
  }
}

/** One worker thread running `worker-entry`: one job at a time. */
class JobWorker {
  private readonly worker: Worker;
  private readonly ready: Promise<void>;

  constructor(jobModule?: URL) {
    const data: WorkerData = jobModule === undefined ? {} : { jobModule: jobModule.href };
    this.worker = startWorker(data);
    this.ready = new Promise((resolve, reject) => {
      this.worker.once('message', () => resolve());
      this.worker.once('error', reject);
    });
  }

  async run(job: BenchJob): Promise<JobOutcome> {
    await this.ready;
    return new Promise((resolve, reject) => {
      const onError = (e: Error): void => reject(e);
      const onExit = (code: number): void => reject(new Error(`exited with code ${code}`));
      this.worker.once('error', onError);
      this.worker.once('exit', onExit);
      this.worker.once('message', (o: JobOutcome) => {
        this.worker.off('error', onError);
        this.worker.off('exit', onExit);
        resolve(o);
      });
      this.worker.postMessage(job);
    });
  }

  terminate(): void {
    void this.worker.terminate();
  }
}

/**
 * Starts the worker entry. From the bundled CLI (`dist/x86virt.mjs`) it is the sibling bundle
 * `dist/bench-worker.mjs`; from TypeScript source (tests, tsx) it is `worker-entry.ts`, loaded
 * through tsx's loader, since a worker thread does not inherit the parent's TypeScript support.
 */
function startWorker(workerData: WorkerData): Worker {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new Worker(new URL('./bench-worker.mjs', here), { workerData });
  const tsxPackage = createRequire(here).resolve('tsx/package.json');
  const tsx = pathToFileURL(join(dirname(tsxPackage), 'dist', 'esm', 'api', 'index.mjs')).href;
  const entry = new URL('./worker-entry.ts', here).href;
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(boot, { eval: true, workerData });
}
