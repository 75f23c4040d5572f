/** @file The benchmark runner's worker thread: imports a module exporting `runJob(job)` and runs the jobs it is sent. */
import { parentPort, workerData } from 'node:worker_threads';
import { runJob, type BenchJob, type JobOutcome } from './machine/run-job.ts';

/** What the runner passes as `workerData`: optionally another module exporting `runJob` (tests use a fake one). */
export interface WorkerData {
  readonly jobModule?: string;
}

type RunJob = (job: BenchJob) => Promise<JobOutcome>;

const data = (workerData ?? {}) as WorkerData;
const run: RunJob = data.jobModule === undefined ? runJob : ((await import(data.jobModule)) as { runJob: RunJob }).runJob;

parentPort?.on('message', (job: BenchJob) => {
  void run(job).then((outcome) => parentPort?.postMessage(outcome));
});
parentPort?.postMessage('ready');
