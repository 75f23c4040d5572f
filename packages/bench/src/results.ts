/** @file The results model of `x86virt bench`: one run's record, the whole report, RESULT-line parsers, JSON round trip. */
import type { GuestStop } from './machine/guest-run.ts';
import { MODES, PAPER_FORKWAIT, PAPER_FORKWAIT_CORE2, PAPER_MACRO, PAPER_NANO, PAPER_SHAPES, PAPER_TABLE1, type Mode } from './paper.ts';
import type { BenchProfile } from './profiles.ts';

/** One `RESULT <suite> <name> key=value … word …` line printed by frobos (guests/frobos/README.md). */
export interface ResultLine {
  readonly suite: string;
  readonly name: string;
  /** `key=value` fields, values as printed. */
  readonly fields: Readonly<Record<string, string>>;
  /** Bare words after the name (e.g. `unsupported`). */
  readonly words: readonly string[];
}

/** A parsed nanobenchmark line. `cycles` is null when the guest reported it unsupported. */
export interface NanoLine {
  readonly name: string;
  readonly cycles: number | null;
  readonly total: number | null;
  readonly iterations: number | null;
  readonly overhead: number | null;
  readonly unsupported?: string;
}

/** A parsed macro-workload line. */
export interface MacroLine {
  readonly name: string;
  readonly cycles: number;
  readonly checksum: string;
  /** The workload's size field (`iterations`, `requests` or `in`), if printed. */
  readonly size: number | null;
}

/** What one run of one workload in one mode produced (the guest's own lines, every counter, host speed). */
export interface RunResult {
  readonly mode: Mode;
  readonly workload: string;
  readonly cmdline: string;
  readonly serial: string;
  readonly results: readonly ResultLine[];
  /** The guest's exit code (port 0xf4), or null if it stopped another way. */
  readonly exitCode: number | null;
  readonly stop: GuestStop;
  /** Every counter of the run (silicon `cpu.*`, `vector.N`, `insn.cplN`, devices `io.*`, monitors' own). */
  readonly counters: Readonly<Record<string, number>>;
  /** Modeled cycles of the whole run, and the profile's clock. */
  readonly cycles: number;
  readonly hz: number;
  readonly hostMs: number;
  /** Guest instructions retired, and guest millions of instructions per host second. */
  readonly instructions: number;
  readonly mips: number;
}

/** A mode that was asked for but could not run, and why. */
export interface MissingMode {
  readonly mode: Mode;
  readonly reason: string;
}

/** A run that failed on the host side (a bug, not a guest result). */
export interface RunFailure {
  readonly mode: Mode;
  readonly workload: string;
  readonly message: string;
}

/** Everything one `x86virt bench` produced: written by `--json`, read by `x86virt stat`. */
export interface BenchReport {
  readonly format: 'x86virt-bench';
  readonly version: 1;
  readonly profile: BenchProfile;
  readonly suite: 'nano' | 'macro' | 'all';
  readonly quick: boolean;
  readonly modes: { readonly requested: readonly Mode[]; readonly available: readonly Mode[]; readonly missing: readonly MissingMode[] };
  readonly workloads: readonly { readonly name: string; readonly suite: 'nano' | 'macro'; readonly cmdline: string }[];
  readonly results: readonly RunResult[];
  readonly failures: readonly RunFailure[];
  /** Host wall-clock time of the whole run, milliseconds, and worker threads used. */
  readonly hostMs: number;
  readonly workers: number;
  readonly paper: typeof PAPER;
}

/** The paper's numbers stored with every report. */
export const PAPER = {
  nano: PAPER_NANO,
  forkwait: PAPER_FORKWAIT,
  forkwaitCore2: PAPER_FORKWAIT_CORE2,
  macro: PAPER_MACRO,
  shapes: PAPER_SHAPES,
  table1: PAPER_TABLE1,
} as const;

/** A results file that is not a bench report. */
export class ResultsError extends Error {
  override readonly name = 'ResultsError';
}

/** Every `RESULT` line of a guest's serial output, in order. */
export function parseResultLines(serial: string): ResultLine[] {
  const out: ResultLine[] = [];
  for (const raw of serial.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (!line.startsWith('RESULT ')) continue;
    const [, suite, name, ...rest] = line.split(/\s+/).filter((w) => w !== '');
    if (suite === undefined || name === undefined) continue;
    const fields: Record<string, string> = {};
    const words: string[] = [];
    for (const w of rest) {
      const eq = w.indexOf('=');
      if (eq > 0) fields[w.slice(0, eq)] = w.slice(eq + 1);
      else words.push(w);
    }
    out.push({ suite, name, fields, words });
  }
  return out;
}

/** Reads a nanobenchmark line (`suite` must be `nano`). */
export function nanoLine(r: ResultLine): NanoLine {
  const num = (k: string): number | null => (r.fields[k] === undefined ? null : Number(r.fields[k]));
  if (r.words.includes('unsupported')) return { name: r.name, cycles: null, total: null, iterations: null, overhead: null, unsupported: r.fields['reason'] ?? 'unsupported' };
  return { name: r.name, cycles: num('cycles'), total: num('total'), iterations: num('iterations'), overhead: num('overhead') };
}

/** Reads a macro-workload line (`suite` must be `macro`). */
export function macroLine(r: ResultLine): MacroLine {
  const size = r.fields['iterations'] ?? r.fields['requests'] ?? r.fields['in'];
  return { name: r.name, cycles: Number(r.fields['cycles'] ?? Number.NaN), checksum: r.fields['checksum'] ?? '', size: size === undefined ? null : Number(size) };
}

/** The report as JSON text (stable key order, two-space indent). */
export function reportToJson(report: BenchReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

/** Parses a `--json` file back into a report; throws `ResultsError` for anything else. */
export function reportFromJson(text: string): BenchReport {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new ResultsError(`not JSON: ${(e as Error).message}`);
  }
  const o = v as Partial<BenchReport> | null;
  if (o === null || typeof o !== 'object' || o.format !== 'x86virt-bench') throw new ResultsError("not an x86virt bench report (no \"format\": \"x86virt-bench\")");
  if (o.version !== 1) throw new ResultsError(`unsupported report version ${String(o.version)} (this x86virt reads version 1)`);
  if (!Array.isArray(o.results) || typeof o.profile !== 'object' || typeof o.modes !== 'object') throw new ResultsError('report lacks results, profile or modes');
  for (const r of o.results) if (!(MODES as readonly string[]).includes(r.mode)) throw new ResultsError(`result with unknown mode '${String(r.mode)}'`);
  return o as BenchReport;
}
