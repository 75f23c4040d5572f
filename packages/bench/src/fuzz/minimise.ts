/** @file Delta debugging (Zeller's ddmin) over a fuzz program's items: the smallest program that still shows a divergence. */
import type { CostProfile } from '@x86virt/x86-core';
import type { Mode } from '../paper.ts';
import type { FuzzItem, FuzzProgram } from './program.ts';
import { runCase, type Divergence } from './run-case.ts';

/** Where an item sits: phase index and item index. */
type ItemRef = readonly [number, number];

/** The program with only the listed items kept (phases, page tables and registers unchanged). */
export function keepItems(program: FuzzProgram, keep: readonly ItemRef[]): FuzzProgram {
  const byPhase = program.phases.map(() => [] as FuzzItem[]);
  for (const [p, i] of keep) byPhase[p]!.push(program.phases[p]!.items[i]!);
  return { ...program, phases: program.phases.map((ph, p) => ({ ...ph, items: byPhase[p]! })) };
}

/** Options of the minimiser. */
export interface MinimiseOptions {
  /** Most test runs to spend (default 300). */
  readonly maxTests?: number;
  /** Called after each test run (for progress lines). */
  readonly onTest?: (items: number, tests: number) => void;
}

/** What minimising came to. */
export interface Minimised {
  readonly program: FuzzProgram;
  readonly divergence: Divergence;
  readonly tests: number;
  readonly itemsBefore: number;
  readonly itemsAfter: number;
}

/** True if `d` is the same kind of divergence as `target`: same mode, same `what`, same signature (when `target` has one). */
export function sameDivergence(d: Divergence, target: Divergence): boolean {
  return d.mode === target.mode && d.what === target.what && (target.signature === undefined || d.signature === target.signature);
}

/**
 * Shrinks `program`, which diverges in `mode` against `reference` as `divergence` says, to a
 * 1-minimal list of items (no single item can be dropped) within the test budget. A candidate
 * counts as still diverging only when `mode` differs from the reference in the same way: same
 * `what` and same signature (the dump's section and fields, or the final-state fields), so that
 * shrinking cannot drift from one divergence to another of a different kind.
 */
export function minimise(program: FuzzProgram, reference: Mode, mode: Mode, divergence: Divergence, profile: CostProfile, opts: MinimiseOptions = {}): Minimised {
  const maxTests = opts.maxTests ?? 300;
  let tests = 0;
  let last = divergence;
  const diverges = (keep: readonly ItemRef[]): boolean => {
    tests++;
    const r = runCase(keepItems(program, keep), [reference, mode], profile);
    opts.onTest?.(keep.length, tests);
    const d = r.divergences.find((x) => sameDivergence(x, { ...divergence, mode }));
    if (d !== undefined) last = d;
    return d !== undefined;
  };
  let items: ItemRef[] = program.phases.flatMap((ph, p) => ph.items.map((_, i) => [p, i] as const));
  const before = items.length;
  let n = 2;
  while (items.length >= 2 && tests < maxTests) {
    const size = Math.ceil(items.length / n);
    let reduced = false;
    for (let start = 0; start < items.length && tests < maxTests; start += size) {
      const complement = [...items.slice(0, start), ...items.slice(start + size)];
      if (diverges(complement)) {
        items = complement;
        n = Math.max(n - 1, 2);
        reduced = true;
        break;
      }
    }
    if (!reduced) {
      if (n >= items.length) break;
      n = Math.min(2 * n, items.length);
    }
  }
  if (items.length === 1 && tests < maxTests && diverges([])) items = [];
  return { program: keepItems(program, items), divergence: last, tests, itemsBefore: before, itemsAfter: items.length };
}
