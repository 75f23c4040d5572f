/** @file The fuzz loop: seeded cases in every mode until a case count or a time limit, divergences minimised and saved. */
import type { CostProfile } from '@x86virt/x86-core';
import type { Mode } from '../paper.ts';
import { explain } from './known-divergences.ts';
import { minimise } from './minimise.ts';
import { generateProgram } from './program.ts';
import { saveRegression } from './regression.ts';
import { Rng } from './rng.ts';
import { runCase, type Divergence } from './run-case.ts';

/** Options of a fuzz run. */
export interface FuzzOptions {
  /** Master seed: case k's program seed is the k-th draw of a generator seeded with it. */
  readonly seed: number;
  /** Stop after this many cases (default: unlimited when `minutes` is given, else 100). */
  readonly cases?: number;
  /** Stop once this many minutes of host time have passed. */
  readonly minutes?: number;
  /** Modes to compare; the first is the reference (default native, bt, hw-shadow, hw-nested). */
  readonly modes: readonly Mode[];
  readonly profile: CostProfile;
  /** Minimise each unexplained divergence and save it here as a regression file. */
  readonly saveDir?: string;
  /** Test runs the minimiser may spend per divergence (default 200). */
  readonly minimiseTests?: number;
  /** Called after every case. */
  readonly onCase?: (report: CaseReport) => void;
  /** Host clock in milliseconds (tests may pass their own). */
  readonly now?: () => number;
}

/** One finding. */
export interface FuzzFinding {
  readonly caseIndex: number;
  readonly seed: number;
  readonly divergence: Divergence;
  /** The known entry that explains it, if any. */
  readonly known?: string;
  /** The regression file written for it, if minimised. */
  readonly savedAs?: string;
  /** Items before and after minimising. */
  readonly items?: readonly [number, number];
}

/** Progress after one case. */
export interface CaseReport {
  readonly caseIndex: number;
  readonly seed: number;
  readonly findings: readonly FuzzFinding[];
  readonly elapsedMs: number;
}

/** The whole run. */
export interface FuzzSummary {
  readonly cases: number;
  readonly findings: readonly FuzzFinding[];
  readonly unexplained: number;
  readonly elapsedMs: number;
  readonly casesPerSecond: number;
  /** Guest instructions the reference mode retired over all cases. */
  readonly instructions: number;
}

/** Runs the fuzzer. Never throws for a guest's behaviour: host exceptions are findings. */
export function runFuzz(opts: FuzzOptions): FuzzSummary {
  const now = opts.now ?? (() => performance.now());
  const start = now();
  const limitMs = opts.minutes === undefined ? Infinity : opts.minutes * 60_000;
  const maxCases = opts.cases ?? (opts.minutes === undefined ? 100 : Infinity);
  const seeds = new Rng(opts.seed);
  const findings: FuzzFinding[] = [];
  let cases = 0;
  let instructions = 0;
  const reference = opts.modes[0] as Mode;
  while (cases < maxCases && now() - start < limitMs) {
    const seed = seeds.u32();
    const program = generateProgram(seed);
    const result = runCase(program, opts.modes, opts.profile);
    instructions += result.instructions;
    const found: FuzzFinding[] = [];
    const seenModes = new Set<string>();
    for (const d of result.divergences) {
      const known = explain(d, program);
      let finding: FuzzFinding = { caseIndex: cases, seed, divergence: d, ...(known ? { known: known.id } : {}) };
      if (!known && opts.saveDir !== undefined && d.mode !== reference && !seenModes.has(d.mode)) {
        seenModes.add(d.mode);
        const m = minimise(program, reference, d.mode, d, opts.profile, { maxTests: opts.minimiseTests ?? 200 });
        const savedAs = saveRegression(opts.saveDir, { seed, reference, mode: d.mode, divergence: m.divergence, program: m.program });
        finding = { ...finding, savedAs, items: [m.itemsBefore, m.itemsAfter] };
      }
      found.push(finding);
    }
    findings.push(...found);
    cases++;
    opts.onCase?.({ caseIndex: cases - 1, seed, findings: found, elapsedMs: now() - start });
  }
  const elapsedMs = now() - start;
  return {
    cases,
    findings,
    unexplained: findings.filter((f) => f.known === undefined).length,
    elapsedMs,
    casesPerSecond: elapsedMs > 0 ? (cases * 1000) / elapsedMs : 0,
    instructions,
  };
}
