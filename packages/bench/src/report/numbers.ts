/** @file The numbers reports show, read from a BenchReport: cycles per op, % of native, forkwait seconds, paper values. */
import { PAPER_FORKWAIT_ITERATIONS, type Mode, type PaperNano } from '../paper.ts';
import { macroLine, nanoLine, type BenchReport, type RunResult } from '../results.ts';

/** The result of `workload` in `mode`, if that run happened. */
export function resultOf(report: BenchReport, workload: string, mode: Mode): RunResult | undefined {
  return report.results.find((r) => r.workload === workload && r.mode === mode);
}

/** Whether a mode ran, was not built, or ran but this workload failed. */
export function modeState(report: BenchReport, mode: Mode): 'ran' | 'not built' | 'not requested' {
  if (report.modes.missing.some((m) => m.mode === mode)) return 'not built';
  return report.modes.requested.includes(mode) ? 'ran' : 'not requested';
}

/** What to print where a number is absent: "not built", "unsupported", "failed". */
export function absentLabel(report: BenchReport, workload: string, mode: Mode): string {
  const state = modeState(report, mode);
  if (state !== 'ran') return state;
  const r = resultOf(report, workload, mode);
  if (r === undefined) return 'failed';
  const line = r.results.find((l) => l.name === workload);
  if (line !== undefined && line.words.includes('unsupported')) return 'unsupported';
  return r.stop.kind === 'exit' ? 'no RESULT' : r.stop.kind;
}

/** Cycles per operation of frobos nanobenchmark `name` in `mode` (null: absent or unsupported). */
export function nanoCycles(report: BenchReport, name: string, mode: Mode): number | null {
  const line = resultOf(report, name, mode)?.results.find((l) => l.suite === 'nano' && l.name === name);
  return line === undefined ? null : nanoLine(line).cycles;
}

/** Modeled cycles of macro workload `name` in `mode` as the guest timed it (null: absent). */
export function macroCycles(report: BenchReport, name: string, mode: Mode): number | null {
  const line = resultOf(report, name, mode)?.results.find((l) => l.suite === 'macro' && l.name === name);
  if (line === undefined) return null;
  const c = macroLine(line).cycles;
  return Number.isFinite(c) ? c : null;
}

/** Percent of native speed (native cycles / mode cycles × 100; higher is better). */
export function percentOfNative(report: BenchReport, name: string, mode: Mode): number | null {
  const n = macroCycles(report, name, 'native');
  const m = macroCycles(report, name, mode);
  return n === null || m === null || m === 0 ? null : (100 * n) / m;
}

/** forkwait in seconds at the profile's clock, scaled from the iterations run to the paper's 40 000. */
export function forkwaitSeconds(report: BenchReport, mode: Mode): number | null {
  const line = resultOf(report, 'forkwait', mode)?.results.find((l) => l.suite === 'macro' && l.name === 'forkwait');
  if (line === undefined) return null;
  const m = macroLine(line);
  const hz = report.profile.silicon.hz.value ?? 0;
  if (m.size === null || m.size === 0 || hz === 0 || !Number.isFinite(m.cycles)) return null;
  return ((m.cycles / m.size) * PAPER_FORKWAIT_ITERATIONS) / hz;
}

/** The paper's number for one of our modes (the paper's VT used shadow paging; it had no nested paging). */
export function paperFor(n: PaperNano, mode: Mode): number | null {
  switch (mode) {
    case 'native':
      return n.native;
    case 'bt':
      return n.bt;
    case 'hw-shadow':
      return n.hw;
    case 'hw-nested':
      return null;
  }
}

/** Ratio a/b, or null when either is absent or b is 0. */
export function ratio(a: number | null, b: number | null): number | null {
  return a === null || b === null || b === 0 ? null : a / b;
}
