/** @file The runner's progress display: one updating line on a terminal, one plain line per finished job otherwise. */
import type { BenchJob, JobOutcome } from './machine/run-job.ts';
import { nanoLine } from './results.ts';

/** Where progress goes (`process.stderr` fits). */
export interface ProgressStream {
  readonly isTTY?: boolean;
  readonly columns?: number;
  write(text: string): unknown;
}

/** Progress of a set of jobs; `now` is injectable so tests see fixed times. */
export class ProgressDisplay {
  private readonly running = new Map<number, BenchJob>();
  private done = 0;
  private readonly start: number;
  private readonly stream: ProgressStream;
  private readonly total: number;
  private readonly now: () => number;

  constructor(stream: ProgressStream, total: number, now: () => number = () => performance.now()) {
    this.stream = stream;
    this.total = total;
    this.now = now;
    this.start = now();
  }

  /** A job began in a worker. */
  started(job: BenchJob): void {
    this.running.set(job.id, job);
    if (this.stream.isTTY) this.redraw();
  }

  /** A job ended. */
  finished(outcome: JobOutcome): void {
    this.running.delete(outcome.job.id);
    this.done++;
    if (this.stream.isTTY) this.redraw();
    else this.stream.write(`${this.counter()} ${describeOutcome(outcome)}\n`);
  }

  /** All jobs ended: clears the live line. */
  end(): void {
    if (this.stream.isTTY) this.stream.write('\r\x1b[2K');
  }

  private counter(): string {
    const w = String(this.total).length;
    return `[${String(this.done).padStart(w)}/${this.total}]`;
  }

  private redraw(): void {
    const secs = ((this.now() - this.start) / 1000).toFixed(1);
    const names = [...this.running.values()].map((j) => `${j.mode} ${j.workload}`).join(', ');
    const line = `${this.counter()} ${secs}s${names ? `  running: ${names}` : ''}`;
    const width = Math.max(20, (this.stream.columns ?? 100) - 1);
    this.stream.write(`\r\x1b[2K${line.length > width ? `${line.slice(0, width - 1)}…` : line}`);
  }
}

/** One line about a finished job: its headline number, host speed, or why it did not run. */
export function describeOutcome(o: JobOutcome): string {
  const what = `${o.job.mode} ${o.job.workload}`;
  switch (o.kind) {
    case 'unavailable':
      return `${what}: not built`;
    case 'failed':
      return `${what}: FAILED ${o.message}`;
    case 'ran': {
      const r = o.result;
      const line = r.results[0];
      let head = `stopped: ${r.stop.kind}`;
      if (line !== undefined && line.suite === 'nano') {
        const n = nanoLine(line);
        head = n.cycles === null ? `unsupported (${n.unsupported})` : `${n.cycles} cycles/op`;
      } else if (line !== undefined) head = `${line.fields['cycles'] ?? '?'} cycles`;
      return `${what}: ${head}, ${r.mips.toFixed(1)} MIPS, ${(r.hostMs / 1000).toFixed(1)} s`;
    }
  }
}
