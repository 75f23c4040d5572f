/** @file The paper's orderings (shared/paper-facts.md §8) evaluated on a report's nanobenchmark numbers. */
import { PAPER_NANO, PAPER_SHAPES, type Mode, type PaperShape, type ShapeMode, type ShapeRelation } from '../paper.ts';
import type { BenchReport } from '../results.ts';
import { nanoCycles } from './numbers.ts';

/** `≪` holds when the larger side is at least this many times the smaller. */
export const MUCH_LESS_FACTOR = 3;
/** `≈` holds when the two sides differ by at most this fraction of the larger. */
export const ABOUT_EQUAL_TOLERANCE = 0.1;

/** The x86virt mode standing for each of the paper's columns (its VT used shadow paging). */
export const SHAPE_MODE: Readonly<Record<ShapeMode, Mode>> = { native: 'native', bt: 'bt', hw: 'hw-shadow' };

/** One step `left rel right` of an ordering, on our numbers and on the paper's. */
export interface ShapeStep {
  readonly left: ShapeMode;
  readonly rel: ShapeRelation;
  readonly right: ShapeMode;
  readonly ours: { readonly left: number | null; readonly right: number | null };
  /** right / left on our numbers (null if either is absent), and on the paper's. */
  readonly oursRatio: number | null;
  readonly paperRatio: number;
  /** true / false, or null when a number is missing (mode not built, unsupported). */
  readonly holds: boolean | null;
}

/** One nanobenchmark's ordering and its verdict. */
export interface ShapeCheck {
  readonly nano: string;
  /** The ordering as the paper states it, e.g. `bt ≪ native ≪ hw`. */
  readonly ordering: string;
  readonly steps: readonly ShapeStep[];
  /** `holds` when every step holds, `fails` when one fails, `unknown` when one lacks a number. */
  readonly verdict: 'holds' | 'fails' | 'unknown';
}

/** Whether `left rel right` holds for two numbers. */
export function relationHolds(left: number, rel: ShapeRelation, right: number): boolean {
  switch (rel) {
    case '<':
      return left < right;
    case '≪':
      return right >= MUCH_LESS_FACTOR * left && right > left;
    case '≈':
      return Math.abs(left - right) <= ABOUT_EQUAL_TOLERANCE * Math.max(Math.abs(left), Math.abs(right));
  }
}

/** Evaluates every §8 ordering on `report` (pure). */
export function checkShapes(report: BenchReport, shapes: readonly PaperShape[] = PAPER_SHAPES): ShapeCheck[] {
  return shapes.map((shape) => {
    const paper = PAPER_NANO.find((n) => n.name === shape.nano)!;
    const guest = paper.guest;
    const value = (m: ShapeMode): number | null => nanoCycles(report, guest, SHAPE_MODE[m]);
    const [a, r1, b, r2, c] = shape.order;
    const steps = ([[a, r1, b], [b, r2, c]] as const).map(([left, rel, right]): ShapeStep => {
      const l = value(left);
      const rt = value(right);
      return {
        left,
        rel,
        right,
        ours: { left: l, right: rt },
        oursRatio: l === null || rt === null || l === 0 ? null : rt / l,
        paperRatio: paper[right] / paper[left],
        holds: l === null || rt === null ? null : relationHolds(l, rel, rt),
      };
    });
    const verdict = steps.some((s) => s.holds === false) ? 'fails' : steps.some((s) => s.holds === null) ? 'unknown' : 'holds';
    return { nano: shape.nano, ordering: `${a} ${r1} ${b} ${r2} ${c}`, steps, verdict };
  });
}
