/** @file `x86virt stat FILE`: a perf-kvm-stat-style table of events by kind from a `bench --json` results file. */
import { readFileSync } from 'node:fs';
import { reportFromJson, ResultsError, statTables } from '@x86virt/bench';
import { UsageError } from '../errors.ts';

/** Prints, per mode, each event kind with its count, modeled cycles and share of the mode's cycles. */
export function statCommand(file: string, opts: { readonly workload?: string }, out: (line: string) => void): number {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read '${file}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    for (const line of statTables(reportFromJson(text), opts.workload)) out(line);
  } catch (e) {
    if (e instanceof ResultsError) throw new UsageError(`'${file}': ${e.message}`);
    throw e;
  }
  return 0;
}
