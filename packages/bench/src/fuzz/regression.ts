/** @file Fuzz regression files: a minimised program with the divergence it showed, saved as JSON and replayed by the tests. */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Mode } from '../paper.ts';
import type { FuzzProgram } from './program.ts';
import type { Divergence } from './run-case.ts';

/** One saved case. */
export interface FuzzRegression {
  /** The seed the original program came from. */
  readonly seed: number;
  readonly reference: Mode;
  readonly mode: Mode;
  /** The divergence when it was found (kept for the record; a replay expects agreement unless `known` is set). */
  readonly divergence: Divergence;
  /** Id of the known-divergence entry it illustrates, if it is one (the replay then expects that divergence). */
  readonly known?: string;
  readonly program: FuzzProgram;
}

/** The file name a regression gets: `seed-<hex>-<mode>.json`. */
export function regressionFileName(r: FuzzRegression): string {
  return `seed-${r.seed.toString(16).padStart(8, '0')}-${r.mode}.json`;
}

/** Writes `r` into `dir` (created if needed) and returns the path. */
export function saveRegression(dir: string, r: FuzzRegression): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, regressionFileName(r));
  writeFileSync(path, `${JSON.stringify(r, null, 1)}\n`);
  return path;
}

/** Every regression in `dir` (none when it does not exist), sorted by file name. */
export function loadRegressions(dir: string): { readonly file: string; readonly regression: FuzzRegression }[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.json')).sort();
  } catch {
    return [];
  }
  return names.map((file) => ({ file, regression: JSON.parse(readFileSync(join(dir, file), 'utf8')) as FuzzRegression }));
}
